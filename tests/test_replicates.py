"""Replicate consistency and PCA group separation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gcmsflow.stats.replicates import pca_separation, replicate_consistency, silhouette


def sheet(groups: dict[str, list[str]], qcs: list[str] = ()) -> pd.DataFrame:
    rows = [(s, g, "sample") for g, members in groups.items() for s in members] + [(q, "pool", "qc") for q in qcs]
    return pd.DataFrame(rows, columns=["sample", "group", "type"]).set_index("sample", drop=False)


def test_consistency_counts_features_seen_in_every_replicate_and_their_cv() -> None:
    design = sheet({"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}, qcs=["q1"])
    detected = pd.DataFrame(
        {"a1": [1, 1, np.nan], "a2": [1, 1, 1], "a3": [1, 1, 1], "b1": [1, np.nan, 1], "b2": [1, 1, 1], "b3": [1, 1, 1], "q1": [np.nan] * 3},
        index=["F1", "F2", "F3"],
    )
    linear = pd.DataFrame({"a1": [100.0, 10.0, 5.0], "a2": [110.0, 10.0, 5.0], "a3": [90.0, 10.0, 5.0], "b1": [1.0] * 3, "b2": [1.0] * 3, "b3": [1.0] * 3, "q1": [1.0] * 3}, index=detected.index)
    table = replicate_consistency(detected, np.log2(linear), design).set_index("group")
    assert table.loc["A", "features_in_all_replicates"] == 2 and table.loc["B", "features_in_all_replicates"] == 2
    assert table.loc["A", "n_replicates"] == 3
    # F1: sd 10 / mean 100 = 10 %, F2: 0 % -> median 5 %
    assert table.loc["A", "median_cv_percent"] == pytest.approx(5.0)
    assert table.loc["B", "median_cv_percent"] == pytest.approx(0.0)


def test_silhouette_of_separate_and_mixed_groups() -> None:
    labels = np.array(["A"] * 3 + ["B"] * 3)
    apart = np.array([[0.0, 0], [0.1, 0], [0, 0.1], [10, 10], [10.1, 10], [10, 10.1]])
    assert silhouette(apart, labels) > 0.95
    rng = np.random.default_rng(0)
    assert abs(silhouette(rng.normal(size=(60, 2)), np.array(["A", "B"] * 30))) < 0.1
    assert np.isnan(silhouette(apart, np.array(["A"] * 6)))


def test_pca_separation_finds_a_group_effect_and_ignores_qcs() -> None:
    rng = np.random.default_rng(3)
    groups = {"A": [f"a{i}" for i in range(5)], "B": [f"b{i}" for i in range(5)]}
    design = sheet(groups, qcs=["q1", "q2"])
    data = rng.normal(size=(40, 12))
    data[:10, 5:10] += 4.0  # ten features shifted in group B
    abundance = pd.DataFrame(data, columns=[*groups["A"], *groups["B"], "q1", "q2"])
    row = pca_separation(abundance, design).iloc[0]
    assert row["n_samples"] == 10 and row["pc1_separates_groups"] == "yes" and row["silhouette"] > 0.3
    null = pca_separation(pd.DataFrame(rng.normal(size=(40, 12)), columns=abundance.columns), design).iloc[0]
    assert null["silhouette"] < row["silhouette"]
