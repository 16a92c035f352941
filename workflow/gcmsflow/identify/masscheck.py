"""Mass consistency of a library match: the two spectra must agree on their molecular-ion region.

The (m/z)^3 weighting of the search lets a few high ions decide a match, so an isobaric look-alike
(methylcyclohexane against 2-methylcyclopent-2-en-1-ol: both m/z 98 and 83) can score high although
the entry has a strong M-1 ion at m/z 97 that the query lacks. A spectrum's *high ions* are those at
>= ``percent`` % of its base peak within ``window_mz`` of its highest such ion (M+ and the losses of
H, CH3); a pair is consistent when each side's high ions are present in the other at >= ``ratio``
times their relative intensity. Entry ions below the query's lowest recorded m/z are not asked for,
nor those weaker (relative to base) than the query's weakest recorded ion (a sparse feature spectrum,
as near the detection limit, cannot show them), nor an entry ion up to ``ISOTOPE_SPAN`` above a
stronger entry ion the query has (its 13C/29Si/30Si isotope peak, which a sparse or thresholded
feature spectrum may lose), and a query high ion up to
``ISOTOPOLOGUE_SPAN`` above one of the entry's high ions counts as that ion's isotopologue (a run
labelled by a tracer carries M+1, M+2, ... of the fragments the library has unlabelled).
On MassBank (each spectrum cut at m/z 50 against every other, forward score >= 0.7; test_annotate),
the defaults (5 % for the query's high ions, 10 % for the entry's, window 20, ratio 0.15) keep 95.0 % of
the best hits of the same compound and refuse 36.7 % of the best hits of another compound (94.6 % and
37.0 % with 5 % on both sides, 93.4 % and 39.3 % when isotope peaks are asked for too; the weakest-ion
floor changes neither, these spectra being complete).
"""

from __future__ import annotations

import numpy as np

ISOTOPOLOGUE_SPAN = 6
ISOTOPE_SPAN = 2


def high_ions(spectra: np.ndarray, percent: float, window_mz: float) -> np.ndarray:
    """Per row of dense unit-mass ``spectra`` (m/z = column index), which ions are high ions."""
    relative = _relative(spectra)
    strong = relative >= percent / 100.0
    mz = np.arange(spectra.shape[1])
    top = np.where(strong.any(axis=1), np.where(strong, mz, -1).max(axis=1), -1)
    return strong & (mz[None, :] >= (top - window_mz)[:, None])


def mass_consistent(
    queries: np.ndarray, entries: np.ndarray, percent: float, window_mz: float, ratio: float, noise: np.ndarray | None = None, entry_percent: float | None = None
) -> np.ndarray:
    """Per row pair (``queries[i]``, ``entries[i]``), whether neither side lacks a high ion of the other;
    query ions marked in ``noise`` (e.g. isolated spikes) are not asked of the entry, though they may answer it.
    The entry's high ions are those at >= ``entry_percent`` (default ``percent``) % of its base."""
    query, entry = _relative(queries), _relative(entries)
    asked = queries if noise is None else np.where(noise, 0.0, queries)
    mz = np.arange(queries.shape[1])
    recorded = queries > 0
    lowest = np.where(recorded.any(axis=1), np.argmax(recorded, axis=1), queries.shape[1])
    floor = np.where(recorded, query, np.inf).min(axis=1)
    entry_high = high_ions(entries, percent if entry_percent is None else entry_percent, window_mz)
    missing = query < ratio * entry
    isotope_peak = np.zeros_like(entry_high)
    for shift in range(1, ISOTOPE_SPAN + 1):
        isotope_peak[:, shift:] |= (entry[:, :-shift] > entry[:, shift:]) & ~missing[:, :-shift]
    entry_lacked = entry_high & missing & (mz[None, :] >= lowest[:, None]) & (entry >= floor[:, None]) & ~isotope_peak
    isotopologue = np.zeros_like(entry_high)
    for shift in range(1, ISOTOPOLOGUE_SPAN + 1):
        isotopologue[:, shift:] |= entry_high[:, :-shift]
    query_lacked = high_ions(asked, percent, window_mz) & (entry < ratio * query) & ~isotopologue
    return ~(entry_lacked | query_lacked).any(axis=1)


def _relative(spectra: np.ndarray) -> np.ndarray:
    spectra = np.asarray(spectra, dtype=np.float64)
    top = spectra.max(axis=1, keepdims=True)
    return np.divide(spectra, top, out=np.zeros_like(spectra), where=top > 0)
