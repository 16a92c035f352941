"""Retention correction from landmarks and merging of split features."""

from __future__ import annotations

import numpy as np
import pandas as pd
from gcmsflow.core.spectra import format_spectrum, parse_spectra
from gcmsflow.signal.align import AlignParams, align, unit_vectors
from gcmsflow.signal.merge import consensus_quant_ion, merge_split_features
from gcmsflow.signal.warp import correct_retention


def study(n_runs: int, n_compounds: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Components of ``n_compounds`` distinct spectra 25 RI apart, each run offset by up to +-9 RI and stretched."""
    rng = np.random.default_rng(seed)
    truth = 1100.0 + 25.0 * np.arange(n_compounds)
    rows = []
    for r in range(n_runs):
        offset, stretch = rng.uniform(-9, 9), rng.uniform(-0.004, 0.004)
        for k, ri in enumerate(truth):
            ions = np.array([73, 100 + k, 200 + 2 * k, 300 + 3 * k])
            observed = ri + offset + stretch * (ri - 1500.0) + rng.normal(0, 0.3)
            rows.append({"sample": f"r{r}", "component_id": f"P{k:04d}", "rt": observed / 2, "rt_start": observed / 2 - 2, "rt_end": observed / 2 + 2,
                         "quant_mz": int(ions[1]), "area": 1000.0, "ri": observed, "spectrum": format_spectrum(ions, np.array([60.0, 100.0, 50.0, 30.0]))})
    return pd.DataFrame(rows), truth


def test_drifted_runs_are_warped_into_one_feature_per_compound() -> None:
    components, truth = study(12, 30, seed=3)
    runs = [f"r{r}" for r in range(12)]
    fixed = align(components, runs, True, AlignParams(ri_window=5.0, correct_retention=False, merge_similarity=1.1))
    assert len(fixed.table) > 1.3 * len(truth)  # the fixed window alone splits the drifted compounds
    warped = align(components, runs, True, AlignParams(ri_window=5.0))
    assert len(warped.table) == len(truth) and (warped.table["n_detected"] == 12).all()
    corrections = warped.corrections
    assert corrections["sample"].tolist() == runs and (corrections["n_landmarks"] == 30).all()
    assert (corrections["spread_after"] < 0.5).all() and corrections["spread_before"].max() > 2.0


def test_the_warp_follows_offset_and_stretch() -> None:
    components, _ = study(6, 30, seed=5)
    x = components["ri"].to_numpy()
    labels = components["component_id"].str[1:].astype(int).to_numpy()
    warp = correct_retention(x, components["sample"].to_numpy(), labels, 5.0, 0.5, 0.3)
    spread = pd.Series(warp.corrected).groupby(labels).std()
    assert spread.max() < 1.0 and pd.Series(x).groupby(labels).std().min() > 2.0
    assert warp.window >= 5.0


def test_split_features_are_merged_but_never_two_components_of_one_run() -> None:
    spectra = [format_spectrum(np.array([73, 116, 190]), np.array([50.0, 100.0, 30.0]))] * 6
    spectra[4] = format_spectrum(np.array([73, 116, 190, 250]), np.array([50.0, 100.0, 30.0, 40.0]))  # alike (cosine 0.90), less so
    unit = unit_vectors(*parse_spectra(spectra))
    positions = np.array([1500.0, 1501.0, 1504.0, 1505.0, 1504.5, 1500.5])
    runs = np.array([0, 1, 2, 3, 0, 4])
    labels = np.array([0, 0, 1, 1, 2, 0])  # feature 1 is feature 0 split off; feature 2 holds a second component of run 0
    merged = merge_split_features(labels, positions, runs, (np.full(6, 116), np.full(6, 1e3)), unit, 5.0, 0.9)
    assert merged[2] == merged[0] and merged[4] != merged[0]
    other_quant = merge_split_features(labels, positions, runs, (np.array([116, 116, 117, 117, 116, 116]), np.full(6, 1e3)), unit, 5.0, 0.9)
    assert other_quant[2] != other_quant[0]


def test_the_consensus_quant_ion_is_the_most_frequent_then_the_larger_summed_area_then_the_lower_mz() -> None:
    labels = np.array([0, 0, 0, 1, 1, 2, 2])
    quant_mz = np.array([117, 117, 116, 117, 116, 117, 116])
    area = np.array([1.0, 1.0, 50.0, 9.0, 2.0, 3.0, 3.0])
    quant = consensus_quant_ion(labels, quant_mz, area)
    assert quant.to_dict() == {0: 117, 1: 117, 2: 116}  # most runs; tie -> larger summed area; tie -> lower m/z


def test_a_split_feature_whose_runs_tie_between_two_quant_ions_merges_by_the_larger_summed_area() -> None:
    spectra = [format_spectrum(np.array([73, 116, 117, 190]), np.array([50.0, 100.0, 95.0, 30.0]))] * 4
    unit = unit_vectors(*parse_spectra(spectra))
    positions, runs, labels = np.array([1500.0, 1501.0, 1503.0, 1504.0]), np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1])
    quant_mz = np.array([116, 117, 117, 117])  # feature 0 ties 116/117 by count
    larger_117 = merge_split_features(labels, positions, runs, (quant_mz, np.array([10.0, 90.0, 80.0, 80.0])), unit, 5.0, 0.9)
    larger_116 = merge_split_features(labels, positions, runs, (quant_mz, np.array([90.0, 10.0, 80.0, 80.0])), unit, 5.0, 0.9)
    assert larger_117[2] == larger_117[0] and larger_116[2] != larger_116[0]
