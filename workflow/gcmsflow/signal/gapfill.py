"""Gap filling: re-integrate a feature's quant ion in the runs where it was not detected.

The expected retention time in a run is the feature's RT plus that run's local retention shift
(median shift of its detected features within ±60 s); the baseline-corrected quant-ion trace is
integrated over the feature's typical peak width around it. A cell whose net signal stays below
3 robust standard deviations of same-width windows along the trace is left empty (below the detection limit) for the normalisation's left-censored
imputation. Filled cells are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import GcmsflowError
from ..core.scancube import ScanCube, load_cube
from .detect_params import DetectParams
from .traces import preprocess

SHIFT_NEIGHBOURHOOD_S = 60.0
LOD_SN = 3.0


def expected_rt(feature_rt: float, shifts: pd.DataFrame) -> float:
    """``feature_rt`` corrected by the run's median shift among its features within the neighbourhood."""
    near = shifts[(shifts["feature_rt"] - feature_rt).abs() <= SHIFT_NEIGHBOURHOOD_S]
    return feature_rt + (float(near["shift"].median()) if len(near) else 0.0)


def integrate(cube: ScanCube, mz: np.ndarray, centres_s: np.ndarray, half_widths_s: np.ndarray, params: DetectParams) -> np.ndarray:
    """Baseline-corrected area (intensity x s) of ion ``mz[k]`` over ``centres_s[k] ± half_widths_s[k]``.

    NaN where the ion is outside the cube's m/z axis, the window is empty, or the window's net
    signal (above the trace's median) is below ``LOD_SN`` robust standard deviations of the net
    signal of all windows of that width along the trace (below the detection limit).
    """
    unique_mz, column = np.unique(mz, return_inverse=True)
    j = unique_mz.astype(int) - int(cube.mz[0])
    inside = (j >= 0) & (j < cube.mz.size)
    block = np.zeros((cube.times_s.size, unique_mz.size))
    block[:, inside] = cube.intensity[:, j[inside]]
    corrected = preprocess(block, cube.scan_interval_s, params).corrected
    net = corrected - np.median(corrected, axis=0)
    cumulative = np.vstack([np.zeros(unique_mz.size), np.cumsum(corrected, axis=0)])
    cumulative_net = np.vstack([np.zeros(unique_mz.size), np.cumsum(net, axis=0)])
    lo = np.searchsorted(cube.times_s, centres_s - half_widths_s)
    hi = np.searchsorted(cube.times_s, centres_s + half_widths_s, side="right")
    areas = (cumulative[hi, column] - cumulative[lo, column]) * cube.scan_interval_s
    for k, (a, b, c) in enumerate(zip(lo, hi, column)):
        width = b - a
        if width <= 0 or not inside[c]:
            areas[k] = np.nan
            continue
        windows = cumulative_net[width:, c] - cumulative_net[:-width, c]
        spread = 1.4826 * np.median(np.abs(windows - np.median(windows)))
        if cumulative_net[b, c] - cumulative_net[a, c] < LOD_SN * max(spread, 1e-12):
            areas[k] = np.nan
    return areas


def fill_run(table: pd.DataFrame, members: pd.DataFrame, sample: str, cube: ScanCube, params: DetectParams) -> pd.Series:
    """Areas for the empty cells of ``sample``'s column, indexed like ``table``."""
    missing = table.index[table[sample].isna()]
    if len(missing) == 0:
        return pd.Series(dtype=float)
    feature_rt = table.set_index("feature_id")["rt"]
    own = members[members["sample"] == sample]
    shifts = pd.DataFrame({"feature_rt": feature_rt.loc[own["feature_id"]].to_numpy(), "shift": own["rt"].to_numpy() - feature_rt.loc[own["feature_id"]].to_numpy()})
    widths = members.assign(width=members["rt_end"] - members["rt_start"]).groupby("feature_id")["width"].median()
    rows = table.loc[missing]
    centres = np.array([expected_rt(rt, shifts) for rt in rows["rt"]])
    half = np.maximum(widths.loc[rows["feature_id"]].to_numpy() / 2.0, 2.0 * cube.scan_interval_s)
    areas = integrate(cube, rows["quant_mz"].to_numpy(), centres, half, params)
    return pd.Series(areas, index=missing)


@dataclass
class GapFill:
    """The feature table with re-integrated cells, and the (feature_id, sample) cells that were filled."""

    table: pd.DataFrame
    filled: pd.DataFrame


def fill_gaps(table: pd.DataFrame, members: pd.DataFrame, cubes: dict[str, str], params: DetectParams, source: str = "feature table") -> GapFill:
    """Re-integrate the empty cells of every run in ``cubes`` (run -> scan-cube path), one cube in memory at a time;
    ``source`` (the table's path) is named when a run is not one of its columns."""
    table = table.copy()
    filled_rows = []
    for sample, path in cubes.items():
        if sample not in table.columns:
            raise GcmsflowError(path, f"run '{sample}' is not a column of {source}")
        areas = fill_run(table, members, sample, load_cube(path), params)
        table.loc[areas.index, sample] = areas
        filled_rows += [(table.at[i, "feature_id"], sample) for i in areas.index[areas.notna()]]
    filled = pd.DataFrame(filled_rows, columns=["feature_id", "sample"]).sort_values(["feature_id", "sample"])
    return GapFill(table, filled)
