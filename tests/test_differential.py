"""Welch and moderated t statistics against independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gcmsflow.differential import bh_qvalues, differential, fit_f_dist, trigamma_inverse, two_group_test


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    case, control = rng.normal(1.0, 1.0, (20, 5)), rng.normal(0.0, 2.0, (20, 4))
    result = two_group_test(case, control, "welch")
    expected = stats.ttest_ind(case, control, axis=1, equal_var=False)
    assert result["pvalue"].to_numpy() == pytest.approx(expected.pvalue)
    assert result["log2fc"].to_numpy() == pytest.approx(case.mean(axis=1) - control.mean(axis=1))
    ci = expected.confidence_interval(0.95)
    assert result["ci_low"].to_numpy() == pytest.approx(ci.low) and result["ci_high"].to_numpy() == pytest.approx(ci.high)


def test_trigamma_inverse_inverts() -> None:
    from scipy.special import polygamma

    for y in (0.3, 1.0, 5.0, 50.0):
        assert trigamma_inverse(float(polygamma(1, y))) == pytest.approx(y, rel=1e-6)


def test_moderated_t_hand_computed_with_known_prior(monkeypatch: pytest.MonkeyPatch) -> None:
    case = np.array([[1.0, 2.0, 3.0]])
    control = np.array([[0.0, 1.0, 2.0]])
    monkeypatch.setattr("gcmsflow.differential.fit_f_dist", lambda s2, d: (4.0, 0.5))
    result = two_group_test(case, control, "moderated_t")
    # s² = 1 on d = 4; posterior (4·0.5 + 4·1)/8 = 0.75; t = 1 / sqrt(0.75·2/3); df = min(8, 4) = 4
    t = 1.0 / np.sqrt(0.75 * 2.0 / 3.0)
    assert result.loc[0, "pvalue"] == pytest.approx(2 * stats.t.sf(t, 4))


def test_prior_degrees_of_freedom_are_recovered_by_simulation() -> None:
    rng = np.random.default_rng(11)
    d0, s02, genes, d = 6.0, 0.04, 2000, 6
    sigma2 = d0 * s02 / rng.chisquare(d0, genes)
    s2 = sigma2 * rng.chisquare(d, genes) / d
    est_d0, est_s02 = fit_f_dist(s2, np.full(genes, float(d)))
    assert 4.5 < est_d0 < 8.0 and est_s02 == pytest.approx(s02, rel=0.1)


def test_bh_matches_hand_computation() -> None:
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.5])
    assert bh_qvalues(p)[[0, 1, 2, 4]] == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert np.isnan(bh_qvalues(p)[3])


def test_contract_table_has_names_and_counts() -> None:
    abundance = pd.DataFrame({"a1": [1.0, 5.0], "a2": [1.2, 5.1], "c1": [3.0, 5.0], "c2": [3.1, 5.2]}, index=["F1", "F2"])
    table = differential(abundance, ["a1", "a2"], ["c1", "c2"], pd.Series({"F1": "Asparagine, 3TMS"}), "welch")
    assert table.columns.tolist() == ["feature_id", "name", "log2fc", "ci_low", "ci_high", "pvalue", "qvalue", "test", "n_case", "n_control"]
    assert table.loc[0, "name"] == "Asparagine, 3TMS" and table.loc[1, "name"] == ""
    assert (table["n_case"] == 2).all() and (table["test"] == "welch").all()
