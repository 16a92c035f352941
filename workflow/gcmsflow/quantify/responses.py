"""Responses of analytes in every run, read from the raw ion traces over the analyte's feature window.

Every run (calibrants too, which are not aligned) is read the same way: the apex of the analyte's ion
trace (plus its labelled standard's, which co-elutes) is searched within the feature's window around
its expected retention time (the run's own component where aligned, else the feature's), and the
analyte ion and, with a labelled internal standard, the ion shifted by the standard's m/z shift are
integrated over the feature's median extent around that apex (``tracing.extract.cluster_areas``).
The response is the analyte area, or the analyte / standard area ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.scancube import ScanCube
from ..tracing.extract import cluster_areas

RESPONSE_COLUMNS = ["sample", "analyte", "feature_id", "quant_mz", "apex_s", "area", "is_area", "response"]


@dataclass(frozen=True)
class Target:
    """One analyte to read: its feature, ion, the standard's m/z shift (0 = none), expected RT and extents before/after the apex (s)."""

    analyte: str
    feature_id: str
    quant_mz: int
    is_shift: int
    rt_s: float
    before_s: float
    after_s: float


def feature_extent(members: pd.DataFrame, feature_id: str) -> tuple[float, float]:
    """Median extent (s) of a feature's components before and after their apex."""
    own = members[members["feature_id"].astype(str) == feature_id]
    return float((own["rt"] - own["rt_start"]).median()), float((own["rt_end"] - own["rt"]).median())


def apex_near(cube: ScanCube, ions: list[int], centre_s: float, reach_s: float) -> float:
    """RT of the largest summed intensity of ``ions`` within ``centre_s`` +- ``reach_s`` (``centre_s`` when none are on the axis)."""
    columns = [m - int(cube.mz[0]) for m in ions if 0 <= m - int(cube.mz[0]) < cube.mz.size]
    lo, hi = np.searchsorted(cube.times_s, [centre_s - reach_s, centre_s + reach_s])
    if not columns or hi <= lo:
        return centre_s
    trace = cube.intensity[lo:hi, columns].astype(float).sum(axis=1)
    smooth = np.convolve(trace, np.ones(3) / 3.0, mode="same")
    return float(cube.times_s[lo + int(np.argmax(smooth))])


def run_responses(cube: ScanCube, run: str, targets: list[Target], own_rt: dict[str, float]) -> list[list]:
    """Rows of ``RESPONSE_COLUMNS`` for every target in one run; ``own_rt``: the run's aligned component RT per feature."""
    rows = []
    for t in targets:
        ions = [t.quant_mz] + ([t.quant_mz + t.is_shift] if t.is_shift else [])
        apex = apex_near(cube, ions, own_rt.get(t.feature_id, t.rt_s), max(t.before_s, t.after_s))
        areas = [cluster_areas(cube, mz, 1, apex - t.before_s, apex + t.after_s)[0] for mz in ions]
        area, is_area = areas[0], (areas[1] if t.is_shift else np.nan)
        if t.is_shift:
            response = area / is_area if is_area > 0 else np.nan
        else:
            response = area
        rows.append([run, t.analyte, t.feature_id, t.quant_mz, apex, area, is_area, response])
    return rows
