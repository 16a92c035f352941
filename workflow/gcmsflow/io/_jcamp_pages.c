/* One-pass reader for regular JCAMP-DX GC-MS pages (gcmsflow.jcamp's fast path).
 *
 * A regular file, from its first ##PAGE= line on, holds label lines ("##..."), blank lines and,
 * after a page's data label (##XYDATA=, or ##DATA TABLE= / ##PEAK TABLE= of the NTUPLES layout,
 * whose value starts with "(XY..XY)") up to the next label, data lines of numbers separated by
 * blanks, commas or semicolons, read as x, y, x, y, ... (one or several pairs per line, as the
 * page parser reads them). Anything else (stray text, a second data label in a page, another data
 * form, an odd number of values in a page, a value that is not a plain decimal number) makes
 * read_regular return None, and
 * gcmsflow.jcamp reads the file with its page parser instead, which names the scan at fault.
 *
 * Numbers are converted exactly as Python's float() does (correctly rounded): decimals whose digits
 * form an integer up to 2**53 and whose power of ten lies within 1e+-22 by one exact IEEE operation
 * (Clinger's fast path); any other number by PyOS_string_to_double.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

typedef struct {
    const char *end;       /* past the number, or NULL when s does not start with one */
    double value;
    int exact;             /* 1 when value is final; 0 when the token needs PyOS_string_to_double */
} Number;

static int is_digit(char c) { return (unsigned char)(c - '0') < 10; }

/* Past the blanks at s (the data end with a NUL byte, which is not blank). */
static const char *skip_blanks(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* Scan a decimal number ([+-]digits[.digits][(e|E)[+-]digits]) at s, in NUL-terminated data. */
static Number scan_number(const char *s) {
    Number n = {NULL, 0.0, 1};
    const char *p = s, *digits_at;
    int negative = 0, exp10 = 0;
    Py_ssize_t digits;
    uint64_t mantissa = 0; /* wraps past 19 digits; such numbers take the slow path */
    if (*p == '+' || *p == '-') negative = (*p++ == '-');
    for (digits_at = p; is_digit(*p); p++) mantissa = mantissa * 10 + (uint64_t)(*p - '0');
    digits = p - digits_at;
    if (*p == '.') {
        uint64_t whole = mantissa;
        int fraction = 0; /* whether a fraction digit is not 0 */
        for (digits_at = ++p; is_digit(*p); p++) {
            mantissa = mantissa * 10 + (uint64_t)(*p - '0');
            fraction |= *p != '0';
        }
        if (fraction) {
            exp10 = -(int)(p - digits_at);
        } else {
            mantissa = whole; /* "5356.0" is 5356: no division */
        }
        digits += p - digits_at;
    }
    if (digits == 0) return n;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int exp_negative = 0, exp_value = 0;
        if (*q == '+' || *q == '-') exp_negative = (*q++ == '-');
        for (digits_at = q; is_digit(*q); q++)
            if (exp_value < 100000) exp_value = exp_value * 10 + (*q - '0');
        if (q == digits_at) return n;
        exp10 += exp_negative ? -exp_value : exp_value;
        p = q;
    }
    n.end = p;
    if (digits <= 19 && mantissa <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double m = (double)mantissa; /* exact below 2**53; one IEEE operation rounds correctly */
        n.value = exp10 >= 0 ? m * POW10[exp10] : m / POW10[-exp10];
        if (negative) n.value = -n.value;
    } else {
        n.exact = 0;
    }
    return n;
}

/* The value of a number off the fast path, by PyOS_string_to_double, which needs the GIL (the
 * caller runs without it). Returns 0 on failure. */
static int slow_value(const char *s, Number *n, PyThreadState **state) {
    char token[128];
    Py_ssize_t len = n->end - s;
    if (len >= (Py_ssize_t)sizeof(token)) return 0;
    memcpy(token, s, (size_t)len);
    token[len] = '\0';
    PyEval_RestoreThread(*state);
    n->value = PyOS_string_to_double(token, NULL, NULL);
    int ok = !(n->value == -1.0 && PyErr_Occurred());
    if (!ok) PyErr_Clear();
    *state = PyEval_SaveThread();
    return ok;
}

/* The value of the label line [s, eol) after its '=' (blanks and a trailing CR removed). */
static void label_value(const char *s, const char *eol, const char **from, const char **to) {
    const char *eq = memchr(s, '=', (size_t)(eol - s));
    const char *a = eq ? eq + 1 : eol, *b = eol;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
    *from = a;
    *to = b;
}

static int starts_with(const char *s, const char *eol, const char *prefix) {
    size_t len = strlen(prefix);
    return (size_t)(eol - s) >= len && memcmp(s, prefix, len) == 0;
}

/* Whether line [s, eol) is a data label; -1 when it is one whose form is not "(XY..XY)". */
static int data_label(const char *s, const char *eol) {
    const char *a, *b;
    if (!starts_with(s, eol, "##XYDATA=") && !starts_with(s, eol, "##DATA TABLE=") && !starts_with(s, eol, "##PEAK TABLE=")) return 0;
    label_value(s, eol, &a, &b);
    return starts_with(a, b, "(XY..XY)") ? 1 : -1;
}

static int is_separator(char c) { return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '\r'; }

/* Whether the label name of line [s, eol) (before its '=') contains "RETENTION". */
static int names_retention(const char *s, const char *eol) {
    const char *eq = memchr(s, '=', (size_t)(eol - s));
    for (const char *p = s; p + 9 <= (eq ? eq : eol); p++)
        if (memcmp(p, "RETENTION", 9) == 0) return 1;
    return 0;
}

/* A retention time text ([a, b), already stripped) as a number; 0 when it is not one. */
static int time_value(const char *a, const char *b, double *out, PyThreadState **state) {
    Number n = scan_number(a);
    if (n.end != b || (!n.exact && !slow_value(a, &n, state))) return 0;
    *out = n.value;
    return 1;
}

typedef struct {
    double *mass, *intensity, *times;
    int64_t *counts;
    Py_ssize_t point_capacity, page_capacity, n_points, n_pages;
} Output;

/* Close page n_pages - 1: its time from ##RETENTION_TIME= (before ##XYDATA=) or else ##PAGE=. */
static int close_page(Output *out, const char *page_a, const char *page_b, const char *rt_a, const char *rt_b,
                      PyThreadState **state) {
    const char *a = page_a, *b = page_b;
    if (rt_a && rt_b > rt_a) {
        a = rt_a;
        b = rt_b;
    } else if (b - a >= 2 && a[0] == 'T' && a[1] == '=') {
        a = skip_blanks(a + 2);
    }
    return time_value(a, b, &out->times[out->n_pages - 1], state);
}

/* Parse from the first ##PAGE= line (at start); 1 on success, 0 for an irregular file. */
static int parse(const char *s, const char *limit, Output *out, PyThreadState **state) {
    const char *page_a = NULL, *page_b = NULL, *rt_a = NULL, *rt_b = NULL;
    int in_data = 0, seen_data = 0, pending = 0; /* pending: an x read, its y not yet */
    double x = 0.0;
    while (s < limit) {
        if (limit - s >= 2 && s[0] == '#' && s[1] == '#') {
            const char *eol = memchr(s, '\n', (size_t)(limit - s));
            if (!eol) eol = limit;
            /* the page parser finds labels anywhere in a line, and reads "## RETENTION TIME =" too */
            if (memchr(s + 2, '#', (size_t)(eol - s - 2)) || (!starts_with(s, eol, "##RETENTION_TIME=") && names_retention(s, eol)))
                return 0;
            if (pending) return 0; /* odd number of values in a page */
            in_data = 0;
            if (starts_with(s, eol, "##PAGE=")) {
                if (out->n_pages && !close_page(out, page_a, page_b, rt_a, rt_b, state)) return 0;
                if (out->n_pages == out->page_capacity) return 0;
                out->counts[out->n_pages++] = 0;
                label_value(s, eol, &page_a, &page_b);
                rt_a = rt_b = NULL;
                seen_data = 0;
            } else if (data_label(s, eol)) {
                if (seen_data || !out->n_pages || data_label(s, eol) < 0) return 0;
                in_data = seen_data = 1;
            } else if (starts_with(s, eol, "##RETENTION_TIME=") && !seen_data) {
                label_value(s, eol, &rt_a, &rt_b);
            }
            s = eol + 1;
        } else if (in_data) { /* values separated by blanks, commas or semicolons, paired across lines */
            const char *p = s;
            for (;;) {
                while (is_separator(*p)) p++;
                if (p >= limit || *p == '\n') break;
                Number v = scan_number(p);
                if (!v.end || !(v.exact || slow_value(p, &v, state))) return 0;
                char next = *v.end;
                if (!(is_separator(next) || next == '\n' || v.end == limit)) return 0;
                if (pending) {
                    if (out->n_points == out->point_capacity) return 0;
                    out->mass[out->n_points] = x;
                    out->intensity[out->n_points++] = v.value;
                    out->counts[out->n_pages - 1]++;
                } else {
                    x = v.value;
                }
                pending = !pending;
                p = v.end;
            }
            s = p + 1;
        } else { /* outside data only blank lines */
            const char *p = s;
            while (*p == ' ' || *p == '\t' || *p == '\r') p++;
            if (p < limit && *p != '\n') return 0;
            s = p + 1;
        }
    }
    return !pending && out->n_pages && close_page(out, page_a, page_b, rt_a, rt_b, state);
}

static int output_buffer(Py_buffer *view, Py_ssize_t *capacity, Py_ssize_t *known) {
    if (view->len % 8 || !PyBuffer_IsContiguous(view, 'C')) {
        PyErr_SetString(PyExc_ValueError, "output buffers must be contiguous 8-byte arrays");
        return 0;
    }
    *capacity = view->len / 8;
    if (*known >= 0 && *known != *capacity) {
        PyErr_SetString(PyExc_ValueError, "paired output buffers differ in length");
        return 0;
    }
    *known = *capacity;
    return 1;
}

static PyObject *read_regular(PyObject *self, PyObject *args) {
    PyObject *data, *result = NULL;
    Py_buffer mass, intensity, times, counts;
    Py_ssize_t start, points = -1, pages = -1;
    (void)self;
    /* a bytes object: its text ends with a NUL byte, which stops every scan without bounds checks */
    if (!PyArg_ParseTuple(args, "O!nw*w*w*w*", &PyBytes_Type, &data, &start, &mass, &intensity, &times, &counts)) return NULL;
    Output out = {mass.buf, intensity.buf, times.buf, counts.buf, 0, 0, 0, 0};
    if (output_buffer(&mass, &out.point_capacity, &points) && output_buffer(&intensity, &out.point_capacity, &points) &&
        output_buffer(&times, &out.page_capacity, &pages) && output_buffer(&counts, &out.page_capacity, &pages)) {
        const char *text = PyBytes_AS_STRING(data);
        Py_ssize_t size = PyBytes_GET_SIZE(data);
        if (start < 0 || start > size) {
            PyErr_SetString(PyExc_ValueError, "start lies outside the data");
        } else {
            PyThreadState *state = PyEval_SaveThread();
            int ok = parse(text + start, text + size, &out, &state);
            PyEval_RestoreThread(state);
            result = ok ? Py_BuildValue("nn", out.n_pages, out.n_points) : Py_NewRef(Py_None);
        }
    }
    PyBuffer_Release(&mass);
    PyBuffer_Release(&intensity);
    PyBuffer_Release(&times);
    PyBuffer_Release(&counts);
    return result;
}

static PyMethodDef METHODS[] = {
    {"read_regular", read_regular, METH_VARARGS,
     "read_regular(data, start, mass, intensity, times, counts) -> (n_pages, n_points) or None\n\n"
     "Fill float64 mass/intensity (one slot per x, y pair) and float64 times/int64 counts (one per\n"
     "page) from a regular JCAMP-DX GC-MS file whose first ##PAGE= line begins at byte `start`;\n"
     "None when the file is not regular or a buffer is too small."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_jcamp_pages", "One-pass reader for regular JCAMP-DX GC-MS pages.",
                                    -1, METHODS};

PyMODINIT_FUNC PyInit__jcamp_pages(void) { return PyModule_Create(&MODULE); }
