"""Retention correction before grouping: each run's deviation from the study, learnt from landmarks.

Injections drift against their batch's ladder by seconds (an offset and a slow stretch), more than a
fixed RI window can absorb. Landmarks are compounds found confidently in most runs: each run's
strongest components (``align.LANDMARK_SHARE``) are grouped once with a wide window and a strict
spectral match, and groups holding a member in at least ``landmark_fraction`` of the runs (one per
run) are kept. A run's deviation at each landmark is its
member's position minus the landmark's median position; a LOWESS of these deviations on position
(a straight offset where a run has fewer than ``MIN_LANDMARKS``) is the run's warp, subtracted from
all its components before the final grouping. The spread of the landmark deviations left after the
correction sets the grouping window (never below the configured one, at most ``MAX_WIDENING`` times it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from statsmodels.nonparametric.smoothers_lowess import lowess

MIN_LANDMARKS = 5
OUTLIER_SDS = 3.0  # landmark deviations further than this many robust SDs from the run's median are left out
LOWESS_DELTA = 0.01  # share of a run's landmark range within which LOWESS interpolates
WINDOW_PER_SD = 4.0  # grouping window in robust SDs of the corrected landmark deviations
MAX_WIDENING = 2.0  # ... at most this many times the configured window
CORRECTION_COLUMNS = ["sample", "n_landmarks", "shift_median", "shift_min", "shift_max", "spread_before", "spread_after"]


class Warp(NamedTuple):
    """Corrected positions (one per component row), the per-run summary table and the window they call for."""

    corrected: np.ndarray
    corrections: pd.DataFrame
    window: float


def robust_sd(values: np.ndarray) -> float:
    """1.4826 x the median absolute deviation from the median (0 for fewer than two values).

    >>> robust_sd(np.array([0.0, 1.0, -1.0, 0.5, -0.5, 20.0]))
    1.11195
    """
    if values.size < 2:
        return 0.0
    return round(float(1.4826 * np.median(np.abs(values - np.median(values)))), 5)


def typical(deviations: np.ndarray) -> float:
    """Median absolute deviation of a run's landmarks from the study (0 without landmarks)."""
    return float(np.median(np.abs(deviations))) if deviations.size else 0.0


def landmark_deviations(positions: np.ndarray, samples: np.ndarray, labels: np.ndarray, n_runs: int, fraction: float) -> pd.DataFrame:
    """Per member of a landmark group (members in >= ``fraction`` of ``n_runs`` runs; label -1: in none): row,
    sample, position, and deviation from the group's median position."""
    frame = pd.DataFrame({"row": np.arange(labels.size), "sample": samples, "x": positions, "group": labels})
    frame = frame[frame["group"] >= 0]  # components left out of the landmark grouping
    occupancy = frame.groupby("group")["sample"].nunique()
    frame = frame[frame["group"].isin(occupancy.index[occupancy >= max(2, int(np.ceil(fraction * n_runs)))])]
    centre = frame.groupby("group")["x"].transform("median")
    return frame.assign(deviation=frame["x"] - centre)


def run_warp(x: np.ndarray, at: np.ndarray, deviation: np.ndarray, span: float) -> np.ndarray:
    """A run's deviation at positions ``at``: LOWESS of ``deviation`` on landmark positions ``x``
    (held constant beyond the outermost landmarks), or their median offset with few landmarks;
    deviations more than ``OUTLIER_SDS`` robust SDs from the median are left out first."""
    if deviation.size:  # a landmark far off the run's others is a mismatch, not drift
        typical_sd = robust_sd(deviation)
        keep = np.abs(deviation - np.median(deviation)) <= OUTLIER_SDS * typical_sd if typical_sd > 0 else np.ones(deviation.size, bool)
        x, deviation = x[keep], deviation[keep]
    if x.size < MIN_LANDMARKS:
        return np.full(at.size, float(np.median(deviation)) if deviation.size else 0.0)
    delta = LOWESS_DELTA * float(np.ptp(x))  # neighbours closer than this are interpolated, not refitted
    fitted = lowess(deviation, x, frac=span, it=2, delta=delta, return_sorted=True)
    grid, first = np.unique(fitted[:, 0], return_index=True)
    return np.interp(at, grid, fitted[first, 1])


def correct_retention(positions: np.ndarray, samples: np.ndarray, labels: np.ndarray, window: float, fraction: float, span: float) -> Warp:
    """Warp every run onto the study's retention scale from landmark groups ``labels`` (a first, wide grouping)."""
    runs = list(dict.fromkeys(samples))
    landmarks = landmark_deviations(positions, samples, labels, len(runs), fraction)
    shift = np.zeros(positions.size)
    rows, residuals = [], []
    by_run = dict(tuple(landmarks.groupby("sample", sort=False)))
    rows_of = pd.Series(np.arange(positions.size)).groupby(samples, sort=False).indices  # one pass, not one scan per run
    for run in runs:
        mine = rows_of[run]
        own = by_run.get(run, landmarks.iloc[:0])
        shift[mine] = run_warp(own["x"].to_numpy(), positions[mine], own["deviation"].to_numpy(), span)
        residual = own["deviation"].to_numpy() - shift[own["row"].to_numpy()]
        residuals.append(residual)
        rows.append([run, len(own), *np.round([np.median(shift[mine]), shift[mine].min(), shift[mine].max(),
                                               typical(own["deviation"].to_numpy()), typical(residual)], 4)])
    spread = robust_sd(np.concatenate(residuals)) if residuals else 0.0
    return Warp(positions - shift, pd.DataFrame(rows, columns=CORRECTION_COLUMNS), float(np.clip(WINDOW_PER_SD * spread, window, MAX_WIDENING * window)))
