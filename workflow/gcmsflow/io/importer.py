"""Import a raw GC-MS run into a unit-mass scan cube, choosing the reader by file content.

Readers: ANDI-MS netCDF (netCDF-3 classic/64-bit offset and netCDF-4/HDF5), mzML (plain or gzip,
MS1 only), JCAMP-DX GC-MS and Agilent ``.D`` folders. Each gives centroid point lists that are
checked (monotonic times, finite non-negative values) and binned to nominal m/z.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.checksums import sha256_of_file
from ..core.errors import GcmsflowError
from ..core.rawscans import RawScans, scan_starts
from ..core.scancube import ScanCube
from .acquisition import check_acquisition, outside_share
from .agilent import data_ms, read_agilent
from .andi import read_andi
from .jcamp import read_jcamp
from .mzml import read_mzml

try:
    from . import (
        _unit_mass,  # C binning kernel, built at install where a C compiler is present
    )
except ImportError:
    _unit_mass = None

NETCDF3_MAGIC = (b"CDF\x01", b"CDF\x02")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
GZIP_MAGIC = b"\x1f\x8b"
READERS: dict[str, Callable[[str], RawScans]] = {"andi": read_andi, "mzml": read_mzml, "jcamp": read_jcamp, "agilent": read_agilent}
OUTSIDE_WARNING = 0.2  # warn when more of a run's signal than this lies outside the kept m/z range
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportParams:
    """Nominal m/z range kept and the bin offset (m/z x lands in bin floor(x + bin_offset)); the scans and
    the time span a run needs to count as chromatography."""

    mz_min: int = 50
    mz_max: int = 600
    bin_offset: float = 0.3
    min_scans: int = 100
    min_duration_s: float = 60.0


def sniff_format(path: str | os.PathLike) -> str:
    """Name the format of ``path`` from its content: ``andi``, ``mzml``, ``jcamp`` or ``agilent``.

    Raises a one-line :class:`GcmsflowError` for missing, empty, unreadable or unknown input.
    """
    path = Path(path)
    if not path.exists():
        raise GcmsflowError(path, "file not found")
    if path.is_dir():
        data_ms(path)
        return "agilent"
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as err:
        raise GcmsflowError(path, f"cannot be read ({err.strerror})") from None
    if not head:
        raise GcmsflowError(path, "file is empty")
    if head[:4] in NETCDF3_MAGIC or head[:8] == HDF5_MAGIC:
        return "andi"
    if head[:2] == GZIP_MAGIC:
        try:
            with gzip.open(path, "rb") as handle:
                head = handle.read(4096)
        except (OSError, EOFError) as err:
            raise GcmsflowError(path, f"damaged gzip file ({err})") from None
        if b"<mzML" in head or b"<indexedmzML" in head:
            return "mzml"
        raise GcmsflowError(path, "gzip file that does not hold mzML")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and (b"<mzML" in head or b"<indexedmzML" in head):
        return "mzml"
    if text.startswith(b"##"):
        return "jcamp"
    raise GcmsflowError(path, "unrecognised file content (supported: ANDI-MS netCDF, mzML, JCAMP-DX, Agilent .D)")


def validate_raw(raw: RawScans, path: str) -> None:
    """Refuse runs whose scans cannot be trusted, naming the first bad scan."""
    n = raw.times_s.size
    if n == 0:
        raise GcmsflowError(path, "contains no scans")
    if raw.scan_index.size != n or raw.point_count.size != n:
        raise GcmsflowError(path, "scan_index/point_count length differs from the number of scan times")
    if np.any(raw.point_count < 0) or np.any(raw.scan_index < 0):
        raise GcmsflowError(path, "negative scan_index or point_count")
    ends = raw.scan_index + raw.point_count
    if ends.max(initial=0) > raw.mass.size or raw.mass.size != raw.intensity.size:
        raise GcmsflowError(path, "point lists are shorter than scan_index + point_count (truncated file?)")
    bad_time = np.flatnonzero(~np.isfinite(raw.times_s))
    if bad_time.size:
        raise GcmsflowError(path, f"scan {bad_time[0] + 1}: retention time is not a number")
    steps = np.flatnonzero(np.diff(raw.times_s) <= 0)
    if steps.size:
        i = steps[0] + 1
        raise GcmsflowError(path, f"scan {i + 1}: retention time {raw.times_s[i]:.3f} s does not increase")
    for label, values in (("intensity", raw.intensity), ("m/z", raw.mass)):
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if bad.size:
            scan = int(np.searchsorted(raw.scan_index, bad[0], side="right"))
            raise GcmsflowError(path, f"scan {scan}: negative or NaN {label} value ({values[bad[0]]})")
    if not raw.point_count.any():
        raise GcmsflowError(path, f"all {n} scans are empty (no m/z-intensity points): a chromatogram without mass spectra")
    if not raw.intensity.any():
        raise GcmsflowError(path, f"all {n} scans have zero intensity")


def bin_unit_mass(raw: RawScans, mz_min: int, mz_max: int, bin_offset: float) -> tuple[np.ndarray, np.ndarray]:
    """Sum centroids into nominal m/z bins ``[n - bin_offset, n + 1 - bin_offset)``.

    Returns the m/z axis ``mz_min..mz_max`` and a float32 matrix (scans x m/z). Float64 points in
    scan and m/z order are binned by the C kernel where it is built; numpy bins all others, with
    identical results.
    """
    n_scans, n_mz = raw.times_s.size, mz_max - mz_min + 1
    mass, intensity = scan_points(raw)
    axis = np.arange(mz_min, mz_max + 1, dtype=np.int32)
    if _unit_mass is not None and mass.dtype == intensity.dtype == np.float64:
        cube = np.zeros(n_scans * n_mz, dtype=np.float32)
        counts = np.ascontiguousarray(raw.point_count, dtype=np.int64)
        if _unit_mass.bin_sorted(np.ascontiguousarray(mass), np.ascontiguousarray(intensity), counts, mz_min, n_mz, bin_offset, cube):
            return axis, cube.reshape(n_scans, n_mz)
    return axis, _bin_with_numpy(mass, intensity, raw.point_count, mz_min, n_mz, bin_offset).reshape(n_scans, n_mz)


def scan_points(raw: RawScans) -> tuple[np.ndarray, np.ndarray]:
    """The m/z and intensity of the run's points, scan after scan."""
    n_points = int(raw.point_count.sum())
    offsets = scan_starts(raw.point_count)
    if np.array_equal(raw.scan_index, offsets):  # points stored in scan order: no gather needed
        return raw.mass[:n_points], raw.intensity[:n_points]
    take = np.arange(n_points) + np.repeat(raw.scan_index - offsets, raw.point_count)
    return raw.mass[take], raw.intensity[take]


def _bin_with_numpy(mass: np.ndarray, intensity: np.ndarray, counts: np.ndarray, mz_min: int, n_mz: int, bin_offset: float) -> np.ndarray:
    """The flat float32 cube of points in scan order (see :func:`bin_unit_mass`)."""
    n_cells = counts.size * n_mz
    column = mass + bin_offset
    np.floor(column, out=column)
    column -= mz_min
    np.clip(column, -1, n_mz, out=column)  # far-off masses stay castable to the cell type
    outside = (column < 0) | (column >= n_mz)
    cell_type = np.int32 if n_cells < 2**31 else np.int64
    cells = column.astype(cell_type)
    cells += np.repeat(np.arange(0, n_cells, n_mz, dtype=cell_type), counts)
    if outside.any():
        cells, intensity = cells[~outside], intensity[~outside]
    cells, sums = sum_by_cell(cells, intensity)
    cube = np.zeros(n_cells, dtype=np.float32)
    cube[cells] = sums
    return cube


def sum_by_cell(cells: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct cells (ascending) and the float64 sum of each one's values, added in input order.

    Equal to ``np.bincount(cells, values)`` at those cells, without its dense float64 output. Points
    usually come sorted by scan and m/z, so a cell's values are neighbours and most cells hold one.
    """
    if np.any(cells[1:] < cells[:-1]):
        order = np.argsort(cells, kind="stable")
        cells, values = cells[order], values[order]
    starts = np.empty(cells.size, dtype=bool)
    starts[:1] = True
    np.not_equal(cells[1:], cells[:-1], out=starts[1:])
    sums = values[starts]
    sums += 0.0  # as bincount, which starts from 0.0: -0.0 sums to 0.0
    repeats = np.flatnonzero(~starts)  # the k-th repeat extends cell run repeats[k] - k - 1
    np.add.at(sums, repeats - np.arange(1, repeats.size + 1), values[repeats])  # in index order
    return cells[starts], sums


def import_run(path: str | os.PathLike, params: ImportParams = ImportParams()) -> ScanCube:
    """Read ``path`` (format sniffed from content) into a :class:`ScanCube` with metadata."""
    path = str(path)
    if params.mz_min < 1 or params.mz_max < params.mz_min:
        raise GcmsflowError(path, f"invalid m/z range {params.mz_min}-{params.mz_max}")
    fmt = sniff_format(path)
    with ThreadPoolExecutor(max_workers=1) as pool:  # hash the source while it is parsed
        digest = pool.submit(sha256_of_file, data_ms(path) if fmt == "agilent" else path)
        raw = READERS[fmt](path)
        validate_raw(raw, path)
        check_acquisition(raw, path, params.min_scans, params.min_duration_s)
        mz, intensity = bin_unit_mass(raw, params.mz_min, params.mz_max, params.bin_offset)
        sha256 = digest.result()
    outside = outside_share(scan_points(raw)[1], float(intensity.sum(dtype=np.float64)))
    warnings = [_outside_warning(raw, path, outside, params)] if outside > OUTSIDE_WARNING else []
    for warning in warnings:
        log.warning("warning: %s", warning)
    metadata = {
        "source": os.path.basename(path),
        "format": fmt,
        "sha256": sha256,
        "instrument": raw.instrument,
        "n_scans": int(raw.times_s.size),
        "time_range_s": [float(raw.times_s[0]), float(raw.times_s[-1])],
        "mz_range": [int(params.mz_min), int(params.mz_max)],
        "bin_offset": float(params.bin_offset),
        "acquisition": dict(sorted(raw.acquisition.items())),
        "qc": {"signal_outside_mz_range": round(outside, 4)},
        "warnings": warnings,
    }
    return ScanCube(raw.times_s.astype(np.float64), mz, intensity, metadata)


def _outside_warning(raw: RawScans, path: str, share: float, params: ImportParams) -> str:
    """One line saying how much of the run's signal the m/z range drops, and the range the run holds."""
    mass = scan_points(raw)[0]
    return (f"{path}: {share:.0%} of the signal lies outside m/z {params.mz_min}-{params.mz_max} (the run holds m/z "
            f"{mass.min():.0f}-{mass.max():.0f}); widen import.mz_min/mz_max to keep it")
