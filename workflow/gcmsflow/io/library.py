"""Spectral libraries: read MSP (NIST, MoNA, MassBank, GMD flavours), MGF or matchms JSON through
matchms into dense unit-mass arrays for vectorised scoring, with each entry's RI and column class.

RI comes from matchms's ``retention_index`` (MSP ``RI:``, ``RETENTIONINDEX:``, ``Synon: RI:``) or,
failing that, from an ``RI=``/``RI:``/``retention index`` note in a ``Comment:`` or ``Synon:`` field.
The stationary phase (``COLUMN:``) is classed as standard non-polar (100 % dimethylpolysiloxane),
semi-standard non-polar (5 % phenyl), intermediate polar (e.g. 50 % phenyl, DB-17) or polar (WAX);
RIs from another class than the study's are not comparable and are dropped (the entry is then
scored on its spectrum alone). Entries without a column are taken to be of the study's class.
"""

from __future__ import annotations

import logging
import math
import os
import re
from dataclasses import dataclass

import numpy as np

from ..core.errors import GcmsflowError
from ..core.spectra import MZ_MAX
from .msp import _GOLM_PEAKS, _peak_values, check_msp

COLUMN_CLASSES = ("standard non-polar", "semi-standard non-polar", "intermediate polar", "polar")
_PHASES = (  # checked in order: the first pattern that matches a COLUMN text gives its class
    ("polar", re.compile(r"wax|ffap|carbowax|\bpeg\b", re.I)),
    ("semi-standard non-polar", re.compile(r"(db|hp|zb|rtx|ptx|vf|sp?b|slb|tg|elite|optima|equity|bpx?|rxi|mega)[- ]?5(?![0-9])|cp[- ]?sil ?8|se-?54", re.I)),
    ("standard non-polar", re.compile(r"(db|hp|zb|rtx|vf|spb|optima|equity|bp|rxi|elite)[- ]?1(?![0-9])|cp[- ]?sil ?5|ov-?1(01)?(?![0-9])|se-?30", re.I)),
    ("intermediate polar", re.compile(r"(db|hp|rtx|zb|vf|ov|sp?b)[- ]?(17|35|50|225|1701)(?![0-9])", re.I)),
)
_NOTE_RI = re.compile(r"\b(?:RI|retention[ _]index)\s*[:=]\s*([0-9]+(?:\.[0-9]+)?)", re.I)


@dataclass
class Library:
    """Library spectra as a dense matrix (entries x nominal m/z 0..MZ_MAX) with their metadata."""

    names: list[str]
    ids: list[str]
    inchikeys: list[str]
    ri: np.ndarray
    intensity: np.ndarray
    column_classes: list[str | None] | None = None


def _float(value: object) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def column_class(column: str | None) -> str | None:
    """The stationary-phase class of a COLUMN text, or None when it is not recognised."""
    if not column:
        return None
    return next((name for name, pattern in _PHASES if pattern.search(column)), None)


def retention_index(metadata: dict) -> float:
    """An entry's RI from matchms metadata, or from an RI note in its comment or synonym fields."""
    value = _float(metadata.get("retention_index"))
    if np.isfinite(value):
        return value
    for key, text in metadata.items():
        if key == "comment" or key.startswith("synon"):
            match = _NOTE_RI.search(str(text))
            if match:
                return float(match.group(1))
    return float("nan")


def spectra_matrix(spectra_mz: list[np.ndarray], spectra_intensity: list[np.ndarray]) -> np.ndarray:
    """Dense (n x MZ_MAX+1) matrix with intensities summed into nominal m/z bins (rounded)."""
    matrix = np.zeros((len(spectra_mz), MZ_MAX + 1))
    for k, (mz, intensity) in enumerate(zip(spectra_mz, spectra_intensity)):
        nominal = np.rint(np.asarray(mz, float)).astype(int)
        keep = (nominal >= 0) & (nominal <= MZ_MAX)
        np.add.at(matrix[k], nominal[keep], np.asarray(intensity, float)[keep])
    return matrix


def load_library(path: str | os.PathLike, study_column_class: str | None = None) -> Library:
    """Read a library (.msp, .mgf or matchms .json) with matchms.

    With ``study_column_class`` set, library RIs measured on a column of another class are dropped.
    """
    from matchms.importing import load_from_json, load_from_mgf, load_from_msp

    logging.getLogger("matchms").setLevel(logging.ERROR)
    path = str(path)
    if os.path.isdir(path):
        raise GcmsflowError(path, "is a folder, not a library file (give the .msp, .mgf or .json file itself)")
    if not os.path.isfile(path):
        raise GcmsflowError(path, "library file not found")
    readers = {".msp": load_from_msp, ".mgf": load_from_mgf, ".json": load_from_json}
    extension = os.path.splitext(path)[1].lower()
    if extension not in readers:
        raise GcmsflowError(path, f"unknown library format '{extension}' (expected .msp, .mgf or .json)")
    if study_column_class is not None and study_column_class not in COLUMN_CLASSES:
        raise GcmsflowError("config", f"unknown column class '{study_column_class}' (expected one of {', '.join(COLUMN_CLASSES)})")
    if extension == ".msp":
        check_msp(path)
    try:
        spectra = [s for s in readers[extension](path) if s is not None]
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError, RuntimeError) as err:
        raise GcmsflowError(path, f"not a readable {extension[1:].upper()} library ({err})") from None
    if not spectra:
        raise GcmsflowError(path, "library holds no spectra")
    names, ids, keys, ri, classes = [], [], [], [], []
    for k, spectrum in enumerate(spectra):
        meta = spectrum.metadata
        names.append(str(meta.get("compound_name") or f"entry {k + 1}"))
        ids.append(str(meta.get("spectrum_id") or meta.get("db#") or f"{os.path.basename(path)}:{k + 1}"))
        keys.append(str(meta.get("inchikey") or ""))
        classes.append(column_class(meta.get("column_name") or meta.get("column")))
        value = retention_index(meta)
        comparable = study_column_class is None or classes[-1] is None or classes[-1] == study_column_class
        ri.append(value if comparable else float("nan"))
    matrix = spectra_matrix([s.peaks.mz for s in spectra], [s.peaks.intensities for s in spectra])
    return Library(names, ids, keys, np.array(ri), matrix, classes)


_ID_FIELDS = ("spectrum_id", "spectrumid", "db#")
_RI_FIELDS = ("retentionindex", "retention_index", "ri")


def read_msp_library(path: str | os.PathLike) -> Library:
    """An MSP file as written by :func:`.msp.write_msp` (names, ``RETENTIONINDEX`` and unit-mass peaks) read into a
    :class:`Library` without matchms, the same one :func:`load_library` gives (checked
    by :func:`.msp.check_msp` first; ids fall back to ``<file name>:<entry number>`` as there)."""
    if not os.path.isfile(path):
        raise GcmsflowError(path, "library file not found")
    check_msp(path)
    names, ids, ri, peaks = [], [], [], []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            text = line.strip()
            if not text:
                continue
            if ":" in text and not _GOLM_PEAKS.match(text):
                key, value = (part.strip() for part in text.split(":", 1))
                key = key.lower()
                if key == "name":
                    names.append(value)
                    ids.append("")
                    ri.append(float("nan"))
                    peaks.append([])
                elif names and key in _ID_FIELDS and not ids[-1]:
                    ids[-1] = value
                elif names and key in _RI_FIELDS and not math.isfinite(ri[-1]):
                    try:
                        ri[-1] = float(value)
                    except ValueError:
                        pass
                continue
            peaks[-1] += _peak_values(text) or []
    if not names:
        raise GcmsflowError(path, "library holds no spectra")
    ids = [value or f"{os.path.basename(path)}:{k + 1}" for k, value in enumerate(ids)]
    pairs = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in peaks]
    matrix = spectra_matrix([p[:, 0] for p in pairs], [p[:, 1] for p in pairs])
    return Library([n or f"entry {k + 1}" for k, n in enumerate(names)], ids, [""] * len(names), np.array(ri), matrix, [None] * len(names))
