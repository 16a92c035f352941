"""Library search that scales to large libraries: exact top-k hits by combined score.

Every query is compared with every entry by the weighted forward cosine alone, in float32 chunks
of the library (one matrix product each, over the m/z columns the queries use), keeping the
``n_candidates`` best entries per query. Reverse score and matched fraction are then computed for
those candidates only. The combined score (0.5 forward + 0.3 reverse + 0.2 matched, times an RI
factor <= 1) of an entry with forward score f is at most 0.5 f + 0.5; where the k-th best candidate
does not beat that bound for the candidates' lowest f, every entry whose f could still let it rank
(f >= 2 c - 1, c the k-th best combined score, and f >= ``min_spectral``; gathered in the same pass)
is scored too. So the top k are exact among entries a name can come from (forward score at
least ``min_spectral``); below that they are the best of the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .params import MatchParams

SCORE_KEYS = ("forward", "reverse", "matched", "delta", "has_ri", "combined")


def isolated_ions(matrix: np.ndarray, below: float) -> np.ndarray:
    """Mask of the isolated ions of dense unit-mass query spectra: present, with neither neighbour
    (m/z - 1, m/z + 1) present and under ``below`` x the spectrum's base peak.

    A fragment ion comes with its isotope peaks (13C, 29Si, 30Si); a single-scan noise spike at a
    high m/z does not. Such an ion counts in a forward score only where the library spectrum has
    it too, so that under the (m/z)^3 weighting one noise ion does not decide the score.

    >>> isolated_ions(np.array([[0, 10.0, 1.0, 0, 0.5]]), 0.25).tolist()
    [[False, False, False, False, True]]
    """
    matrix = np.asarray(matrix)
    present = matrix > 0
    neighbour = np.zeros_like(present)
    neighbour[:, 1:] |= present[:, :-1]
    neighbour[:, :-1] |= present[:, 1:]
    return present & ~neighbour & (matrix < below * matrix.max(axis=1, keepdims=True))


def _query_parts(queries: np.ndarray, params: MatchParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted queries, the squared norm of their supported ions and the squared weights of their isolated ions."""
    q = weighted(queries, params.mz_power, params.intensity_power)
    alone = isolated_ions(queries, params.isolated_below)
    square = np.square(q, dtype=np.float64)
    return q, np.where(alone, 0.0, square).sum(axis=1), np.where(alone, square, 0.0)


def weighted(matrix: np.ndarray, mz_power: float, intensity_power: float) -> np.ndarray:
    """(m/z)^a x I^b weighting of dense unit-mass spectra (rows normalised to base 1 first), float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    top = matrix.max(axis=1, keepdims=True)
    scaled = np.divide(matrix, top, out=np.zeros_like(matrix), where=top > 0)
    powered = np.power(scaled, np.float32(intensity_power), out=np.zeros_like(scaled), where=scaled > 0)
    return powered * np.arange(matrix.shape[1], dtype=np.float32) ** np.float32(mz_power)


MIN_FLOOR = 0.01  # entry ions under this share of the base peak never count to the matched fraction


def detection_floors(queries: np.ndarray) -> np.ndarray:
    """Per query its weakest recorded ion as a share of its base peak, at least ``MIN_FLOOR``: library
    ions below it could not have been seen in this query."""
    queries = np.asarray(queries, dtype=np.float64)
    top = queries.max(axis=1)
    weakest = np.where(queries > 0, queries, np.inf).min(axis=1)
    return np.maximum(MIN_FLOOR, np.divide(weakest, top, out=np.ones_like(top), where=top > 0))


def expected_ions(spectra: np.ndarray, floor: float) -> np.ndarray:
    """Per library spectrum (rows), its ions at >= ``floor`` of its base peak."""
    spectra = np.asarray(spectra, dtype=np.float32)
    return (spectra >= np.float32(floor) * spectra.max(axis=1, keepdims=True)) & (spectra > 0)


def score_matrix(queries: np.ndarray, library: np.ndarray, params: MatchParams) -> dict[str, np.ndarray]:
    """Forward, reverse and matched-fraction scores of every query x library pair (all pairs, small sets).

    The forward norm of a query counts its isolated ions (:func:`isolated_ions`) only where the entry has them;
    the matched fraction counts the entry's ions above the query's detection floor (:func:`detection_floors`)."""
    q, supported, alone = _query_parts(queries, params)
    q = q.astype(np.float64)
    lib = weighted(library, params.mz_power, params.intensity_power).astype(np.float64)
    lib_mask = ((library >= 0.01 * library.max(axis=1, keepdims=True)) & (library > 0)).astype(np.float64)
    dot = q @ lib.T
    q_norm = np.sqrt(supported[:, None] + alone @ (library > 0).T.astype(np.float64))
    lib_norm = np.linalg.norm(lib, axis=1)[None, :]
    restricted = np.sqrt((q * q) @ lib_mask.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        forward = np.where(q_norm * lib_norm > 0, dot / (q_norm * lib_norm), 0.0)
        reverse = np.where(restricted * lib_norm > 0, dot / (restricted * lib_norm), 0.0)
    floors, present = detection_floors(queries), (queries > 0).astype(np.float64)
    matched = np.zeros((len(queries), len(library)))
    for floor in np.unique(floors):  # one library mask per distinct floor, not per query
        rows, expected = floors == floor, expected_ions(library, floor).astype(np.float64)
        matched[rows] = (present[rows] @ expected.T) / np.maximum(expected.sum(axis=1), 1)[None, :]
    return {"forward": forward, "reverse": np.clip(reverse, 0.0, 1.0), "matched": matched}


@dataclass(frozen=True)
class EntryStats:
    """Per library entry: largest intensity, norm of the weighted spectrum, ions at >= ``MIN_FLOOR`` of the largest."""

    base: np.ndarray
    norm: np.ndarray
    n_ions: np.ndarray


def entry_stats(spectra: np.ndarray, params: MatchParams, lib_weighted: np.ndarray | None = None) -> EntryStats:
    """The :class:`EntryStats` of dense spectra (their weighted form may be passed in)."""
    spectra = np.asarray(spectra, dtype=np.float32)
    base = spectra.max(axis=1)
    if lib_weighted is None:
        lib_weighted = weighted(spectra, params.mz_power, params.intensity_power)
    n_ions = expected_ions(spectra, MIN_FLOOR).sum(axis=1)
    return EntryStats(base, np.sqrt(np.einsum("ij,ij->i", lib_weighted, lib_weighted, dtype=np.float64)), n_ions)


def forward_blocks(queries: np.ndarray, library: np.ndarray, params: MatchParams, chunk_rows: int = 20000):
    """Yield (first entry index, forward cosines queries x chunk, the chunk's EntryStats) in float32 chunks."""
    columns = np.flatnonzero((queries > 0).any(axis=0))
    q, supported, alone = _query_parts(queries, params)
    q = q[:, columns]
    lone = np.flatnonzero(alone.any(axis=0))
    alone = alone[:, lone].astype(np.float32)
    for start in range(0, len(library), chunk_rows):
        chunk = library[start : start + chunk_rows]
        lib = weighted(chunk, params.mz_power, params.intensity_power)
        stats = entry_stats(chunk, params, lib)
        q_norm = np.sqrt(supported.astype(np.float32)[:, None] + alone @ (np.asarray(chunk)[:, lone] > 0).T.astype(np.float32))
        yield start, (q @ lib[:, columns].T) / np.maximum(q_norm * stats.norm.astype(np.float32)[None, :], np.float32(1e-30)), stats


def forward_candidates(
    queries: np.ndarray, library: np.ndarray, params: MatchParams, n_candidates: int, floor: float
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], EntryStats]:
    """One pass over the library: per query the ``n_candidates`` entries with the best forward cosine
    (best first, ties by index), every entry whose forward cosine reaches ``floor`` with that cosine,
    and the library's :class:`EntryStats`."""
    n = min(n_candidates, len(library))
    best_idx = np.zeros((len(queries), 0), dtype=np.int64)
    best_val = np.zeros((len(queries), 0), dtype=np.float32)
    above_rows, above_entries, above_values, chunk_stats = [], [], [], []
    for start, cosine, stats in forward_blocks(queries, library, params):
        chunk_stats.append(stats)
        local = np.argpartition(-cosine, n - 1, axis=1)[:, :n] if cosine.shape[1] > n else np.argsort(-cosine, axis=1, kind="stable")
        idx = np.concatenate([best_idx, local + start], axis=1)
        val = np.concatenate([best_val, np.take_along_axis(cosine, local, 1)], axis=1)
        keep = np.argpartition(-val, n - 1, axis=1)[:, :n] if val.shape[1] > n else np.argsort(-val, axis=1, kind="stable")
        best_idx, best_val = np.take_along_axis(idx, keep, 1), np.take_along_axis(val, keep, 1)
        rows, cols = np.nonzero(cosine >= floor)
        above_rows.append(rows)
        above_entries.append(cols + start)
        above_values.append(cosine[rows, cols])
    order = np.lexsort((best_idx, -best_val), axis=1)
    rows, entries, values = (np.concatenate(parts) for parts in (above_rows, above_entries, above_values))
    by_row = np.argsort(rows, kind="stable")
    split = np.searchsorted(rows[by_row], np.arange(1, len(queries)))
    stats = EntryStats(*(np.concatenate([getattr(c, name) for c in chunk_stats]) for name in ("base", "norm", "n_ions")))
    return np.take_along_axis(best_idx, order, 1), np.split(entries[by_row], split), np.split(values[by_row], split), stats


def pair_scores(
    queries: np.ndarray, query_ri: np.ndarray, library: np.ndarray, ri: np.ndarray, rows: np.ndarray, entries: np.ndarray, params: MatchParams,
    stats: EntryStats | None = None,
) -> dict[str, np.ndarray]:
    """Forward, reverse, matched fraction, RI delta and combined score of (query row, library entry) pairs.

    Computed per query over the m/z columns the query holds; ``stats`` (whole library) saves recomputing them.
    """
    if stats is None:
        unique, inverse = np.unique(entries, return_inverse=True)
        local = entry_stats(library[unique], params)
        base, norm, n_ions = local.base[inverse], local.norm[inverse], local.n_ions[inverse]
    else:
        base, norm, n_ions = stats.base[entries], stats.norm[entries], stats.n_ions[entries]
    q_all, supported, alone = _query_parts(queries, params)
    floors = detection_floors(queries)
    mz_weight = np.arange(library.shape[1], dtype=np.float32) ** np.float32(params.mz_power)
    forward, reverse, matched = (np.zeros(len(rows)) for _ in range(3))
    order = np.argsort(rows, kind="stable")
    groups, starts = np.unique(rows[order], return_index=True)
    for r, idx in zip(groups, np.split(order, starts[1:])):
        columns = np.flatnonzero(queries[r] > 0)
        raw = np.asarray(library[np.ix_(entries[idx], columns)], dtype=np.float32)
        scaled = raw / np.maximum(base[idx], np.float32(1e-30))[:, None]
        lib = np.power(scaled, np.float32(params.intensity_power), out=np.zeros_like(scaled), where=scaled > 0) * mz_weight[columns]
        q = q_all[r, columns].astype(np.float64)
        mask = (scaled >= 0.01) & (raw > 0)
        dot = lib @ q
        restricted = np.sqrt(mask @ (q * q))
        q_norm = np.sqrt(supported[r] + (raw > 0) @ alone[r, columns])
        with np.errstate(divide="ignore", invalid="ignore"):
            forward[idx] = np.where(q_norm * norm[idx] > 0, dot / (q_norm * norm[idx]), 0.0)
            reverse[idx] = np.clip(np.where(restricted * norm[idx] > 0, dot / (restricted * norm[idx]), 0.0), 0.0, 1.0)
        floor = np.float32(floors[r])
        seen = ((raw >= floor * base[idx][:, None]) & (raw > 0)).sum(axis=1)  # the query's ions are its columns
        expected = n_ions[idx] if floors[r] == MIN_FLOOR else expected_ions(library[entries[idx]], floors[r]).sum(axis=1)
        matched[idx] = seen / np.maximum(expected, 1)
    delta = query_ri[rows] - ri[entries]
    has_ri = np.isfinite(delta)
    ri_term = np.where(has_ri, np.exp(-0.5 * (np.nan_to_num(delta) / params.ri_sigma) ** 2), params.no_ri_factor)
    combined = (0.5 * forward + 0.3 * reverse + 0.2 * matched) * ri_term
    return {"forward": forward, "reverse": reverse, "matched": matched, "delta": delta, "has_ri": has_ri, "combined": combined}


def top_hits(
    queries: np.ndarray, query_ri: np.ndarray, library: np.ndarray, ri: np.ndarray, params: MatchParams, k: int, n_candidates: int = 32
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The top-``k`` entries per query by combined score (ties: lower index first) and their scores (queries x k).

    Exact among entries whose forward score reaches ``params.min_spectral`` (the only ones a name can
    come from); below that, hits are the best of the forward-score candidates.
    """
    k = min(k, len(library))
    n = max(n_candidates, k)
    margin = 1e-4  # float32 forward cosines against float64 exact scores
    candidates, above, above_forward, stats = forward_candidates(queries, library, params, n, params.min_spectral - margin)
    rows = np.repeat(np.arange(len(queries)), candidates.shape[1])
    scores = {key: value.reshape(candidates.shape) for key, value in pair_scores(queries, query_ri, library, ri, rows, candidates.ravel(), params, stats).items()}
    if candidates.shape[1] < len(library):
        kth = -np.sort(-scores["combined"], axis=1)[:, k - 1]
        lowest = scores["forward"].min(axis=1)
        # an entry outside the candidates scores at most 0.5 f + 0.5 with f <= lowest candidate forward score
        unsure = np.flatnonzero((kth < 0.5 * lowest + 0.5 + margin) & (lowest >= params.min_spectral - margin))
        pools = [np.union1d(candidates[i], above[i][above_forward[i] >= max(2.0 * kth[i] - 1.0, params.min_spectral) - margin]) for i in unsure]
        if pools:  # score every pool in one call, then keep each query's best n
            full = pair_scores(queries, query_ri, library, ri, np.repeat(unsure, [len(pool) for pool in pools]), np.concatenate(pools), params, stats)
            ends = np.cumsum([len(pool) for pool in pools])
            for i, pool, end in zip(unsure, pools, ends):
                part = {key: value[end - len(pool) : end] for key, value in full.items()}
                chosen = np.lexsort((pool, -part["combined"]))[:n]
                candidates[i] = pool[chosen]
                for key in SCORE_KEYS:
                    scores[key][i] = part[key][chosen]
    order = np.lexsort((candidates, -scores["combined"]), axis=1)[:, :k]
    return np.take_along_axis(candidates, order, 1), {key: np.take_along_axis(value, order, 1) for key, value in scores.items()}
