"""Library search that scales to large libraries: exact top-k hits by combined score.

Every query is compared with every entry by the weighted forward cosine alone, in float32 chunks
of the library (one matrix product each, over the m/z columns the queries use), keeping the
``n_candidates`` best entries per query. Reverse score and matched fraction are then computed for
those candidates only. The combined score (0.5 forward + 0.3 reverse + 0.2 matched, times an RI
factor <= 1) of an entry outside the candidates is at most 0.5 f + 0.5, f being the lowest forward
score among the candidates; a query whose k-th best candidate does not beat that bound is scored
against the whole library, so the hits are always exactly the top k.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .annotate import MatchParams

SCORE_KEYS = ("forward", "reverse", "matched", "delta", "has_ri", "combined")


def weighted(matrix: np.ndarray, mz_power: float, intensity_power: float) -> np.ndarray:
    """(m/z)^a x I^b weighting of dense unit-mass spectra (rows normalised to base 1 first), float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    top = matrix.max(axis=1, keepdims=True)
    scaled = np.divide(matrix, top, out=np.zeros_like(matrix), where=top > 0)
    powered = np.power(scaled, np.float32(intensity_power), out=np.zeros_like(scaled), where=scaled > 0)
    return powered * np.arange(matrix.shape[1], dtype=np.float32) ** np.float32(mz_power)


def score_matrix(queries: np.ndarray, library: np.ndarray, params: MatchParams) -> dict[str, np.ndarray]:
    """Forward, reverse and matched-fraction scores of every query x library pair (all pairs, small sets)."""
    q = weighted(queries, params.mz_power, params.intensity_power).astype(np.float64)
    lib = weighted(library, params.mz_power, params.intensity_power).astype(np.float64)
    lib_mask = ((library >= 0.01 * library.max(axis=1, keepdims=True)) & (library > 0)).astype(np.float64)
    dot = q @ lib.T
    q_norm = np.linalg.norm(q, axis=1)[:, None]
    lib_norm = np.linalg.norm(lib, axis=1)[None, :]
    restricted = np.sqrt((q * q) @ lib_mask.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        forward = np.where(q_norm * lib_norm > 0, dot / (q_norm * lib_norm), 0.0)
        reverse = np.where(restricted * lib_norm > 0, dot / (restricted * lib_norm), 0.0)
    matched = ((queries > 0).astype(np.float64) @ lib_mask.T) / np.maximum(lib_mask.sum(axis=1), 1)[None, :]
    return {"forward": forward, "reverse": np.clip(reverse, 0.0, 1.0), "matched": matched}


def forward_candidates(queries: np.ndarray, library: np.ndarray, params: MatchParams, n_candidates: int, chunk_rows: int = 20000) -> np.ndarray:
    """Indices (queries x n) of the entries with the best forward cosine per query, best first, ties by index."""
    n = min(n_candidates, len(library))
    columns = np.flatnonzero((queries > 0).any(axis=0))
    q = weighted(queries, params.mz_power, params.intensity_power)[:, columns]
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), np.float32(1e-30))
    best_idx = np.zeros((len(queries), 0), dtype=np.int64)
    best_val = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, len(library), chunk_rows):
        lib = weighted(library[start : start + chunk_rows], params.mz_power, params.intensity_power)
        norms = np.linalg.norm(lib, axis=1)
        cosine = (q @ lib[:, columns].T) / np.maximum(norms, np.float32(1e-30))[None, :]
        idx = np.concatenate([best_idx, np.arange(start, start + len(lib))[None, :].repeat(len(queries), 0)], axis=1)
        val = np.concatenate([best_val, cosine], axis=1)
        keep = np.argpartition(-val, n - 1, axis=1)[:, :n] if val.shape[1] > n else np.argsort(-val, axis=1, kind="stable")
        best_idx, best_val = np.take_along_axis(idx, keep, 1), np.take_along_axis(val, keep, 1)
    order = np.lexsort((best_idx, -best_val), axis=1)
    return np.take_along_axis(best_idx, order, 1)


def pair_scores(
    queries: np.ndarray, query_ri: np.ndarray, library: np.ndarray, ri: np.ndarray, rows: np.ndarray, entries: np.ndarray, params: MatchParams, block: int = 4096
) -> dict[str, np.ndarray]:
    """Forward, reverse, matched fraction, RI delta and combined score of (query row, library entry) pairs."""
    q_all = weighted(queries, params.mz_power, params.intensity_power)
    parts = []
    for start in range(0, len(rows), block):
        r, e = rows[start : start + block], entries[start : start + block]
        lib_raw = np.asarray(library[e], dtype=np.float32)
        lib = weighted(lib_raw, params.mz_power, params.intensity_power)
        qr = q_all[r]
        lib_mask = (lib_raw >= 0.01 * lib_raw.max(axis=1, keepdims=True)) & (lib_raw > 0)
        dot = np.einsum("ij,ij->i", qr, lib, dtype=np.float64)
        q_norm = np.linalg.norm(qr.astype(np.float64), axis=1)
        lib_norm = np.linalg.norm(lib.astype(np.float64), axis=1)
        restricted = np.sqrt(np.einsum("ij,ij->i", qr * qr, lib_mask.astype(np.float32), dtype=np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            forward = np.where(q_norm * lib_norm > 0, dot / (q_norm * lib_norm), 0.0)
            reverse = np.clip(np.where(restricted * lib_norm > 0, dot / (restricted * lib_norm), 0.0), 0.0, 1.0)
        matched = ((queries[r] > 0) & lib_mask).sum(axis=1) / np.maximum(lib_mask.sum(axis=1), 1)
        parts.append((forward, reverse, matched))
    forward, reverse, matched = (np.concatenate([p[j] for p in parts]) if parts else np.zeros(0) for j in range(3))
    delta = query_ri[rows] - ri[entries]
    has_ri = np.isfinite(delta)
    ri_term = np.where(has_ri, np.exp(-0.5 * (np.nan_to_num(delta) / params.ri_sigma) ** 2), params.no_ri_factor)
    combined = (0.5 * forward + 0.3 * reverse + 0.2 * matched) * ri_term
    return {"forward": forward, "reverse": reverse, "matched": matched, "delta": delta, "has_ri": has_ri, "combined": combined}


def _best_over_library(query: int, queries: np.ndarray, query_ri: np.ndarray, library: np.ndarray, ri: np.ndarray, params: MatchParams, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The ``n`` best entries by combined score of one query against the whole library, scored in chunks."""
    best_idx, best = np.zeros(0, dtype=np.int64), {key: np.zeros(0) for key in SCORE_KEYS}
    for start in range(0, len(library), 20000):
        entries = np.arange(start, min(start + 20000, len(library)))
        full = pair_scores(queries, query_ri, library, ri, np.full(entries.size, query), entries, params)
        idx = np.concatenate([best_idx, entries])
        merged = {key: np.concatenate([best[key], full[key]]) for key in SCORE_KEYS}
        chosen = np.lexsort((idx, -merged["combined"]))[:n]
        best_idx, best = idx[chosen], {key: value[chosen] for key, value in merged.items()}
    return best_idx, best


def top_hits(queries: np.ndarray, query_ri: np.ndarray, library: np.ndarray, ri: np.ndarray, params: MatchParams, k: int, n_candidates: int = 64) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Exact top-``k`` entries per query by combined score (ties: lower index first) and their scores (queries x k)."""
    k = min(k, len(library))
    candidates = forward_candidates(queries, library, params, max(n_candidates, k))
    rows = np.repeat(np.arange(len(queries)), candidates.shape[1])
    scores = {key: value.reshape(candidates.shape) for key, value in pair_scores(queries, query_ri, library, ri, rows, candidates.ravel(), params).items()}
    if candidates.shape[1] < len(library):
        kth = -np.sort(-scores["combined"], axis=1)[:, k - 1]
        bound = 0.5 * scores["forward"].min(axis=1) + 0.5
        for i in np.flatnonzero(kth < bound):  # an entry outside the candidates could still rank: score them all
            candidates[i], full = _best_over_library(i, queries, query_ri, library, ri, params, candidates.shape[1])
            for key in SCORE_KEYS:
                scores[key][i] = full[key]
    order = np.lexsort((candidates, -scores["combined"]), axis=1)[:, :k]
    return np.take_along_axis(candidates, order, 1), {key: np.take_along_axis(value, order, 1) for key, value in scores.items()}
