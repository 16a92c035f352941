"""Gap filling: re-integrate a feature's quant ion in the runs where it was not detected.

The expected retention time in a run is the feature's RT plus that run's local retention shift
(median shift of its detected features within ±60 s); the baseline-corrected quant-ion trace is
integrated over the feature's typical peak width around it. A cell whose net signal stays below
3 robust standard deviations of same-width windows along the trace is left empty (below the detection limit) for the normalisation's left-censored
imputation. Filled cells are flagged.

The detection limit needs each quant ion's whole trace, so a run's cube is memory-mapped and only the
columns of its missing cells' quant ions are taken from it (not the cube read whole); what the runs
share (feature RTs, widths, members by run) is built once per study, so a run costs its own cells only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import GcmsflowError
from ..core.scancube import ScanCube, open_cube
from .detect_params import DetectParams
from .traces import preprocess

SHIFT_NEIGHBOURHOOD_S = 60.0
LOD_SN = 3.0


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
    spreads: dict[tuple[int, int], float] = {}  # cells of one ion and window width share the detection limit
    for k, (a, b, c) in enumerate(zip(lo, hi, column)):
        width = b - a
        if width <= 0 or not inside[c]:
            areas[k] = np.nan
            continue
        if (c, width) not in spreads:
            windows = cumulative_net[width:, c] - cumulative_net[:-width, c]
            spreads[c, width] = 1.4826 * np.median(np.abs(windows - np.median(windows)))
        if cumulative_net[b, c] - cumulative_net[a, c] < LOD_SN * max(spreads[c, width], 1e-12):
            areas[k] = np.nan
    return areas


def expected_rts(feature_rts: np.ndarray, shift_rt: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Each of ``feature_rts`` corrected by the run's median shift (``shift``, at its features' RTs ``shift_rt``)
    among its features within ``SHIFT_NEIGHBOURHOOD_S``; unchanged where none is that near."""
    order = np.argsort(shift_rt, kind="stable")
    at, shift = shift_rt[order], shift[order]
    margin = 1e-6 * SHIFT_NEIGHBOURHOOD_S  # the search only narrows; the test is the distance itself
    lo = np.searchsorted(at, feature_rts - SHIFT_NEIGHBOURHOOD_S - margin)
    hi = np.searchsorted(at, feature_rts + SHIFT_NEIGHBOURHOOD_S + margin, side="right")
    out = np.asarray(feature_rts, dtype=float).copy()
    for k, (rt, a, b) in enumerate(zip(feature_rts, lo, hi)):
        near = shift[a:b][np.abs(at[a:b] - rt) <= SHIFT_NEIGHBOURHOOD_S]
        if near.size:
            out[k] = rt + float(np.median(near))
    return out


@dataclass
class StudyCells:
    """What every run's gap filling shares, as arrays over the table's rows: RT, quant ion, median peak width of
    each feature's members; and per run its members' table rows and RTs."""

    rt: np.ndarray
    quant_mz: np.ndarray
    widths: np.ndarray
    by_sample: dict[str, tuple[np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, table: pd.DataFrame, members: pd.DataFrame) -> StudyCells:
        widths = members.assign(width=members["rt_end"] - members["rt_start"]).groupby("feature_id")["width"].median()
        ids = pd.Index(table["feature_id"])
        row = ids.get_indexer(members["feature_id"])
        if (row < 0).any():
            raise GcmsflowError("members table", f"feature {members['feature_id'].to_numpy()[row < 0][0]} is not in the feature table")
        rt = members["rt"].to_numpy(dtype=float)
        groups = pd.Series(np.arange(len(members))).groupby(members["sample"].to_numpy(), sort=False).indices
        by_sample = {sample: (row[at], rt[at]) for sample, at in groups.items()}
        return cls(table["rt"].to_numpy(dtype=float), table["quant_mz"].to_numpy(), widths.loc[ids].to_numpy(), by_sample)


def fill_run(table: pd.DataFrame, members: pd.DataFrame, sample: str, cube: ScanCube, params: DetectParams, cells: StudyCells | None = None) -> pd.Series:
    """Areas for the empty cells of ``sample``'s column, indexed like ``table`` (``cells``: :meth:`StudyCells.of` the
    same table and members, when already made)."""
    missing = np.flatnonzero(table[sample].isna().to_numpy())
    if missing.size == 0:
        return pd.Series(dtype=float)
    cells = cells or StudyCells.of(table, members)
    own_row, own_rt = cells.by_sample.get(sample, (np.zeros(0, dtype=np.intp), np.zeros(0)))
    centres = expected_rts(cells.rt[missing], cells.rt[own_row], own_rt - cells.rt[own_row])
    half = np.maximum(cells.widths[missing] / 2.0, 2.0 * cube.scan_interval_s)
    areas = integrate(cube, cells.quant_mz[missing], centres, half, params)
    return pd.Series(areas, index=table.index[missing])


@dataclass
class GapFill:
    """The feature table with re-integrated cells, and the (feature_id, sample) cells that were filled."""

    table: pd.DataFrame
    filled: pd.DataFrame


def fill_gaps(table: pd.DataFrame, members: pd.DataFrame, cubes: dict[str, str], params: DetectParams, source: str = "feature table") -> GapFill:
    """Re-integrate the empty cells of every run in ``cubes`` (run -> scan-cube path), one cube at a time and
    memory-mapped (only its quant-ion columns are read); ``source`` (the table's path) is named when a run is not
    one of its columns."""
    for sample, path in cubes.items():
        if sample not in table.columns:
            raise GcmsflowError(path, f"run '{sample}' is not a column of {source}")
    cells = StudyCells.of(table, members)
    columns, filled_rows, ids = {}, [], table["feature_id"].to_numpy()
    for sample, path in cubes.items():
        areas = fill_run(table, members, sample, open_cube(path), params, cells)
        if len(areas):
            column = table[sample].copy()
            column.loc[areas.index] = areas
            columns[sample] = column
            filled_rows += [(fid, sample) for fid in ids[table.index.get_indexer(areas.index[areas.notna()])]]
    table = table.assign(**columns) if columns else table.copy()
    filled = pd.DataFrame(filled_rows, columns=["feature_id", "sample"]).sort_values(["feature_id", "sample"])
    return GapFill(table, filled)
