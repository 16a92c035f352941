"""ANDI-MS (ASTM E2078) netCDF: read the raw point lists, and write them (for the simulator)."""

from __future__ import annotations

import os

import numpy as np
from scipy.io import netcdf_file

from ..core.atomic import atomic_path
from ..core.errors import GcmsflowError
from ..core.rawscans import RawScans


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value or "")


def _open(path: str):
    """Open a netCDF-3 file with scipy, a netCDF-4/HDF5 file with netCDF4 (no automatic scaling)."""
    with open(path, "rb") as handle:
        hdf5 = handle.read(8) == b"\x89HDF\r\n\x1a\n"
    try:
        if hdf5:
            import netCDF4

            nc = netCDF4.Dataset(path, "r")
            nc.set_auto_maskandscale(False)
            return nc
        return netcdf_file(path, "r", mmap=False)
    except (TypeError, ValueError, OSError, IndexError, RuntimeError) as err:
        raise GcmsflowError(path, f"not a readable netCDF file ({err})") from None


# acquisition key: the global attributes that may state it (ASTM E2077 names first)
ACQUISITION_ATTRIBUTES = {
    "ionization": ("test_ionization_mode", "ionization_mode"),
    "inlet": ("test_ms_inlet", "ms_inlet"),
    "separation": ("test_separation_type", "separation_type"),
    "spectrum_type": ("experiment_type",),
    "scan_function": ("test_scan_function", "scan_function"),
}


def _acquisition(nc) -> dict[str, str]:
    """What the file's global attributes say of how the run was acquired."""
    found = {}
    for key, names in ACQUISITION_ATTRIBUTES.items():
        values = [_text(getattr(nc, name, "")).strip() for name in names]
        if any(values):
            found[key] = next(v for v in values if v)
    return found


def _values(nc, name: str, path: str) -> np.ndarray:
    """A variable as float64 with its ``scale_factor`` applied (ANDI allows short or long integers)."""
    if name not in nc.variables:
        raise GcmsflowError(path, f"ANDI-MS variable '{name}' is missing")
    var = nc.variables[name]
    try:
        values = np.array(var[:], dtype=np.float64)
    except (ValueError, OSError, IndexError, RuntimeError) as err:
        raise GcmsflowError(path, f"ANDI-MS variable '{name}' cannot be read (truncated file?) ({err})") from None
    scale = getattr(var, "scale_factor", None)
    return values * float(scale) if scale is not None else values


def read_andi(path: str | os.PathLike) -> RawScans:
    """Read an ANDI-MS netCDF file (netCDF-3 classic or 64-bit offset, or netCDF-4/HDF5) into :class:`RawScans`."""
    path = str(path)
    nc = _open(path)
    try:
        if "mass_values" not in nc.variables or "intensity_values" not in nc.variables:
            if "ordinate_values" in nc.variables or "total_intensity" in nc.variables:
                raise GcmsflowError(path, "a chromatogram without mass spectra (no mass_values/intensity_values: a TIC-only or ANDI chromatography file)")
        times = _values(nc, "scan_acquisition_time", path)
        units = _text(getattr(nc.variables["scan_acquisition_time"], "units", "")).strip().lower()
        if units.startswith("min"):
            times = times * 60.0
        scan_index = _values(nc, "scan_index", path).astype(np.int64)
        point_count = _values(nc, "point_count", path).astype(np.int64)
        mass = _values(nc, "mass_values", path)
        intensity = _values(nc, "intensity_values", path)
        instrument = ""
        for attr in ("instrument_name", "instrument_mfr", "instrument_model"):
            instrument = _text(getattr(nc, attr, "")).strip()
            if instrument:
                break
        acquisition = _acquisition(nc)
    finally:
        nc.close()
    return RawScans(times, scan_index, point_count, mass, intensity, instrument, acquisition)


def write_andi(target: str | os.PathLike, raw: RawScans, title: str) -> None:
    """Write ``raw`` as an ANDI-MS netCDF-3 classic file (times in seconds), atomically."""
    with atomic_path(target, suffix=".cdf") as tmp:
        nc = netcdf_file(str(tmp), "w", version=1)
        with nc:
            nc.dataset_completeness = b"C1+C2"
            nc.ms_template_revision = b"1.0.1"
            nc.netcdf_revision = b"2.3.2"
            nc.experiment_title = title.encode()
            nc.experiment_type = b"Centroided Mass Spectrum"
            nc.instrument_name = b"gcmsflow simulated GC-EI-MS"
            nc.raw_data_mass_format = b"Float"
            nc.raw_data_time_format = b"Double"
            nc.raw_data_intensity_format = b"Float"
            nc.createDimension("scan_number", raw.times_s.size)
            nc.createDimension("point_number", raw.mass.size)
            variables = {
                "scan_acquisition_time": ("scan_number", "d", raw.times_s),
                "scan_index": ("scan_number", "i", raw.scan_index),
                "point_count": ("scan_number", "i", raw.point_count),
                "total_intensity": ("scan_number", "d", _tic(raw)),
                "mass_values": ("point_number", "f", raw.mass),
                "intensity_values": ("point_number", "f", raw.intensity),
            }
            for name, (dim, kind, values) in variables.items():
                var = nc.createVariable(name, kind, (dim,))
                var[:] = values
            nc.variables["scan_acquisition_time"].units = b"seconds"
            nc.variables["mass_values"].units = b"M/Z"


def _tic(raw: RawScans) -> np.ndarray:
    scan_of_point = np.repeat(np.arange(raw.times_s.size), raw.point_count)
    return np.bincount(scan_of_point, weights=raw.intensity, minlength=raw.times_s.size)
