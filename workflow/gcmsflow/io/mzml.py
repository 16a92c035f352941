"""mzML and gzip-compressed mzML runs (MS1 spectra only), read with pyteomics."""

from __future__ import annotations

import gzip
import os

import numpy as np

from ..core.errors import GcmsflowError
from ..core.rawscans import RawScans


def _start_seconds(spectrum: dict) -> float:
    scan = spectrum.get("scanList", {}).get("scan", [{}])[0]
    value = scan.get("scan start time")
    if value is None:
        raise KeyError("scan start time")
    unit = getattr(value, "unit_info", "") or ""
    return float(value) * (60.0 if "min" in str(unit).lower() else 1.0)


def read_mzml(path: str | os.PathLike) -> RawScans:
    """MS1 spectra of an mzML file (``.mzML`` or ``.mzML.gz``), scan times converted to seconds."""
    from pyteomics import mzml
    from pyteomics.auxiliary import PyteomicsError

    path = str(path)
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    times, masses, intensities, counts = [], [], [], []
    n_spectra = 0
    try:
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as source:
            for spectrum in mzml.MzML(source, use_index=False, decode_binary=True):
                n_spectra += 1
                if int(spectrum.get("ms level", 1)) != 1:
                    continue
                times.append(_start_seconds(spectrum))
                masses.append(np.asarray(spectrum["m/z array"], dtype=np.float64))
                intensities.append(np.asarray(spectrum["intensity array"], dtype=np.float64))
                counts.append(masses[-1].size)
    except KeyError as err:
        raise GcmsflowError(path, f"spectrum {n_spectra}: missing {err}") from None
    except (PyteomicsError, OSError, EOFError, ValueError) as err:
        raise GcmsflowError(path, f"not a readable mzML file ({err})") from None
    if not times:
        raise GcmsflowError(path, f"no MS1 spectra ({n_spectra} spectra of other MS levels)")
    counts_arr = np.array(counts, dtype=np.int64)
    return RawScans.in_scan_order(
        times_s=np.array(times),
        point_count=counts_arr,
        mass=np.concatenate(masses),
        intensity=np.concatenate(intensities),
    )
