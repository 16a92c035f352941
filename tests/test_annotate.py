"""Library scores: forward and reverse weighted dot product, matched peaks, RI penalty and acceptance."""

from __future__ import annotations

import numpy as np
import pytest
from gcmsflow.identify.annotate import annotate
from gcmsflow.identify.params import MatchParams
from gcmsflow.identify.search import score_matrix
from gcmsflow.io.library import Library, spectra_matrix


def dense(spectra: list[dict[int, float]]) -> np.ndarray:
    return spectra_matrix([np.array(list(s)) for s in spectra], [np.array(list(s.values())) for s in spectra])


LIB = [{116: 999.0, 132: 400.0, 231: 300.0, 73: 800.0}, {245: 999.0, 156: 600.0, 347: 300.0, 73: 700.0}]


def library(ri: list[float]) -> Library:
    return Library(["Asparagine, 3TMS", "Glutamine, 3TMS"], ["L1", "L2"], ["", ""], np.array(ri), dense(LIB))


def test_identical_spectrum_scores_one() -> None:
    scores = score_matrix(dense(LIB[:1]), dense(LIB), MatchParams())
    assert scores["forward"][0, 0] == pytest.approx(1.0)
    assert scores["reverse"][0, 0] == pytest.approx(1.0)
    assert scores["matched"][0, 0] == pytest.approx(1.0)
    assert scores["forward"][0, 1] < 0.5


def test_reverse_score_ignores_query_ions_absent_from_library() -> None:
    query = dict(LIB[0]) | {400: 900.0}
    scores = score_matrix(dense([query]), dense(LIB[:1]), MatchParams())
    assert scores["reverse"][0, 0] == pytest.approx(1.0)
    assert scores["forward"][0, 0] < 0.8


def test_ri_penalty_and_window() -> None:
    params = MatchParams(ri_sigma=10.0, ri_window=30.0)
    _, best, _ = annotate(dense(LIB[:1]), np.array([1680.0]), ["F1"], library([1678.0, 1770.0]), params)
    assert best.loc[0, "name"] == "Asparagine, 3TMS" and best.loc[0, "msi_level"] == 2
    assert best.loc[0, "score"] == pytest.approx(np.exp(-0.5 * 0.04), rel=1e-6)
    hits, best, _ = annotate(dense(LIB[:1]), np.array([1750.0]), ["F1"], library([1678.0, 1770.0]), params)
    assert best.empty and not hits["accepted"].any()


def test_missing_ri_gives_level_three_with_penalty() -> None:
    _, best, _ = annotate(dense(LIB[:1]), np.array([np.nan]), ["F1"], library([1678.0, 1770.0]), MatchParams(no_ri_factor=0.85))
    assert best.loc[0, "msi_level"] == 3 and best.loc[0, "score"] == pytest.approx(0.85)
