"""Align components across runs into features: a sorted sweep over RI (or RT) plus spectral similarity.

Runs are first warped onto the study's retention scale from landmark compounds (``warp.py``), and
features that are one compound split across neighbouring windows are merged (``merge.py``).

Components of all runs are visited once in retention order; each joins the open feature within
the retention window whose consensus spectrum it matches best (cosine on square-root intensities),
never two components of one run in one feature. Features that fall behind the window are closed,
so the cost grows with the number of components, not with pairs of runs. Each feature gets one
quant ion for all runs (the most frequent per-run choice), recorded in the table. A run's cell is left
empty for gap filling when a co-eluting neighbour's component carries the quant ion instead
(:func:`carried_elsewhere`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.spectra import MZ_MAX, parse_spectra, parse_spectrum
from ..io.msp import MspEntry
from .merge import consensus_quant_ion, merge_split_features
from .warp import CORRECTION_COLUMNS, correct_retention


@dataclass(frozen=True)
class AlignParams:
    """Alignment windows (RI units, or seconds when uncalibrated), similarity and occupancy thresholds."""

    ri_window: float = 5.0
    rt_window_s: float = 2.0
    min_similarity: float = 0.7
    min_detected: int = 2
    correct_retention: bool = True
    landmark_fraction: float = 0.5
    landmark_similarity: float = 0.9
    warp_span: float = 0.3
    merge_similarity: float = 0.9


LANDMARK_WIDENING = 3.0  # landmarks are grouped with this many times the window
LANDMARK_SHARE, LANDMARK_MIN = 0.3, 50  # ... among each run's strongest components: this share by area, at least this many
CARRIER_RATIO = 4.0  # a neighbour holding a feature's quant ion this many times stronger carries its compound


class _Consensus:
    """Running consensus spectra of features (rows of matrices with room for one feature per component,
    zero-filled lazily by the system, so only the rows used take memory), their norms and runs."""

    def __init__(self, n_runs: int, n_mz: int, capacity: int) -> None:
        self.vectors = np.zeros((capacity, n_mz))
        self.norm2 = np.zeros(capacity)
        self.runs = np.zeros((capacity, n_runs), dtype=bool)
        self.size = 0

    def new(self) -> int:
        self.size += 1
        return self.size - 1

    def add(self, feature: int, ions: np.ndarray, values: np.ndarray, dot: float) -> None:
        self.vectors[feature, ions] += values
        self.norm2[feature] += 2.0 * dot + values @ values


def unit_vectors(counts: np.ndarray, mz: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Square-root-intensity spectra (as from :func:`parse_spectra`) scaled to unit length,
    as (start offset per spectrum, ions, values)."""
    keep = mz <= MZ_MAX
    owner = np.repeat(np.arange(counts.size), counts)[keep]
    mz, root = mz[keep], np.sqrt(np.clip(values[keep], 0.0, None))
    norms = np.sqrt(np.bincount(owner, weights=root**2, minlength=counts.size))
    root = root / np.where(norms > 0, norms, 1.0)[owner]
    starts = np.searchsorted(owner, np.arange(counts.size + 1))
    return starts, mz, root


def strongest(samples: np.ndarray, area: np.ndarray, share: float, at_least: int) -> np.ndarray:
    """Mask of each run's ``share`` strongest components by area, at least its ``at_least`` strongest."""
    frame = pd.DataFrame({"sample": samples, "area": area})
    rank = frame.groupby("sample", sort=False)["area"].rank(method="first", ascending=False)
    size = frame.groupby("sample", sort=False)["area"].transform("size")
    return (rank <= np.maximum(at_least, np.ceil(share * size))).to_numpy()


def group_components(
    components: pd.DataFrame, coordinate: str, window: float, min_similarity: float, spectra: tuple | None = None, positions: np.ndarray | None = None
) -> np.ndarray:
    """Feature index per component row (``components`` needs ``sample``, ``spectrum`` and ``coordinate``, or
    ``positions`` given; ``spectra`` is its spectrum column already parsed by :func:`parse_spectra`)."""
    positions = components[coordinate].to_numpy(float) if positions is None else positions
    order = np.argsort(positions, kind="stable")
    samples, runs = pd.factorize(components["sample"])
    starts, ions_all, values_all = unit_vectors(*(spectra or parse_spectra(components["spectrum"].tolist())))
    labels = np.full(len(components), -1)
    consensus = _Consensus(len(runs), int(ions_all.max(initial=0)) + 1, len(components))  # a component opens at most one feature
    active = np.zeros(64, dtype=np.int64)  # open features (the first n_open), in order of creation
    centre = np.zeros(64)  # their mean positions
    n_open = 0
    position_sum: list[float] = []
    n_members: list[int] = []
    for i in order:
        x = positions[i]
        if n_open and centre[:n_open].min() < x - window:
            open_ = centre[:n_open] >= x - window
            kept = int(open_.sum())
            active[:kept], centre[:kept] = active[:n_open][open_], centre[:n_open][open_]
            n_open = kept
        ions, values = ions_all[starts[i] : starts[i + 1]], values_all[starts[i] : starts[i + 1]]
        slot, best_dot = -1, 0.0
        if n_open:
            candidates = active[:n_open]
            dots = consensus.vectors[candidates[:, None], ions] @ values
            cosine = dots / np.sqrt(np.maximum(consensus.norm2[candidates], 1e-24))
            distance = np.abs(centre[:n_open] - x)
            score = np.where(
                (cosine >= min_similarity) & (distance <= window) & ~consensus.runs[candidates, samples[i]],
                cosine - 0.05 * distance / window,
                -np.inf,
            )
            k = int(np.argmax(score))
            if score[k] > min_similarity:
                slot, best_dot = k, float(dots[k])
        if slot < 0:
            if n_open == active.size:
                active, centre = np.concatenate([active, active]), np.concatenate([centre, centre])
            slot, n_open = n_open, n_open + 1
            active[slot], centre[slot] = consensus.new(), x
            position_sum.append(0.0)
            n_members.append(0)
        best = int(active[slot])
        consensus.add(best, ions, values, best_dot)
        consensus.runs[best, samples[i]] = True
        position_sum[best] += x
        n_members[best] += 1
        centre[slot] = position_sum[best] / n_members[best]
        labels[i] = best
    return labels


class Alignment(NamedTuple):
    """The feature table, its members (one row per component that joined a feature) and the per-run retention correction."""

    table: pd.DataFrame
    members: pd.DataFrame
    corrections: pd.DataFrame


def align(components: pd.DataFrame, run_order: list[str], calibrated: bool, params: AlignParams) -> Alignment:
    """Feature table (contract columns, areas per run) and the long member table from all runs' components.

    ``components`` holds every run's detected components with ``sample`` and ``ri`` columns.
    """
    coordinate, window = ("ri", params.ri_window) if calibrated else ("rt", params.rt_window_s)
    components = components.reset_index(drop=True)
    counts, mz, values = spectra = parse_spectra(components["spectrum"].tolist())
    positions = components[coordinate].to_numpy(float)
    samples = components["sample"].to_numpy()
    corrections = pd.DataFrame(columns=CORRECTION_COLUMNS)
    if params.correct_retention and components["sample"].nunique() > 1:
        strong = strongest(components["sample"].to_numpy(), components["area"].to_numpy(float), LANDMARK_SHARE, LANDMARK_MIN)
        wide = np.full(len(components), -1)
        wide[strong] = group_components(components[strong], coordinate, LANDMARK_WIDENING * window, params.landmark_similarity)
        positions, corrections, window = correct_retention(positions, samples, wide, window, params.landmark_fraction, params.warp_span)
    labels = group_components(components, coordinate, window, params.min_similarity, spectra, positions)
    codes = pd.factorize(components["sample"])[0]
    labels = merge_split_features(labels, positions, codes, (components["quant_mz"].to_numpy(), components["area"].to_numpy(float)), unit_vectors(*spectra), window, params.merge_similarity)
    members = components.assign(feature=labels)
    occupancy = members.groupby("feature")["sample"].nunique()
    members = members[members["feature"].isin(occupancy.index[occupancy >= params.min_detected])]
    quant = consensus_quant(members)
    # each member's value at its feature's quant ion
    owner = np.repeat(np.arange(len(components)), counts)
    feature_quant = quant.reindex(labels).to_numpy()  # NaN for components of dropped features
    at_quant = mz == feature_quant[owner]
    area = np.full(len(components), np.nan)
    area[owner[at_quant]] = values[at_quant]
    carried = carried_elsewhere(codes, positions, feature_quant, (owner, mz, values), window, area)
    area[carried] = np.nan  # another compound's component: gap filling integrates the quant ion instead
    members = members.assign(_area=area[members.index])
    summary = members.groupby("feature").agg(rt=("rt", "median"), n_detected=("_area", "count"))
    summary["ri"] = members.groupby("feature")["ri"].median() if calibrated else np.nan
    summary["quant_mz"] = quant.reindex(summary.index).astype(int)
    summary = summary.reset_index().sort_values(["rt", "quant_mz"], kind="stable").reset_index(drop=True)
    summary["feature_id"] = [f"F{k + 1:04d}" for k in range(len(summary))]
    ids = summary.set_index("feature")["feature_id"]
    members = members.assign(feature_id=ids.reindex(members["feature"]).to_numpy())
    wide = members.pivot(index="feature_id", columns="sample", values="_area").reindex(index=summary["feature_id"], columns=run_order)
    table = pd.concat([summary[["feature_id", "rt", "ri", "quant_mz", "n_detected"]], wide.reset_index(drop=True)], axis=1)
    table.columns.name = None
    member_columns = ["feature_id", "sample", "component_id", "rt", "rt_start", "rt_end", "spectrum"]
    rank = pd.Series(np.arange(len(summary)), index=summary["feature_id"])
    members = members.assign(_rank=rank.reindex(members["feature_id"]).to_numpy())
    members = members.sort_values(["_rank", "rt"], kind="stable")
    return Alignment(table, members[member_columns].reset_index(drop=True), corrections)


def carried_elsewhere(
    runs: np.ndarray, positions: np.ndarray, quant_mz: np.ndarray, ions: tuple[np.ndarray, np.ndarray, np.ndarray], window: float, area: np.ndarray
) -> np.ndarray:
    """Components whose area at their feature's quant ion (``area``; ``quant_mz`` per component) is not
    their compound's: another component of the same run within ``window`` holds that ion ``CARRIER_RATIO``
    times stronger and does not itself stand for a feature with that quant ion. Under co-elution the
    compound's signal went into a neighbour's component, and the one that joined the feature holds a trace.

    ``ions`` is the flat (owner component, m/z, value) of all spectra; ``runs`` codes each component's run."""
    out = np.zeros(area.size, dtype=bool)
    owner, mz, values = ions
    finite = np.isfinite(positions)
    if not finite.any() or mz.size == 0:
        return out
    span = np.ptp(positions[finite]) + 2.0 * window + 1.0
    key = np.where(finite, runs * span + (positions - positions[finite].min()), np.inf)
    order = np.argsort(key, kind="stable")
    lo = np.searchsorted(key[order], key[order] - window, side="left")
    hi = np.searchsorted(key[order], key[order] + window, side="right")
    size = np.where(np.isfinite(key[order]), hi - lo, 0)
    i = order[np.repeat(np.arange(order.size), size)]
    j = order[np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size) + np.repeat(lo, size)]
    pick = (i != j) & np.isfinite(area[i]) & (quant_mz[j] != quant_mz[i])
    i, j = i[pick], j[pick]
    flat_key = owner * (MZ_MAX + 1) + mz
    sort = np.argsort(flat_key, kind="stable")
    wanted = j * (MZ_MAX + 1) + quant_mz[i].astype(np.int64)
    at = np.minimum(np.searchsorted(flat_key[sort], wanted), sort.size - 1)
    held = np.where(flat_key[sort][at] == wanted, values[sort][at], 0.0)
    out[i[held > CARRIER_RATIO * area[i]]] = True
    return out


def consensus_quant(members: pd.DataFrame) -> pd.Series:
    """Per feature, the quant ion most runs chose; ties go to the larger summed area, then the lower m/z."""
    return consensus_quant_ion(members["feature"].to_numpy(), members["quant_mz"].to_numpy(), members["area"].to_numpy(float))


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
