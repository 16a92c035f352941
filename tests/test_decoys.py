"""Decoy spectra and target-decoy q-values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from conftest import SHARED_DATA
from gcmsflow.annotate import MatchParams
from gcmsflow.search import score_matrix
from gcmsflow.decoys import common_ions, make_decoys, target_decoy_qvalues
from gcmsflow.library import load_library


def random_library(n: int = 200, seed: int = 3) -> np.ndarray:
    """EI-like unit-mass spectra: TMS ions 73 and 147 in most, 5-30 specific ions each."""
    rng = np.random.default_rng(seed)
    library = np.zeros((n, 601))
    for row in library:
        ions = rng.choice(np.arange(50, 600), rng.integers(5, 30), replace=False)
        row[ions] = rng.uniform(1, 100, ions.size)
        row[73] = rng.uniform(50, 100) if rng.random() < 0.9 else 0.0
        row[147] = rng.uniform(5, 40) if rng.random() < 0.6 else 0.0
    return library


def test_decoys_keep_common_ions_base_peak_and_intensity() -> None:
    library = random_library()
    decoys = make_decoys(library, seed=1, window_mz=25, common_share=0.05)
    common = common_ions(library, 0.05)
    assert common[73] and common[147] and common.sum() < 50
    assert np.array_equal(decoys[:, common], library[:, common])
    assert np.array_equal(decoys.argmax(axis=1), library.argmax(axis=1))
    assert (decoys.sum(axis=1) <= library.sum(axis=1) + 1e-9).all() and (decoys.max(axis=1) == library.max(axis=1)).all()
    assert ((decoys > 0).sum(axis=1) <= (library > 0).sum(axis=1)).all()
    moved = (decoys > 0) & ~(library > 0)
    assert moved.sum() > 0.5 * ((library > 0) & ~common).sum()
    assert np.array_equal(decoys, make_decoys(library, seed=1, window_mz=25, common_share=0.05))


def test_decoy_ions_stay_within_the_window() -> None:
    library = np.zeros((30, 200))
    library[:, 150] = 100.0  # base peak
    library[:, 60] = 10.0  # common ion
    library[np.arange(30), 100 + np.arange(30) % 5] = 50.0  # specific ions 100-104
    decoys = make_decoys(library, window_mz=3, common_share=0.5)
    specific = decoys.copy()
    specific[:, [60, 150]] = 0.0
    assert set(np.flatnonzero(specific.sum(axis=0))) <= set(range(100, 105))


def test_qvalues_by_target_decoy_competition() -> None:
    target = np.array([0.99, 0.95, 0.90, 0.85, 0.80, 0.70])
    decoy = np.array([0.10, 0.96, 0.20, 0.20, 0.20, 0.75])
    passes = np.array([True, True, True, True, True, False])
    wins, q = target_decoy_qvalues(target, decoy, passes)
    assert wins.tolist() == [True, False, True, True, True, False]
    # ranked: 0.99 T, 0.96 D, 0.90 T, 0.85 T, 0.80 T -> FDR 0/1, 1/1, 1/2, 1/3, 1/4 -> q = running minimum from below
    assert q[[0, 2, 3, 4]] == pytest.approx([0.0, 0.25, 0.25, 0.25])
    assert np.isnan(q[1]) and np.isnan(q[5])


@pytest.mark.shared_data
def test_decoy_scores_follow_the_null_on_massbank() -> None:
    """Queries whose compound is absent from the library: best scores against targets and decoys agree."""
    library = load_library(SHARED_DATA / "library" / "massbank_gc_ei.msp")
    compound = np.array([key or name for key, name in zip(library.inchikeys, library.names)])
    names = np.unique(compound)
    queries = np.isin(compound, np.random.default_rng(0).choice(names, names.size // 2, replace=False))
    params = MatchParams()

    def best(reference: np.ndarray) -> np.ndarray:
        scores = score_matrix(library.intensity[queries], reference, params)
        return (0.5 * scores["forward"] + 0.3 * scores["reverse"] + 0.2 * scores["matched"]).max(axis=1)

    targets = library.intensity[~queries]
    null, decoy = best(targets), best(make_decoys(targets))
    assert stats.ks_2samp(null, decoy).pvalue > 0.05
    assert np.abs(np.quantile(null, [0.25, 0.5, 0.75, 0.9]) - np.quantile(decoy, [0.25, 0.5, 0.75, 0.9])).max() < 0.03
