"""Library matching of feature spectra: weighted dot product, reverse match, matched peaks and RI.

Spectra are weighted as (m/z)^a x I^b (Stein & Scott 1994 defaults a = 3, b = 0.6) and compared
by cosine (forward), by cosine restricted to the library spectrum's ions (reverse), and by the
fraction of library ions (>= 1 % of base) present in the query. The spectral match is
0.5 forward + 0.3 reverse + 0.2 matched fraction. With an RI on both sides it is multiplied by
exp(-ΔRI² / 2σ²); without, by ``no_ri_factor``. A best hit is accepted when its score reaches
``min_score``, its forward score ``min_spectral`` and, with RIs, |ΔRI| <= ``ri_window``; the
best-scoring accepted hit among the top k is the feature's name.

Each feature is also searched against decoy spectra made from the library (:mod:`gcmsflow.decoys`);
the false-annotation rate of the accepted names is estimated by target–decoy competition and a
name is kept only where its q-value is at most ``max_fdr``; other features stay unknown.

MSI level (Sumner et al. 2007): 2 when spectrum and library RI agree; 3 when only the spectrum
could be compared (no RI on one side). Level 1 needs an in-house standard and is never claimed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .decoys import make_decoys, target_decoy_qvalues
from .library import Library

ANNOTATION_COLUMNS = [
    "feature_id", "name", "inchikey", "library_id", "spectral_score", "reverse_score",
    "matched_peaks", "ri_library", "ri_delta", "score", "msi_level",
]


@dataclass(frozen=True)
class MatchParams:
    """Scoring weights, acceptance thresholds (RI in index units), false-annotation rate and decoy settings."""

    mz_power: float = 3.0
    intensity_power: float = 0.6
    ri_sigma: float = 15.0
    ri_window: float = 30.0
    no_ri_factor: float = 0.85
    min_score: float = 0.6
    min_spectral: float = 0.7
    top_k: int = 5
    max_fdr: float = 0.05
    column_class: str | None = "semi-standard non-polar"
    decoy_window_mz: int = 25
    decoy_common_share: float = 0.05
    decoy_seed: int = 1


def weighted(matrix: np.ndarray, params: MatchParams) -> np.ndarray:
    """(m/z)^a x I^b weighting of dense unit-mass spectra (rows normalised to base 1 first)."""
    top = matrix.max(axis=1, keepdims=True)
    scaled = np.divide(matrix, top, out=np.zeros_like(matrix), where=top > 0)
    mz = np.arange(matrix.shape[1], dtype=float)
    return np.power(scaled, params.intensity_power) * mz**params.mz_power


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0."""
    denominator = np.broadcast_to(denominator, numerator.shape)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def score_matrix(queries: np.ndarray, library: np.ndarray, params: MatchParams) -> dict[str, np.ndarray]:
    """Forward, reverse and matched-fraction scores for every query x library pair."""
    q, lib = weighted(queries, params), weighted(library, params)
    lib_mask = (library >= 0.01 * library.max(axis=1, keepdims=True)) & (library > 0)
    q_mask = queries > 0
    dot = q @ lib.T
    q_norm = np.linalg.norm(q, axis=1)[:, None]
    lib_norm = np.linalg.norm(lib, axis=1)[None, :]
    forward = _ratio(dot, q_norm * lib_norm)
    q_restricted = np.sqrt((q * q) @ lib_mask.T.astype(float))
    reverse = _ratio(dot, q_restricted * lib_norm)
    matched = (q_mask.astype(float) @ lib_mask.T.astype(float)) / np.maximum(lib_mask.sum(axis=1), 1)[None, :]
    return {"forward": forward, "reverse": np.clip(reverse, 0.0, 1.0), "matched": matched}


def combined_scores(queries: np.ndarray, query_ri: np.ndarray, spectra: np.ndarray, ri: np.ndarray, params: MatchParams) -> dict[str, np.ndarray]:
    """All pairwise scores of queries against ``spectra`` with library RIs ``ri``, the RI delta and the combined score."""
    scores = score_matrix(queries, spectra, params)
    spectral = 0.5 * scores["forward"] + 0.3 * scores["reverse"] + 0.2 * scores["matched"]
    delta = query_ri[:, None] - ri[None, :]
    has_ri = np.isfinite(delta)
    ri_term = np.where(has_ri, np.exp(-0.5 * (np.nan_to_num(delta) / params.ri_sigma) ** 2), params.no_ri_factor)
    return {**scores, "delta": delta, "has_ri": has_ri, "combined": spectral * ri_term}


def _passes(scores: dict[str, np.ndarray], i: int, j: int, params: MatchParams) -> bool:
    """The acceptance criteria on one query-entry pair (before the false-annotation rate)."""
    return bool(
        scores["combined"][i, j] >= params.min_score
        and scores["forward"][i, j] >= params.min_spectral
        and (not scores["has_ri"][i, j] or abs(scores["delta"][i, j]) <= params.ri_window)
    )


def annotate(queries: np.ndarray, query_ri: np.ndarray, feature_ids: list[str], library: Library, params: MatchParams) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Top-k hits per feature (with ``accepted``), the best accepted hit per feature (``ANNOTATION_COLUMNS``)
    and the target–decoy table (per feature: best target and decoy scores, winner, q-value, accepted)."""
    target = combined_scores(queries, query_ri, library.intensity, library.ri, params)
    decoy = combined_scores(queries, query_ri, make_decoys(library.intensity, params.decoy_seed, params.decoy_window_mz, params.decoy_common_share), library.ri, params)
    n = len(feature_ids)
    best_target = np.argmax(target["combined"], axis=1) if n else np.zeros(0, int)  # first of equal scores
    best_decoy = np.argmax(decoy["combined"], axis=1) if n else np.zeros(0, int)
    rows = np.arange(n)
    target_score, decoy_score = target["combined"][rows, best_target], decoy["combined"][rows, best_decoy]
    target_wins = target_score >= decoy_score
    passes = np.array([_passes(target, i, best_target[i], params) if target_wins[i] else _passes(decoy, i, best_decoy[i], params) for i in rows], dtype=bool)
    target_wins, qvalues = target_decoy_qvalues(target_score, decoy_score, passes)
    accepted_feature = passes & target_wins & (qvalues <= params.max_fdr)
    confidence = pd.DataFrame({
        "feature_id": feature_ids, "best_target": [library.names[j] for j in best_target], "target_score": target_score,
        "decoy_score": decoy_score, "winner": np.where(target_wins, "target", "decoy"), "passes_thresholds": passes,
        "qvalue": qvalues, "accepted": accepted_feature,
    })
    hits = []
    for i, fid in enumerate(feature_ids):
        order = np.lexsort((np.arange(target["combined"].shape[1]), -target["combined"][i]))[: params.top_k]
        for rank, j in enumerate(order, start=1):
            hits.append(
                {
                    "feature_id": fid, "rank": rank, "name": library.names[j], "inchikey": library.inchikeys[j],
                    "library_id": library.ids[j], "spectral_score": target["forward"][i, j],
                    "reverse_score": target["reverse"][i, j], "matched_peaks": target["matched"][i, j],
                    "ri_library": library.ri[j], "ri_delta": target["delta"][i, j], "score": target["combined"][i, j],
                    "msi_level": 2 if target["has_ri"][i, j] else 3, "qvalue": qvalues[i] if rank == 1 else np.nan,
                    "accepted": bool(rank == 1 and accepted_feature[i]),
                }
            )
    hit_table = pd.DataFrame(hits, columns=["feature_id", "rank", *ANNOTATION_COLUMNS[1:], "qvalue", "accepted"])
    best = hit_table[hit_table["accepted"]]
    return hit_table, best[ANNOTATION_COLUMNS].reset_index(drop=True), confidence
