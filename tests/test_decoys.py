"""Decoy spectra and target-decoy q-values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED_DATA
from gcmsflow.identify.decoys import compound_keys, make_decoys, target_decoy_qvalues
from gcmsflow.identify.params import MatchParams
from gcmsflow.identify.search import score_matrix
from gcmsflow.io.library import load_library
from scipy.stats import ks_2samp


def look_alike_library(n_pairs: int = 40, seed: int = 3) -> np.ndarray:
    """EI-like unit-mass spectra in look-alike pairs: entries 2k and 2k+1 share 12 heavy ions
    (m/z 300-599) and have 4 light ones (m/z 80-299) of their own; TMS ions 73/147 in all."""
    rng = np.random.default_rng(seed)
    library = np.zeros((2 * n_pairs, 601))
    for k in range(n_pairs):
        shared = rng.choice(np.arange(300, 600), 12, replace=False)
        own = rng.choice(np.arange(80, 300), 8, replace=False).reshape(2, 4)
        for row in (2 * k, 2 * k + 1):
            library[row, shared] = rng.uniform(10, 100, 12)
            library[row, own[row % 2]] = rng.uniform(10, 100, 4)
            library[row, [73, 147]] = rng.uniform(20, 100, 2)
    return library


def test_decoys_cross_each_entry_with_its_closest_other_compound() -> None:
    library = look_alike_library()
    keys = np.array([f"C{i}" for i in range(library.shape[0])])
    decoys = make_decoys(library, keys, 3.0, 0.6, seed=1)
    assert np.array_equal(decoys, make_decoys(library, keys, 3.0, 0.6, seed=1))
    entry, partner, decoy = library[0::2] > 0, library[1::2] > 0, decoys[0::2] > 0
    assert not (decoy & ~(entry | partner)).any()  # ions only from the entry and its look-alike
    taken = (decoy & partner & ~entry).sum() / (partner & ~entry).sum()
    kept = (decoy & entry & ~partner).sum() / (entry & ~partner).sum()
    assert 0.35 < taken < 0.65 and 0.35 < kept < 0.65  # each ion from either side with probability 1/2
    assert (decoys.max(axis=1) <= library.max(axis=1) * (1 + 1e-12)).all()  # on the entry's intensity scale


def test_decoys_never_cross_two_spectra_of_one_compound() -> None:
    library = look_alike_library(n_pairs=2)
    same_compound = np.array(["A", "A", "B", "B"])
    decoys = make_decoys(library, same_compound, 3.0, 0.6)
    assert not ((decoys[0] > 0) & (library[1] > 0) & ~(library[0] > 0)).any()  # partner 1 is A too
    assert not make_decoys(library, np.array(["A"] * 4), 3.0, 0.6).any()  # one compound: nothing to cross with


def test_compound_keys_use_the_inchikey_skeleton_else_the_name() -> None:
    keys = compound_keys(["KZSNJWFQEVHDMF-BYPYZUCNSA-N", "KZSNJWFQEVHDMF-UHFFFAOYSA-N", ""], ["L-Alanine, 2TMS", "Alanine, 3TMS", "Ribitol, 5TMS"])
    assert keys[0] == keys[1] == "KZSNJWFQEVHDMF" and keys[2] == "name:ribitol"


def test_qvalues_by_target_decoy_competition() -> None:
    target = np.array([0.99, 0.95, 0.90, 0.85, 0.80, 0.70])
    decoy = np.array([0.10, 0.96, 0.20, 0.20, 0.20, 0.75])
    passes = np.array([True, True, True, True, True, False])
    wins, winner_passes, q = target_decoy_qvalues(target, decoy, passes, passes)
    assert winner_passes.tolist() == passes.tolist()
    assert wins.tolist() == [True, False, True, True, True, False]
    # ranked: 0.99 T, 0.96 D, 0.90 T, 0.85 T, 0.80 T -> (D + 1) / T = 1/1, 2/1, 2/2, 2/3, 2/4 -> q = running minimum from below
    assert q[[0, 2, 3, 4]] == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert np.isnan(q[1]) and np.isnan(q[5])


def test_a_short_clean_list_is_never_given_rate_zero() -> None:
    for n in (1, 12, 40):
        _, _, q = target_decoy_qvalues(np.linspace(0.99, 0.8, n), np.zeros(n), np.ones(n, bool), np.ones(n, bool))
        assert q == pytest.approx(np.full(n, 1.0 / n))  # no decoy among n targets: (0 + 1) / n, not 0


@pytest.mark.shared_data
def test_massbank_decoys_differ_from_their_targets() -> None:
    library = load_library(SHARED_DATA / "library" / "massbank_gc_ei.msp")
    params = MatchParams()
    decoys = make_decoys(library.intensity, compound_keys(library.inchikeys, library.names), params.mz_power, params.intensity_power)
    identical = np.mean([np.array_equal(d > 0, t > 0) for d, t in zip(decoys, library.intensity)])
    assert identical < 0.01
    own = score_matrix(library.intensity[:300], decoys[:300], params)["forward"].diagonal()
    assert np.median(own) < 0.92


@pytest.mark.shared_data
def test_massbank_decoy_scores_follow_the_null() -> None:
    """Half of MassBank's compounds are held out; their spectra searched against the other half can
    only match a wrong compound. Their best decoy scores must be distributed like those best (wrong)
    library scores: the null that target-decoy competition assumes. Tolerances are practical (the
    former decoys, which moved every compound-specific ion, gave KS 0.45 and P(decoy wins) 0.15)."""
    library = load_library(SHARED_DATA / "library" / "massbank_gc_ei.msp")
    params = MatchParams()
    keys = compound_keys(library.inchikeys, library.names)
    held_out = np.isin(keys, np.random.default_rng(0).choice(np.unique(keys), np.unique(keys).size // 2, replace=False))
    queries, reference = library.intensity[held_out], library.intensity[~held_out]
    wrong_target = score_matrix(queries, reference, params)["forward"].max(axis=1)
    decoys = make_decoys(reference, keys[~held_out], params.mz_power, params.intensity_power)
    decoy = score_matrix(queries, decoys, params)["forward"].max(axis=1)
    assert ks_2samp(wrong_target, decoy).statistic < 0.1
    assert abs(np.median(wrong_target) - np.median(decoy)) < 0.05
    assert abs(np.percentile(wrong_target, 90) - np.percentile(decoy, 90)) < 0.07
    assert 0.3 < np.mean(decoy > wrong_target) < 0.7
