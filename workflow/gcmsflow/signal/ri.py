"""Retention index calibration: marker ladders per batch (van den Dool–Kratz) and their QC.

Markers are n-alkanes (RI = 100 x carbon number) or, as an option, fatty acid methyl esters
(their RIs on the library's scale come from config). They are found among any number of peaks of
a ladder run by their spectra and near-regular spacing (:mod:`.ladder`). Each batch of the sample
sheet gets its own ladder (median marker RT over the batch's ladder runs); a batch without a
ladder run uses the median over the other batches' ladders, and says so. A user table of
marker retention times can replace detection.

Between markers RI is piecewise linear in RT; outside the ladder it is extrapolated linearly
from the two outermost markers of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import GcmsflowError
from .ladder import MAX_SKIP, ladder_chain, node_scores

CALIBRATION_COLUMNS = ["batch", "carbon", "ri", "rt"]
QC_COLUMNS = ["batch", "carbon", "ri", "rt", "status", "n_runs", "rt_sd_s", "residual_ri", "source"]


@dataclass(frozen=True)
class RiParams:
    """Marker series and detection settings.

    ``markers``: ``alkanes`` (RI = 100 x carbon, carbons ``first_carbon``..``last_carbon``; a null
    ``last_carbon`` takes as many as are found) or ``fames`` (``fame_ri`` maps carbon number to the
    marker's RI on the library's scale). ``rt_table``: a TSV of marker retention times (columns
    ``rt_s`` and ``ri``, optional ``batch``) used instead of detection.
    """

    markers: str = "alkanes"
    first_carbon: int = 10
    last_carbon: int | None = 32
    fame_ri: dict | None = None
    min_sn: float = 20.0
    rt_table: str | None = None
    max_missing: int = 3


def marker_series(params: RiParams) -> tuple[np.ndarray, np.ndarray]:
    """Carbon numbers and RIs of the configured markers, in elution order."""
    if params.markers == "alkanes":
        last = params.last_carbon if params.last_carbon is not None else params.first_carbon + 60
        if last < params.first_carbon:
            raise GcmsflowError("--options", f"ri: last_carbon {last} is below first_carbon {params.first_carbon}")
        carbons = np.arange(params.first_carbon, last + 1)
        return carbons, 100.0 * carbons
    if params.markers == "fames":
        if not params.fame_ri:
            raise GcmsflowError("--options", "ri: markers: fames needs fame_ri (carbon number -> RI of each FAME marker)")
        pairs = sorted((int(c), float(r)) for c, r in params.fame_ri.items())
        return np.array([c for c, _ in pairs]), np.array([r for _, r in pairs])
    raise GcmsflowError("--options", f"ri: unknown markers '{params.markers}' (alkanes or fames)")


def find_ladder(peaks: pd.DataFrame, params: RiParams = RiParams()) -> pd.DataFrame:
    """Calibration table (carbon, ri, rt) from the components of one ladder run: the markers among
    its peaks (S/N >= ``min_sn``) by spectrum and near-regular spacing (:mod:`.ladder`)."""
    carbons, ris = marker_series(params)
    strong = peaks[peaks["sn"] >= params.min_sn].sort_values("rt", kind="stable")
    if params.markers == "alkanes" and params.last_carbon is None:
        keep = min(carbons.size, len(strong) + MAX_SKIP)
        carbons, ris = carbons[:keep], ris[:keep]
    rt = strong["rt"].to_numpy(float)
    nodes = node_scores(strong["spectrum"].tolist(), strong["sn"].to_numpy(float), carbons, params.markers)
    path = ladder_chain(rt, nodes, ris)
    return pd.DataFrame({"carbon": [int(carbons[k]) for _, k in path], "ri": [float(ris[k]) for _, k in path], "rt": [float(rt[i]) for i, _ in path]})


def missing_markers(found: pd.DataFrame, params: RiParams) -> list[int]:
    """Carbon numbers of the configured markers a ladder run's table lacks (up to ``last_carbon``,
    or up to the last one found when that is not set)."""
    carbons, _ = marker_series(params)
    last = params.last_carbon if params.markers == "alkanes" and params.last_carbon is not None else max(found["carbon"], default=carbons[0])
    return [int(c) for c in carbons if c <= last and c not in set(found["carbon"])]


def batch_ladders(run_ladders: dict[str, pd.DataFrame], run_batch: dict[str, str], batches: list[str], params: RiParams) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Per-batch calibration, the ladder QC table and warnings, from each ladder run's markers.

    A batch's marker RT is the median over its ladder runs; a batch with no usable ladder run
    takes the median over the other batches' ladders (``source`` = ``pooled``).
    """
    carbons, ris = marker_series(params)
    found = {}
    for batch in batches:
        ladders = [table for run, table in run_ladders.items() if run_batch[run] == batch and len(table) >= 2]
        if ladders:
            found[batch] = pd.concat(ladders).groupby("carbon")["rt"].agg(["median", "std", "size"])
    if not found:
        return pd.DataFrame(columns=CALIBRATION_COLUMNS), pd.DataFrame(columns=QC_COLUMNS), ["no ladder run gave two or more markers: RI not calibrated"]
    pooled = pd.concat(found.values()).groupby(level=0)["median"].median()
    calibration, qc, warnings = [], [], []
    for batch in batches:
        rt = found[batch]["median"] if batch in found else pooled
        stats = found.get(batch)
        last = params.last_carbon if params.markers == "alkanes" and params.last_carbon is not None else rt.index.max()
        expected = carbons <= last
        table = pd.DataFrame({"carbon": carbons[expected], "ri": ris[expected]})
        table["rt"] = rt.reindex(table["carbon"]).to_numpy()
        table["status"] = np.where(table["rt"].notna(), "found", "missing")
        table["n_runs"] = stats["size"].reindex(table["carbon"]).fillna(0).astype(int).to_numpy() if stats is not None else 0
        table["rt_sd_s"] = stats["std"].reindex(table["carbon"]).to_numpy() if stats is not None else np.nan
        table["residual_ri"] = leave_one_out_residuals(table.dropna(subset=["rt"])).reindex(table.index).to_numpy()
        table["source"] = "ladder" if batch in found else "pooled"
        table.insert(0, "batch", batch)
        qc.append(table)
        calibration.append(table.dropna(subset=["rt"])[CALIBRATION_COLUMNS])
        missing = table.loc[table["status"] == "missing", "carbon"].tolist()
        if batch not in found:
            warnings.append(f"batch {batch} has no ladder run: it uses the median ladder of batches {', '.join(found)}")
        if missing:
            warnings.append(f"batch {batch}: ladder incomplete, missing C{', C'.join(map(str, missing))} (interpolated across the gap)")
    return pd.concat(calibration, ignore_index=True), pd.concat(qc, ignore_index=True)[QC_COLUMNS], warnings


def leave_one_out_residuals(markers: pd.DataFrame) -> pd.Series:
    """Each inner marker's RI as interpolated from its two neighbours, minus its true RI (RI units).

    Large values flag a misassigned marker or a strongly non-linear stretch of the ladder.
    """
    rt, ri = markers["rt"].to_numpy(float), markers["ri"].to_numpy(float)
    out = np.full(rt.size, np.nan)
    if rt.size >= 3:
        predicted = ri[:-2] + (rt[1:-1] - rt[:-2]) * (ri[2:] - ri[:-2]) / (rt[2:] - rt[:-2])
        out[1:-1] = predicted - ri[1:-1]
    return pd.Series(out, index=markers.index)


def table_calibration(table: pd.DataFrame, batches: list[str], source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Calibration and QC from a user table of marker retention times (``rt_s``, ``ri``, optional ``batch``)."""
    if "batch" not in table.columns:
        table = pd.concat([table.assign(batch=b) for b in batches], ignore_index=True)
    table = table.assign(batch=table["batch"].astype(str))
    unknown = sorted(set(table["batch"]) - set(batches))
    if unknown:
        raise GcmsflowError(source, f"batch {unknown[0]} is not in the sample sheet")
    calibration, qc = [], []
    for batch in batches:
        rows = table[table["batch"] == batch].sort_values("rt_s")
        if len(rows) < 2:
            raise GcmsflowError(source, f"batch {batch} has fewer than two marker retention times")
        if np.any(np.diff(rows["ri"].to_numpy(float)) <= 0):
            raise GcmsflowError(source, f"batch {batch}: RI does not increase with retention time")
        cal = pd.DataFrame({"batch": batch, "carbon": rows.get("carbon", pd.Series(np.nan, index=rows.index)).to_numpy(), "ri": rows["ri"].to_numpy(float), "rt": rows["rt_s"].to_numpy(float)})
        calibration.append(cal)
        qc.append(cal.assign(status="given", n_runs=0, rt_sd_s=np.nan, residual_ri=leave_one_out_residuals(cal).to_numpy(), source="table"))
    return pd.concat(calibration, ignore_index=True), pd.concat(qc, ignore_index=True)[QC_COLUMNS]


def ri_of_rt(rt_s: np.ndarray | float, calibration: pd.DataFrame) -> np.ndarray:
    """Retention index of retention times (s): piecewise linear between markers, linear beyond them.

    Returns NaN everywhere when the calibration has fewer than two markers.

    >>> markers = pd.DataFrame({"rt": [300.0, 400.0, 520.0], "ri": [1000.0, 1100.0, 1200.0]})
    >>> ri_of_rt([350.0, 460.0, 580.0], markers).tolist()  # van den Dool-Kratz between markers, linear beyond
    [1050.0, 1150.0, 1250.0]
    """
    rt_s = np.asarray(rt_s, dtype=float)
    if len(calibration) < 2:
        return np.full(rt_s.shape, np.nan)
    t = calibration["rt"].to_numpy(float)
    ri = calibration["ri"].to_numpy(float)
    out = np.interp(rt_s, t, ri)
    low, high = rt_s < t[0], rt_s > t[-1]
    out[low] = ri[0] + (rt_s[low] - t[0]) * (ri[1] - ri[0]) / (t[1] - t[0])
    out[high] = ri[-1] + (rt_s[high] - t[-1]) * (ri[-1] - ri[-2]) / (t[-1] - t[-2])
    return out


def ri_for_batch(rt_s: np.ndarray, batch: str, calibration: pd.DataFrame) -> np.ndarray:
    """RIs of retention times measured in ``batch``, from that batch's ladder (NaN when uncalibrated)."""
    return ri_of_rt(rt_s, calibration[calibration["batch"].astype(str) == str(batch)].sort_values("rt"))
