"""Refuse runs that are not GC-EI-MS full scan, from what the file says of itself and what it holds.

Readers put what a header states in ``RawScans.acquisition`` (keys ``ionization``, ``inlet``,
``separation``, ``spectrum_type``, ``scan_function``, ``data_type``); a run is refused only where a
value names something else (electrospray, a direct-inlet probe, liquid chromatography, profile
data, selected ions), never for a missing or vague one. ANDI files exported by Agilent say
"No Chromatography" of real GC runs, so that value alone refuses nothing.
"""

from __future__ import annotations

import re

import numpy as np

from ..core.errors import GcmsflowError
from ..core.rawscans import RawScans

EI = re.compile(r"electron[ -]?(impact|ioni[sz]ation)|^\s*e\.?i\b", re.IGNORECASE)
NOT_EI = re.compile(
    r"chemical|spray|desorption|fast atom|field|plasma|laser|spark|thermal|photo|capture|maldi|\b(esi|apci|appi|ci|nci|pci|fab|fi|fd)\b",
    re.IGNORECASE,
)
NOT_GC_INLET = re.compile(r"direct (inlet|insertion|exposure)|probe|particle beam|spray|infusion|flow injection|moving belt", re.IGNORECASE)
NOT_GC_SEPARATION = re.compile(r"^(?!.*\bgas\b).*(liquid|supercritical|electrophoresis|thin layer|\b(u?hplc|lc)\b)", re.IGNORECASE)
PROFILE = re.compile(r"continuum|profile", re.IGNORECASE)
SELECTED_IONS = re.compile(r"selected[ -]ion|\b(sim|srm|mrm)\b", re.IGNORECASE)

# (acquisition key, refused when the pattern matches, reason template); ionization is refused unless it names EI too
RULES = (
    ("inlet", NOT_GC_INLET, "inlet '{}' is not a gas chromatograph"),
    ("separation", NOT_GC_SEPARATION, "separation '{}' is not gas chromatography"),
    ("spectrum_type", PROFILE, "holds profile (continuum) spectra ('{}'); gcmsflow reads centroided spectra"),
    ("scan_function", SELECTED_IONS, "'{}' records selected ions, not full-scan spectra"),
)


def refusal(acquisition: dict[str, str]) -> str | None:
    """Why a run acquired as ``acquisition`` says is not GC-EI-MS full scan, or None.

    >>> refusal({"ionization": "Electrospray Ionization", "separation": "Reverse Phase Liquid Chromatography"})
    "ionization 'Electrospray Ionization' is not electron ionization (gcmsflow reads GC-EI-MS runs)"
    >>> refusal({"ionization": "Electron Impact", "separation": "No Chromatography", "inlet": "Capillary Direct"}) is None
    True
    """
    ionization = acquisition.get("ionization", "").strip()
    if ionization and NOT_EI.search(ionization) and not EI.search(ionization):
        return f"ionization '{ionization}' is not electron ionization (gcmsflow reads GC-EI-MS runs)"
    data_type = acquisition.get("data_type", "").strip()
    if data_type and "MASS" not in data_type.upper():
        return f"data type '{data_type}' is not mass spectra"
    for key, pattern, reason in RULES:
        value = acquisition.get(key, "").strip()
        if value and pattern.search(value):
            return reason.format(value)
    return None


def check_acquisition(raw: RawScans, path: str, min_scans: int, min_duration_s: float) -> None:
    """Refuse ``raw`` when its header says it is not GC-EI-MS full scan, or it is too short for chromatography."""
    reason = refusal(raw.acquisition)
    if reason:
        raise GcmsflowError(path, reason)
    n = raw.times_s.size
    if n < min_scans:
        raise GcmsflowError(path, f"only {n} scans: too few for a chromatographic run (import.min_scans = {min_scans})")
    duration_s = float(raw.times_s[-1] - raw.times_s[0])
    if duration_s < min_duration_s:
        raise GcmsflowError(path, f"scans span only {duration_s:.1f} s: too short for a chromatographic run (import.min_duration_s = {min_duration_s:g})")


def outside_share(intensity: np.ndarray, kept: float) -> float:
    """The share of a run's total ``intensity`` (its points) outside the kept m/z range, ``kept`` being the cube's sum."""
    total = float(np.sum(intensity, dtype=np.float64))
    return max(0.0, 1.0 - kept / total) if total > 0 else 0.0
