/* Unit-mass binning of centroids stored in scan and m/z order (gcmsflow.importer's fast path).
 *
 * Point j of scan i lands in cell i * n_mz + floor(mass[j] + bin_offset) - mz_min when that column
 * lies in [0, n_mz). A cell's values are summed in double precision in their stored order, starting
 * from 0.0, and stored as float32: the same operations, in the same order, as numpy's
 * np.bincount(cells, weights) followed by astype(float32), so the result is identical bit for bit.
 * Points whose cells are not ascending make bin_sorted return False (numpy then bins them).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

static int bin(const double *mass, const double *intensity, const int64_t *counts, Py_ssize_t n_scans, double mz_min,
               Py_ssize_t n_mz, double bin_offset, float *cube) {
    Py_ssize_t point = 0, cell = -1;
    double sum = 0.0;
    for (Py_ssize_t scan = 0; scan < n_scans; scan++) {
        for (int64_t k = 0; k < counts[scan]; k++, point++) {
            double column = floor(mass[point] + bin_offset) - mz_min;
            if (!(column >= 0.0 && column < (double)n_mz)) continue;
            Py_ssize_t here = scan * n_mz + (Py_ssize_t)column;
            if (here != cell) {
                if (here < cell) return 0;
                if (cell >= 0) cube[cell] = (float)sum;
                cell = here;
                sum = 0.0;
            }
            sum += intensity[point];
        }
    }
    if (cell >= 0) cube[cell] = (float)sum;
    return 1;
}

static int check(Py_buffer *view, Py_ssize_t itemsize, const char *what) {
    if (view->itemsize != itemsize || !PyBuffer_IsContiguous(view, 'C')) {
        PyErr_Format(PyExc_ValueError, "%s must be a contiguous array of %zd-byte items", what, itemsize);
        return 0;
    }
    return 1;
}

static PyObject *bin_sorted(PyObject *self, PyObject *args) {
    Py_buffer mass, intensity, counts, cube;
    Py_ssize_t mz_min, n_mz;
    double bin_offset;
    PyObject *result = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*y*nndw*", &mass, &intensity, &counts, &mz_min, &n_mz, &bin_offset, &cube)) return NULL;
    if (check(&mass, 8, "mass") && check(&intensity, 8, "intensity") && check(&counts, 8, "counts") && check(&cube, 4, "cube")) {
        Py_ssize_t n_scans = counts.len / 8, n_points = 0;
        const int64_t *count = counts.buf;
        for (Py_ssize_t i = 0; i < n_scans; i++) n_points += count[i] > 0 ? count[i] : 0;
        if (n_mz < 1 || cube.len / 4 != n_scans * n_mz || mass.len != intensity.len || n_points > mass.len / 8) {
            PyErr_SetString(PyExc_ValueError, "array sizes do not agree");
        } else {
            int ok;
            Py_BEGIN_ALLOW_THREADS
            ok = bin(mass.buf, intensity.buf, count, n_scans, (double)mz_min, n_mz, bin_offset, cube.buf);
            Py_END_ALLOW_THREADS
            result = PyBool_FromLong(ok);
        }
    }
    PyBuffer_Release(&mass);
    PyBuffer_Release(&intensity);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&cube);
    return result;
}

static PyMethodDef METHODS[] = {
    {"bin_sorted", bin_sorted, METH_VARARGS,
     "bin_sorted(mass, intensity, counts, mz_min, n_mz, bin_offset, cube) -> bool\n\n"
     "Sum float64 centroids (points of scan i follow those of scan i - 1; counts: int64 per scan)\n"
     "into the zeroed float32 cube (scans x n_mz, flat). False when the cells do not ascend; the\n"
     "cube is then partly written."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_unit_mass", "Unit-mass binning of sorted centroids.", -1, METHODS};

PyMODINIT_FUNC PyInit__unit_mass(void) { return PyModule_Create(&MODULE); }
