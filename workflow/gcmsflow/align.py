"""Align components across runs into features: a sorted sweep over RI (or RT) plus spectral similarity.

Components of all runs are visited once in retention order; each joins the open feature within
the retention window whose consensus spectrum it matches best (cosine on square-root intensities),
never two components of one run in one feature. Features that fall behind the window are closed,
so the cost grows with the number of components, not with pairs of runs. Each feature gets one
quant ion for all runs (the most frequent per-run choice), recorded in the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .detect import parse_spectrum
from .msp import MspEntry

MZ_MAX = 1000


@dataclass(frozen=True)
class AlignParams:
    """Alignment windows (RI units, or seconds when uncalibrated), similarity and occupancy thresholds."""

    ri_window: float = 5.0
    rt_window_s: float = 2.0
    min_similarity: float = 0.7
    min_detected: int = 2


@dataclass
class _Feature:
    position: float
    consensus: np.ndarray
    members: list[int] = field(default_factory=list)
    samples: set[str] = field(default_factory=set)
    position_sum: float = 0.0


def _vector(spectrum: str) -> np.ndarray:
    mz, values = parse_spectrum(spectrum)
    vec = np.zeros(MZ_MAX + 1)
    keep = mz <= MZ_MAX
    vec[mz[keep]] = np.sqrt(np.clip(values[keep], 0.0, None))
    norm = np.linalg.norm(vec)
    return vec / norm if norm > 0 else vec


def group_components(components: pd.DataFrame, coordinate: str, window: float, min_similarity: float) -> np.ndarray:
    """Feature index per component row (``components`` needs ``sample``, ``spectrum`` and ``coordinate``)."""
    order = np.argsort(components[coordinate].to_numpy(), kind="stable")
    positions = components[coordinate].to_numpy(float)
    samples = components["sample"].to_numpy()
    spectra = components["spectrum"].to_numpy()
    labels = np.full(len(components), -1)
    active: list[_Feature] = []
    n_features = 0
    ids: dict[int, int] = {}
    for i in order:
        x = positions[i]
        active = [f for f in active if f.position >= x - window]
        vec = _vector(spectra[i])
        best, best_score = None, min_similarity
        for feature in active:
            if samples[i] in feature.samples or abs(feature.position - x) > window:
                continue
            cosine = float(vec @ feature.consensus) / max(np.linalg.norm(feature.consensus), 1e-12)
            score = cosine - 0.05 * abs(feature.position - x) / window
            if cosine >= min_similarity and score > best_score:
                best, best_score = feature, score
        if best is None:
            best = _Feature(position=x, consensus=np.zeros_like(vec))
            ids[id(best)] = n_features
            n_features += 1
            active.append(best)
        best.members.append(i)
        best.samples.add(samples[i])
        best.consensus += vec
        best.position_sum += x
        best.position = best.position_sum / len(best.members)
        labels[i] = ids[id(best)]
    return labels


def align(components: pd.DataFrame, run_order: list[str], calibrated: bool, params: AlignParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Feature table (contract columns, areas per run) and the long member table from all runs' components.

    ``components`` holds every run's detected components with ``sample`` and ``ri`` columns.
    """
    coordinate, window = ("ri", params.ri_window) if calibrated else ("rt", params.rt_window_s)
    labels = group_components(components, coordinate, window, params.min_similarity)
    members = components.assign(feature=labels)
    rows, member_rows = [], []
    for _, group in members.groupby("feature", sort=False):
        if group["sample"].nunique() < params.min_detected:
            continue
        quant = _consensus_quant(group)
        areas = {}
        for row in group.itertuples():
            mz, values = parse_spectrum(row.spectrum)
            hit = np.flatnonzero(mz == quant)
            if hit.size:
                areas[row.sample] = values[hit[0]]
        rows.append(
            {
                "rt": float(group["rt"].median()),
                "ri": float(group["ri"].median()) if calibrated else np.nan,
                "quant_mz": quant,
                "n_detected": len(areas),
                **{s: areas.get(s, np.nan) for s in run_order},
                "_members": group[["sample", "component_id", "rt", "rt_start", "rt_end", "spectrum"]],
            }
        )
    rows.sort(key=lambda r: (r["rt"], r["quant_mz"]))
    for k, row in enumerate(rows):
        fid = f"F{k + 1:04d}"
        row["feature_id"] = fid
        member_rows.append(row.pop("_members").assign(feature_id=fid))
    columns = ["feature_id", "rt", "ri", "quant_mz", "n_detected", *run_order]
    table = pd.DataFrame(rows, columns=columns)
    member_table = (
        pd.concat(member_rows, ignore_index=True)
        if member_rows
        else pd.DataFrame(columns=["sample", "component_id", "rt", "rt_start", "rt_end", "spectrum", "feature_id"])
    )
    return table, member_table[["feature_id", "sample", "component_id", "rt", "rt_start", "rt_end", "spectrum"]]


def _consensus_quant(group: pd.DataFrame) -> int:
    """The quant ion most runs chose; ties go to the larger summed area, then the lower m/z."""
    counts = group.groupby("quant_mz").agg(n=("area", "size"), total=("area", "sum")).reset_index()
    counts = counts.sort_values(["n", "total", "quant_mz"], ascending=[False, False, True])
    return int(counts["quant_mz"].iloc[0])


def consensus_spectra(table: pd.DataFrame, members: pd.DataFrame) -> list[MspEntry]:
    """One MSP entry per feature: the mean of its members' base-normalised spectra."""
    entries = []
    by_feature = dict(tuple(members.groupby("feature_id", sort=False)))
    for row in table.itertuples():
        total = np.zeros(MZ_MAX + 1)
        for spectrum in by_feature[row.feature_id]["spectrum"]:
            mz, values = parse_spectrum(spectrum)
            keep = mz <= MZ_MAX
            if values.size and values.max() > 0:
                np.add.at(total, mz[keep], values[keep] / values.max())
        mz = np.flatnonzero(total)
        fields = {"RETENTIONTIME": f"{row.rt:.3f}"}
        if np.isfinite(row.ri):
            fields["RETENTIONINDEX"] = f"{row.ri:.1f}"
        fields["QUANTMZ"] = str(row.quant_mz)
        entries.append(MspEntry(row.feature_id, mz, total[mz], fields))
    return entries
