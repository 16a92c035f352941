"""Spectral libraries: read MSP through matchms into dense unit-mass arrays for vectorised scoring."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np

from .errors import GcmsflowError

MZ_MAX = 1000


@dataclass
class Library:
    """Library spectra as a dense matrix (entries x nominal m/z 0..MZ_MAX) with their metadata."""

    names: list[str]
    ids: list[str]
    inchikeys: list[str]
    ri: np.ndarray
    intensity: np.ndarray


def _float(value: object) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def spectra_matrix(spectra_mz: list[np.ndarray], spectra_intensity: list[np.ndarray]) -> np.ndarray:
    """Dense (n x MZ_MAX+1) matrix with intensities summed into nominal m/z bins (rounded)."""
    matrix = np.zeros((len(spectra_mz), MZ_MAX + 1))
    for k, (mz, intensity) in enumerate(zip(spectra_mz, spectra_intensity)):
        nominal = np.rint(np.asarray(mz, float)).astype(int)
        keep = (nominal >= 0) & (nominal <= MZ_MAX)
        np.add.at(matrix[k], nominal[keep], np.asarray(intensity, float)[keep])
    return matrix


def load_library(path: str | os.PathLike) -> Library:
    """Read an MSP library with matchms; RI comes from ``retention_index`` where present."""
    from matchms.importing import load_from_msp

    logging.getLogger("matchms").setLevel(logging.ERROR)
    path = str(path)
    if not os.path.isfile(path):
        raise GcmsflowError(path, "library file not found")
    try:
        spectra = list(load_from_msp(path))
    except (ValueError, KeyError, IndexError, UnicodeDecodeError) as err:
        raise GcmsflowError(path, f"not a readable MSP library ({err})") from None
    if not spectra:
        raise GcmsflowError(path, "library holds no spectra")
    names, ids, keys, ri = [], [], [], []
    for k, spectrum in enumerate(spectra):
        meta = spectrum.metadata
        names.append(str(meta.get("compound_name") or f"entry {k + 1}"))
        ids.append(str(meta.get("spectrum_id") or meta.get("db#") or f"{os.path.basename(path)}:{k + 1}"))
        keys.append(str(meta.get("inchikey") or ""))
        ri.append(_float(meta.get("retention_index")))
    matrix = spectra_matrix([s.peaks.mz for s in spectra], [s.peaks.intensities for s in spectra])
    return Library(names, ids, keys, np.array(ri), matrix)
