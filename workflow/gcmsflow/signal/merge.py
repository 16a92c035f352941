"""Merge features that are one compound split across neighbouring retention windows.

After grouping, a compound whose runs straddle a window edge can end up as two features. Two
features are merged when their centres lie within the grouping window, they never share a run,
their consensus quant ion (:func:`consensus_quant_ion`) is the same and their consensus spectra (sums of the members'
unit square-root spectra) have a cosine of at least ``min_similarity``. Pairs are taken by
decreasing cosine, and a merge that would put two components of one run together is skipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def consensus_quant_ion(labels: np.ndarray, quant_mz: np.ndarray, area: np.ndarray) -> pd.Series:
    """Per feature label, the ion that is quant ion in most runs; ties go to the larger summed area, then the lower m/z."""
    frame = pd.DataFrame({"label": labels, "quant": quant_mz, "area": np.nan_to_num(np.asarray(area, float))})
    counts = frame.groupby(["label", "quant"]).agg(n=("area", "size"), total=("area", "sum")).reset_index()
    counts = counts.sort_values(["label", "n", "total", "quant"], ascending=[True, False, False, True], kind="stable")
    return counts.drop_duplicates("label").set_index("label")["quant"]


def feature_summaries(labels: np.ndarray, positions: np.ndarray, quant: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """Per feature label: mean position and consensus quant ion; ``quant`` is (quant m/z, area) per row."""
    centre = pd.Series(positions).groupby(labels).mean()
    return pd.DataFrame({"centre": centre, "quant": consensus_quant_ion(labels, *quant)})


def merge_split_features(
    labels: np.ndarray,
    positions: np.ndarray,
    runs: np.ndarray,
    quant: tuple[np.ndarray, np.ndarray],
    unit: tuple[np.ndarray, np.ndarray, np.ndarray],
    window: float,
    min_similarity: float,
) -> np.ndarray:
    """Labels with split features merged; ``runs`` are run codes per row, ``quant`` the rows' (quant m/z, area),
    ``unit`` the rows' unit spectra (starts, ions, values)."""
    starts, ions, values = unit
    n_labels = int(labels.max(initial=-1)) + 1
    if n_labels < 2:
        return labels
    owner = np.repeat(labels, np.diff(starts))
    spectra = np.zeros((n_labels, int(ions.max(initial=0)) + 1))
    np.add.at(spectra, (owner, ions), values)
    norms = np.linalg.norm(spectra, axis=1)
    members = np.zeros((n_labels, int(runs.max(initial=0)) + 1), dtype=bool)
    members[labels, runs] = True
    summary = feature_summaries(labels, positions, quant).reindex(range(n_labels))
    order = np.argsort(summary["centre"].to_numpy(), kind="stable")
    centre, quant = summary["centre"].to_numpy()[order], summary["quant"].to_numpy()[order]
    pairs = []
    for a in range(order.size):
        b = a + 1
        while b < order.size and centre[b] - centre[a] <= window:
            i, j = order[a], order[b]
            if quant[a] == quant[b] and not (members[i] & members[j]).any():
                cosine = spectra[i] @ spectra[j] / max(norms[i] * norms[j], 1e-24)
                if cosine >= min_similarity:
                    pairs.append((-cosine, i, j))
            b += 1
    root = np.arange(n_labels)

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    for _, i, j in sorted(pairs):
        ri, rj = find(i), find(j)
        if ri != rj and not (members[ri] & members[rj]).any():
            keep, gone = min(ri, rj), max(ri, rj)
            root[gone] = keep
            members[keep] |= members[gone]
    return np.array([find(k) for k in labels])
