"""Isotopologue clusters read from the raw ion traces of a run over a feature's retention window.

Each ion M0..Mn of a fragment is summed over the window's scans (intensity x s) after subtracting
the ion's local baseline (median of two flanking windows as wide as the peak window), not taken from
the deconvoluted spectrum, which drops weak isotopologues. A cluster is flagged when another
feature's window overlaps this one in the run and that feature's spectrum has at least
``OVERLAP_SHARE`` of its base peak on one of the cluster's ions or up to ``SPILL_MZ`` below M0
(whose own isotopologues spill into the cluster). A cluster whose M0 apex is under
``MIN_APEX_TO_FLOOR`` times the run's detection floor (the low percentile of its non-zero
intensities: the centroiding threshold) is flagged as low signal: its weaker isotopologues lose
their tails under the threshold, which biases the distribution towards M0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..core.scancube import ScanCube

OVERLAP_SHARE = 0.05
SPILL_MZ = 2
MIN_APEX_TO_FLOOR = 50.0
FLOOR_PERCENTILE = 1.0


def cluster_areas(cube: ScanCube, mz0: int, n_isotopologues: int, start_s: float, end_s: float) -> np.ndarray:
    """Baseline-subtracted areas of m/z ``mz0 .. mz0 + n_isotopologues - 1`` over ``[start_s, end_s]``; NaN off the m/z axis.

    >>> times = np.arange(100) * 0.5
    >>> trace = 10.0 + 1000.0 * np.exp(-0.5 * ((times - 25.0) / 1.0) ** 2)
    >>> cube = ScanCube(times, np.arange(100, 103), np.stack([trace, trace * 0.1, np.full(100, 10.0)], axis=1).astype(np.float32), {})
    >>> (cluster_areas(cube, 100, 3, 21.0, 29.0) / 1000.0).round(2).tolist()
    [2.51, 0.25, 0.0]
    """
    columns = np.arange(mz0, mz0 + n_isotopologues) - int(cube.mz[0])
    inside = (columns >= 0) & (columns < cube.mz.size)
    lo, hi = scan_window(cube, start_s, end_s)
    width = hi - lo
    areas = np.full(n_isotopologues, np.nan)
    if not inside.any() or lo >= cube.times_s.size:
        return areas
    traces = cube.intensity[:, columns[inside]].astype(float)
    flanks = np.vstack([traces[max(lo - width, 0) : lo], traces[hi : hi + width]])
    baseline = np.median(flanks, axis=0) if len(flanks) else np.zeros(traces.shape[1])
    areas[inside] = (traces[lo:hi] - baseline).sum(axis=0) * cube.scan_interval_s
    return areas


def scan_window(cube: ScanCube, start_s: float, end_s: float) -> tuple[int, int]:
    """Scan rows ``[lo, hi)`` of ``[start_s, end_s]``, at least one row (``lo`` past the last scan outside the run)."""
    lo, hi = np.searchsorted(cube.times_s, [start_s, end_s], side="left")
    return int(lo), max(int(hi), int(lo) + 1)


def detection_floor(cube: ScanCube) -> float:
    """The run's lowest reported intensities (``FLOOR_PERCENTILE`` of the non-zero cells): its centroiding threshold."""
    values = cube.intensity[cube.intensity > 0]
    return float(np.percentile(values, FLOOR_PERCENTILE)) if values.size else 0.0


def apex_counts(cube: ScanCube, mz: int, start_s: float, end_s: float) -> float:
    """Highest intensity of m/z ``mz`` within ``[start_s, end_s]`` (0 off the m/z axis or outside the run)."""
    column = mz - int(cube.mz[0])
    lo, hi = scan_window(cube, start_s, end_s)
    if not 0 <= column < cube.mz.size or lo >= cube.times_s.size:
        return 0.0
    return float(cube.intensity[lo:hi, column].max())


def overlapping_features(windows: pd.DataFrame, spectra: Mapping[str, np.ndarray], feature_id: str, cluster_mz: np.ndarray) -> list[str]:
    """Features whose window (``windows``: feature_id, start_s, end_s in one run) overlaps ``feature_id``'s and whose
    spectrum (dense, indexed by nominal m/z) carries at least ``OVERLAP_SHARE`` of its base peak on an ion of ``cluster_mz``
    or on one up to ``SPILL_MZ`` below it."""
    own = windows.set_index("feature_id").loc[feature_id]
    others = windows[(windows["feature_id"] != feature_id) & (windows["start_s"] < own["end_s"]) & (windows["end_s"] > own["start_s"])]
    found = []
    for other in others["feature_id"]:
        spectrum = spectra.get(other)
        if spectrum is not None and spectrum.max(initial=0.0) > 0:
            ions = np.arange(max(int(cluster_mz.min()) - SPILL_MZ, 0), min(int(cluster_mz.max()) + 1, spectrum.size))
            if np.any(spectrum[ions] >= OVERLAP_SHARE * spectrum.max()):
                found.append(other)
    return sorted(found)


def clean_clusters(table: pd.DataFrame) -> pd.Series:
    """Rows whose cluster is neither overlapped nor low signal (as the study tables are built, or read back from the TSV tables)."""
    return (table["overlap"].fillna("").astype(str) == "") & (table["low_signal"].astype(str) != "True")
