"""Decoy spectra and target-decoy q-values."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_decoys_keep_common_ions_and_intensities_and_move_the_rest() -> None:
    library = random_library()
    decoys = make_decoys(library, seed=1, window_mz=25, common_share=0.1)
    common = common_ions(library, 0.1)
    assert common[73] and common[147] and common.sum() < 10
    assert np.array_equal(decoys[:, common], library[:, common])
    assert all(not np.array_equal(d > 0, t > 0) for d, t in zip(decoys, library))
    assert (decoys.sum(axis=1) <= library.sum(axis=1) + 1e-9).all() and (decoys.max(axis=1) == library.max(axis=1)).all()
    assert ((decoys > 0).sum(axis=1) <= (library > 0).sum(axis=1)).all()
    moved = (decoys > 0) & ~(library > 0)
    assert moved.sum() > 0.5 * ((library > 0) & ~common).sum()
    assert np.array_equal(decoys, make_decoys(library, seed=1, window_mz=25, common_share=0.1))


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
    wins, winner_passes, q = target_decoy_qvalues(target, decoy, passes, passes)
    assert winner_passes.tolist() == passes.tolist()
    assert wins.tolist() == [True, False, True, True, True, False]
    # ranked: 0.99 T, 0.96 D, 0.90 T, 0.85 T, 0.80 T -> FDR 0/1, 1/1, 1/2, 1/3, 1/4 -> q = running minimum from below
    assert q[[0, 2, 3, 4]] == pytest.approx([0.0, 0.25, 0.25, 0.25])
    assert np.isnan(q[1]) and np.isnan(q[5])


@pytest.mark.shared_data
def test_massbank_decoys_differ_from_their_targets() -> None:
    """Dense spectra carry small peaks at almost every m/z: only prominent shared ions may stay put."""
    library = load_library(SHARED_DATA / "library" / "massbank_gc_ei.msp")
    common = common_ions(library.intensity, 0.1)
    assert common[73] and common[147] and common.sum() <= 20
    decoys = make_decoys(library.intensity)
    params = MatchParams()
    identical = np.mean([np.array_equal(d > 0, t > 0) for d, t in zip(decoys, library.intensity)])
    assert identical < 0.01
    own = score_matrix(library.intensity[:200], decoys[:200], params)["forward"].diagonal()
    assert np.median(own) < 0.8
