"""ANDI-MS (ASTM E2078) netCDF: read the raw point lists, and write them (for the simulator)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from scipy.io import netcdf_file

from .atomic import atomic_path
from .errors import GcmsflowError


@dataclass
class RawScans:
    """Centroid point lists of a run: points of scan ``i`` are ``[scan_index[i], scan_index[i] + point_count[i])``."""

    times_s: np.ndarray
    scan_index: np.ndarray
    point_count: np.ndarray
    mass: np.ndarray
    intensity: np.ndarray
    instrument: str = ""


def _var(nc: netcdf_file, name: str, path: str) -> np.ndarray:
    if name not in nc.variables:
        raise GcmsflowError(path, f"ANDI-MS variable '{name}' is missing")
    return np.array(nc.variables[name][:], copy=True)


def _scaled(nc: netcdf_file, name: str, path: str) -> np.ndarray:
    """A variable with its ``scale_factor`` applied (ANDI allows short or long integer storage)."""
    values = _var(nc, name, path).astype(np.float64)
    scale = getattr(nc.variables[name], "scale_factor", None)
    return values * float(scale) if scale is not None else values


def read_andi(path: str | os.PathLike) -> RawScans:
    """Read an ANDI-MS netCDF-3 file (classic or 64-bit offset) into :class:`RawScans`."""
    path = str(path)
    try:
        nc = netcdf_file(path, "r", mmap=False)
    except (TypeError, ValueError, OSError, IndexError) as err:
        raise GcmsflowError(path, f"not a readable netCDF-3 file ({err})") from None
    with nc:
        times = _scaled(nc, "scan_acquisition_time", path)
        units = nc.variables["scan_acquisition_time"].__dict__.get("units", b"")
        units = units.decode(errors="replace") if isinstance(units, bytes) else str(units)
        if units.strip().lower().startswith("min"):
            times = times * 60.0
        scan_index = _var(nc, "scan_index", path).astype(np.int64)
        point_count = _var(nc, "point_count", path).astype(np.int64)
        mass = _scaled(nc, "mass_values", path)
        intensity = _scaled(nc, "intensity_values", path)
        instrument = ""
        for attr in ("instrument_name", "instrument_mfr", "instrument_model"):
            value = getattr(nc, attr, b"")
            if value:
                instrument = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
                break
    return RawScans(times, scan_index, point_count, mass, intensity, instrument)


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
