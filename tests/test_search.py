"""Large-library search returns exactly the top hits an all-pairs computation gives."""

from __future__ import annotations

import numpy as np
import pytest
from gcmsflow.identify.params import MatchParams
from gcmsflow.identify.search import pair_scores, score_matrix, top_hits


def library_and_queries(seed: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    library = np.zeros((600, 401), dtype=np.float32)
    for row in library:
        ions = rng.choice(np.arange(40, 400), rng.integers(4, 40), replace=False)
        row[ions] = rng.uniform(1, 100, ions.size)
        row[73] = rng.uniform(30, 100)
    picked = rng.choice(len(library), 40, replace=False)
    queries = library[picked] * rng.lognormal(0, 0.3, (40, 401)).astype(np.float32)
    queries[:10] = rng.uniform(0, 100, (10, 401)) * (rng.random((10, 401)) < 0.05)  # unknowns
    ri = np.where(rng.random(len(library)) < 0.7, rng.uniform(1000, 3000, len(library)), np.nan)
    query_ri = np.where(rng.random(40) < 0.8, ri[picked] + rng.normal(0, 5, 40), np.nan)
    return library, ri, queries, query_ri


def exhaustive(queries, query_ri, library, ri, params) -> np.ndarray:
    scores = score_matrix(queries, library, params)
    delta = query_ri[:, None] - ri[None, :]
    term = np.where(np.isfinite(delta), np.exp(-0.5 * (np.nan_to_num(delta) / params.ri_sigma) ** 2), params.no_ri_factor)
    return (0.5 * scores["forward"] + 0.3 * scores["reverse"] + 0.2 * scores["matched"]) * term


@pytest.mark.parametrize("n_candidates", [2, 8, 64])
def test_top_hits_equal_the_all_pairs_ranking(n_candidates: int) -> None:
    library, ri, queries, query_ri = library_and_queries()
    params = MatchParams(min_spectral=0.0)  # every entry could be named: the ranking must be exact throughout
    entries, scores = top_hits(queries, query_ri, library, ri, params, k=5, n_candidates=n_candidates)
    combined = exhaustive(queries, query_ri, library, ri, params)
    expected = np.lexsort((np.arange(len(library))[None, :].repeat(len(queries), 0), -combined), axis=1)[:, :5]
    assert np.array_equal(entries, expected)
    assert scores["combined"] == pytest.approx(np.take_along_axis(combined, expected, 1), abs=1e-5)


def test_hits_a_name_can_come_from_are_exact() -> None:
    library, ri, queries, query_ri = library_and_queries()
    params = MatchParams()
    entries, scores = top_hits(queries, query_ri, library, ri, params, k=5, n_candidates=2)
    combined = exhaustive(queries, query_ri, library, ri, params)
    forward = score_matrix(queries, library, params)["forward"]
    for i in range(len(queries)):
        eligible = np.flatnonzero(forward[i] >= params.min_spectral)
        expected = eligible[np.lexsort((eligible, -combined[i, eligible]))][:5]
        got = entries[i][scores["forward"][i] >= params.min_spectral]
        assert np.array_equal(got[: len(expected)], expected), i


def test_pair_scores_match_the_score_matrix() -> None:
    library, ri, queries, query_ri = library_and_queries()
    params = MatchParams()
    full = score_matrix(queries[:3], library[:50], params)
    rows, entries = np.repeat(np.arange(3), 50), np.tile(np.arange(50), 3)
    pairs = pair_scores(queries[:3], query_ri[:3], library[:50], ri[:50], rows, entries, params)
    for key in ("forward", "reverse", "matched"):
        assert pairs[key].reshape(3, 50) == pytest.approx(full[key], abs=1e-5), key


def test_matched_fraction_counts_only_entry_ions_above_the_querys_weakest() -> None:
    entry = np.zeros((1, 400))
    entry[0, [73, 147, 204, 306]] = [100.0, 60.0, 95.0, 34.0]
    entry[0, 100:110] = 3.0  # ten ions at 3 %: below what a sparse query could show
    sparse = np.zeros((1, 400))
    sparse[0, [73, 147, 204, 306]] = [100.0, 55.0, 90.0, 35.0]  # weakest at 35 %
    assert score_matrix(sparse, entry, MatchParams())["matched"][0, 0] == pytest.approx(1.0)
    pairs = pair_scores(sparse, np.array([np.nan]), entry, np.array([np.nan]), np.array([0]), np.array([0]), MatchParams())
    assert pairs["matched"][0] == pytest.approx(1.0)
    full = sparse.copy()
    full[0, 100] = 2.0  # an ion at 2 % recorded: the 3 % ions would have been seen, nine are missing
    assert score_matrix(full, entry, MatchParams())["matched"][0, 0] == pytest.approx(5 / 14)
