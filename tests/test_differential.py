"""Welch and moderated t statistics against independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.stats.differential import (
    bh_qvalues,
    differential,
    fit_f_dist,
    moderated_t_test,
    welch_test,
)
from gcmsflow.stats.ebayes import trigamma_inverse
from scipy import stats


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    case, control = rng.normal(1.0, 1.0, (20, 5)), rng.normal(0.0, 2.0, (20, 4))
    result = welch_test(case, control)
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
    monkeypatch.setattr("gcmsflow.stats.differential.fit_f_dist", lambda s2, d: (4.0, 0.5))
    design = np.column_stack([np.ones(6), [1, 1, 1, 0, 0, 0]])
    result = moderated_t_test(np.hstack([case, control]), design, np.array([3]), np.array([3]))
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
    table = differential(abundance, sheet(2, 2).set_axis(["a1", "a2", "c1", "c2"]), ["a1", "a2"], ["c1", "c2"], pd.Series({"F1": "Asparagine, 3TMS"}), "welch")
    assert table.columns.tolist() == ["feature_id", "name", "log2fc", "ci_low", "ci_high", "pvalue", "qvalue", "test", "n_case", "n_control"]
    assert table.loc[0, "name"] == "Asparagine, 3TMS" and table.loc[1, "name"] == ""
    assert (table["n_case"] == 2).all() and (table["test"] == "welch").all()


def sheet(n_case: int, n_control: int, **covariates: list) -> pd.DataFrame:
    names = [f"a{i}" for i in range(n_case)] + [f"c{i}" for i in range(n_control)]
    return pd.DataFrame({"group": ["case"] * n_case + ["control"] * n_control, **covariates}, index=names)


def test_moderated_t_without_shrinkage_equals_statsmodels_ols_with_a_covariate(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    runs = sheet(4, 4, batch=["1", "2", "1", "2", "1", "2", "1", "2"], age=[30, 41, 52, 38, 45, 60, 33, 48])
    abundance = pd.DataFrame(rng.normal(10, 1, (12, 8)), columns=runs.index, index=[f"F{i:02d}" for i in range(12)])
    monkeypatch.setattr("gcmsflow.stats.differential.fit_f_dist", lambda s2, d: (0.0, 1.0))
    names = pd.Series(dtype=str)
    moderated = differential(abundance, runs, ["a0", "a1", "a2", "a3"], ["c0", "c1", "c2", "c3"], names, "moderated_t", ("batch", "age"))
    ols = differential(abundance, runs, ["a0", "a1", "a2", "a3"], ["c0", "c1", "c2", "c3"], names, "ols", ("batch", "age"))
    pd.testing.assert_frame_equal(moderated.drop(columns="test"), ols.drop(columns="test"), rtol=1e-8)


def test_moderated_t_two_groups_is_the_pooled_t_when_the_prior_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(8)
    runs = sheet(3, 5)
    abundance = pd.DataFrame(rng.normal(0, 1, (5, 8)), columns=runs.index)
    monkeypatch.setattr("gcmsflow.stats.differential.fit_f_dist", lambda s2, d: (0.0, 1.0))
    table = differential(abundance, runs, ["a0", "a1", "a2"], ["c0", "c1", "c2", "c3", "c4"], pd.Series(dtype=str), "moderated_t").set_index("feature_id")
    expected = stats.ttest_ind(abundance[["a0", "a1", "a2"]], abundance[["c0", "c1", "c2", "c3", "c4"]], axis=1)
    assert table.loc[abundance.index, "pvalue"].to_numpy() == pytest.approx(expected.pvalue)


def test_batch_covariate_removes_a_batch_shift() -> None:
    rng = np.random.default_rng(9)
    batch = ["1", "2"] * 6
    runs = sheet(6, 6, batch=batch)
    shift = np.where(np.array(batch) == "2", 3.0, 0.0)
    abundance = pd.DataFrame(rng.normal(0, 0.2, (200, 12)) + shift, columns=runs.index)
    case, control = [f"a{i}" for i in range(6)], [f"c{i}" for i in range(6)]
    plain = differential(abundance, runs, case, control, pd.Series(dtype=str), "moderated_t")
    adjusted = differential(abundance, runs, case, control, pd.Series(dtype=str), "moderated_t", ("batch",))
    assert (adjusted["ci_high"] - adjusted["ci_low"]).median() < 0.5 * (plain["ci_high"] - plain["ci_low"]).median()
    assert (adjusted["qvalue"] < 0.05).sum() <= 10


def test_confounded_covariate_is_a_clear_error() -> None:
    runs = sheet(2, 2, batch=["1", "1", "2", "2"])
    abundance = pd.DataFrame(np.ones((1, 4)), columns=runs.index)
    with pytest.raises(GcmsflowError, match="rank-deficient"):
        differential(abundance, runs, ["a0", "a1"], ["c0", "c1"], pd.Series(dtype=str), "moderated_t", ("batch",))
    with pytest.raises(GcmsflowError, match="takes no covariates"):
        differential(abundance, runs, ["a0", "a1"], ["c0", "c1"], pd.Series(dtype=str), "welch", ("batch",))


def test_mann_whitney_matches_scipy_and_hodges_lehmann() -> None:
    runs = sheet(4, 4)
    abundance = pd.DataFrame([[5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.5]], columns=runs.index, index=["F1"])
    table = differential(abundance, runs, ["a0", "a1", "a2", "a3"], ["c0", "c1", "c2", "c3"], pd.Series(dtype=str), "mann_whitney")
    assert table.loc[0, "pvalue"] == pytest.approx(stats.mannwhitneyu([5, 6, 7, 8], [1, 2, 3, 4.5]).pvalue)
    diffs = np.subtract.outer([5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.5]).ravel()
    assert table.loc[0, "log2fc"] == pytest.approx(np.median(diffs))
    assert table.loc[0, "ci_low"] <= np.median(diffs) <= table.loc[0, "ci_high"]


def test_cli_adds_batch_covariate_when_a_batch_lacked_qcs(tmp_path) -> None:
    from gcmsflow.cli import main

    rng = np.random.default_rng(4)
    samples = [f"a{i}" for i in range(4)] + [f"c{i}" for i in range(4)]
    for sample in samples:
        (tmp_path / f"{sample}.cdf").write_bytes(b"x")
    sheet = pd.DataFrame({"sample": samples, "file": [f"{s}.cdf" for s in samples], "group": ["asn"] * 4 + ["ctrl"] * 4, "type": "sample",
                          "batch": ["1", "2"] * 4, "injection_order": range(1, 9)})
    sheet.to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    abundance = pd.DataFrame(rng.normal(10, 0.3, (6, 8)), columns=samples, index=[f"F{i}" for i in range(6)])
    abundance.reset_index(names="feature_id").to_csv(tmp_path / "abundance.tsv", sep="\t", index=False)
    pd.DataFrame({"feature_id": ["F0"], "name": ["Asparagine, 3TMS"]}).to_csv(tmp_path / "annotations.tsv", sep="\t", index=False)

    def run(action: str) -> pd.Series:
        pd.DataFrame({"feature_id": ["F0", "F0"], "batch": ["1", "2"], "action": ["corrected", action]}).to_csv(tmp_path / "drift.tsv", sep="\t", index=False)
        args = ["differential", "--abundance", str(tmp_path / "abundance.tsv"), "--annotations", str(tmp_path / "annotations.tsv"),
                "--samples", str(tmp_path / "samples.tsv"), "--drift", str(tmp_path / "drift.tsv"), "--contrast", "asn_vs_ctrl",
                "--case", "asn", "--control", "ctrl", "--output", str(tmp_path / "stats.tsv"), "--model", str(tmp_path / "model.tsv")]
        assert main(args) == 0
        return pd.read_csv(tmp_path / "model.tsv", sep="\t", keep_default_na=False).iloc[0]

    model = run("too_few_qcs")
    assert model["design"] == "~ group + batch" and "too few pooled QCs" in model["note"]
    model = run("corrected")
    assert model["design"] == "~ group" and model["note"] == ""
    assert main(["differential", "--abundance", str(tmp_path / "abundance.tsv"), "--annotations", str(tmp_path / "annotations.tsv"),
                 "--samples", str(tmp_path / "samples.tsv"), "--drift", str(tmp_path / "drift.tsv"), "--contrast", "x", "--case", "asn",
                 "--control", "ctrl", "--test", "t_test", "--output", str(tmp_path / "s2.tsv"), "--model", str(tmp_path / "m2.tsv")]) == 1
    assert not (tmp_path / "s2.tsv").exists()


def test_metabolite_level_table_names_its_id_column() -> None:
    runs = sheet(2, 2)
    abundance = pd.DataFrame([[1.0, 1.2, 3.0, 3.1]], columns=runs.index, index=pd.Index(["M0001"], name="metabolite_id"))
    table = differential(abundance, runs, ["a0", "a1"], ["c0", "c1"], pd.Series({"M0001": "Serine"}), "welch", id_column="metabolite_id")
    assert table.columns[0] == "metabolite_id" and table.loc[0, "name"] == "Serine"


def identical_injections(n_features: int = 40, seed: int = 2) -> pd.DataFrame:
    """log2 abundances of six injections of one extract: equal but for the rounding that normalising
    each run by its own factor leaves (areas x f / f)."""
    rng = np.random.default_rng(seed)
    areas = rng.lognormal(12, 2, n_features)
    factors = rng.uniform(0.5, 2.0, 6)
    runs = {f"{g}{i}": np.log2(areas * f / f) for (g, i), f in zip([(g, i) for g in "ac" for i in range(3)], factors)}
    return pd.DataFrame(runs, index=[f"F{k}" for k in range(n_features)])


@pytest.mark.parametrize("test", ["moderated_t", "ols", "welch", "mann_whitney"])
def test_six_identical_injections_change_nothing(test: str) -> None:
    abundance = identical_injections()
    spread = (abundance.max(axis=1) - abundance.min(axis=1)).max()
    assert 0 < spread < 1e-12  # rounding noise, not zero
    table = differential(abundance, sheet(3, 3), ["a0", "a1", "a2"], ["c0", "c1", "c2"], pd.Series(dtype=str), test)
    assert (table["pvalue"] == 1).all() and (table["qvalue"] == 1).all() and (table["log2fc"] == 0).all()
    assert (table["test"] == "not tested: constant").all()


def test_constant_features_stay_out_of_the_prior_and_the_bh_family() -> None:
    rng = np.random.default_rng(4)
    varied = pd.DataFrame(rng.normal(15, 0.3, (30, 6)), columns=["a0", "a1", "a2", "c0", "c1", "c2"], index=[f"V{k}" for k in range(30)])
    varied.iloc[0, :3] -= 2.0
    constant = identical_injections(30).set_axis(varied.columns, axis=1)
    alone = differential(varied, sheet(3, 3), ["a0", "a1", "a2"], ["c0", "c1", "c2"], pd.Series(dtype=str), "moderated_t")
    mixed = differential(pd.concat([varied, constant]), sheet(3, 3), ["a0", "a1", "a2"], ["c0", "c1", "c2"], pd.Series(dtype=str), "moderated_t")
    tested = mixed[mixed["test"] == "moderated_t"].reset_index(drop=True)
    pd.testing.assert_frame_equal(tested, alone)
    assert tested.loc[0, "feature_id"] == "V0" and tested.loc[0, "qvalue"] < 0.05
