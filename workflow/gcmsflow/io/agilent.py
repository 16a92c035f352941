"""Agilent ChemStation/MassHunter GC-MS ``.D`` folders (``DATA.MS``), read through rainbow-api."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..core.errors import GcmsflowError
from ..core.rawscans import RawScans


def data_ms(folder: str | os.PathLike) -> Path:
    """The ``DATA.MS`` file inside an Agilent ``.D`` folder (any letter case)."""
    folder = Path(folder)
    for child in sorted(folder.iterdir()):
        if child.name.upper() == "DATA.MS" and child.is_file():
            return child
    raise GcmsflowError(folder, "a folder without DATA.MS (give a raw file, or an Agilent .D folder)")


def read_agilent(folder: str | os.PathLike) -> RawScans:
    """Read the MS data of an Agilent ``.D`` folder; times converted from minutes to seconds."""
    import rainbow

    target = data_ms(folder)
    if target.stat().st_size == 0:
        raise GcmsflowError(target, "file is empty")
    try:
        datafile = rainbow.read(str(folder)).get_file(target.name)
    except Exception as err:  # rainbow raises assorted errors on damaged binaries
        raise GcmsflowError(target, f"not a readable Agilent DATA.MS, truncated or damaged ({type(err).__name__}: {err})") from None
    if datafile is None or datafile.data is None or datafile.data.size == 0:
        raise GcmsflowError(target, "DATA.MS holds no scans")
    data = np.asarray(datafile.data, dtype=np.float64)
    scan, column = np.nonzero(data)
    counts = np.bincount(scan, minlength=data.shape[0])
    return RawScans.in_scan_order(
        times_s=np.asarray(datafile.xlabels, dtype=np.float64) * 60.0,
        point_count=counts,
        mass=np.asarray(datafile.ylabels, dtype=np.float64)[column],
        intensity=data[scan, column],
        instrument="Agilent " + str(datafile.metadata.get("method", "")).strip(),
    )
