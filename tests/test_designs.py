"""Study designs: formula checks with one-line errors, contrasts and group means, fits against independent computations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gcmsflow.cli import main
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.stats.blocks import duplicate_correlation
from gcmsflow.stats.design_matrix import DesignSpec, build_design, check_designs
from gcmsflow.stats.design_tests import F_COLUMNS, fit_design
from gcmsflow.stats.differential import STATS_COLUMNS, moderated_t_test
from gcmsflow.stats.ebayes import fit_f_dist, fit_f_dist_robustly, moderated_f


def runs(per_cell: int = 3) -> pd.DataFrame:
    rows = [(g, t, d) for g in ("scr", "KD") for t in ("control", "asn_deprived") for d in range(per_cell)]
    frame = pd.DataFrame(rows, columns=["genotype", "group", "replicate"])
    frame.index = [f"s{i:02d}" for i in range(len(frame))]
    frame["type"] = "sample"
    frame["dose"] = [0.0, 1.0, 5.0] * (len(frame) // 3)
    frame["passage"] = [f"p{i % 3}" for i in range(len(frame))]
    return frame


FACTORIAL = {"name": "f", "formula": "~ genotype * group", "levels": {"group": ["control", "asn_deprived"]}, "reference": {"genotype": "scr"},
             "contrasts": {"interaction": "genotype[T.KD]:group[T.asn_deprived]"}, "ftests": {"any": ["genotype[T.KD]", "interaction"]}}


def test_coefficients_named_as_formulaic_with_reference_levels() -> None:
    design = build_design(DesignSpec(**FACTORIAL), runs())
    assert design.coefficients == ["Intercept", "genotype[T.KD]", "group[T.asn_deprived]", "genotype[T.KD]:group[T.asn_deprived]"]
    assert design.contrasts["interaction"].tolist() == [0, 0, 0, 1]
    assert design.ftests["any"].shape == (4, 2)


def test_group_means_are_design_rows() -> None:
    spec = DesignSpec(**{**FACTORIAL, "contrasts": {"kd_in_deprived": "{genotype: KD, group: asn_deprived} - {genotype: scr, group: asn_deprived}",
                                                    "half": "0.5*genotype[T.KD] - 0.5 group[T.asn_deprived]"}, "ftests": {}})
    design = build_design(spec, runs())
    assert design.contrasts["kd_in_deprived"].tolist() == [0, 1, 0, 1]
    assert design.contrasts["half"].tolist() == [0, 0.5, -0.5, 0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"formula": "~ genotype * strain"}, "formula names column 'strain', which is not in the sample sheet"),
        ({"contrasts": {"x": "genotype[T.XX]"}}, "contrast 'x': unknown coefficient 'genotype[T.XX]'"),
        ({"formula": "~ genotype + group + replicate_group"}, "not of full rank"),
        ({"formula": "~ genotype * group * C(replicate)"}, "no residual degrees of freedom"),
        ({"levels": {"group": ["control"]}}, "not among its declared levels"),
        ({"contrasts": {"model": "genotype[T.KD]"}}, "reserved"),
    ],
)
def test_bad_designs_fail_in_one_line(change: dict, message: str) -> None:
    sheet = runs().assign(replicate_group=lambda f: f["genotype"])
    with pytest.raises(GcmsflowError, match=message.replace("[", r"\[").replace("]", r"\]").replace("*", r"\*")) as err:
        check_designs(sheet, [{**FACTORIAL, **change}])
    assert "\n" not in str(err.value) and "design 'f'" in str(err.value)


def simulated(design_matrix: np.ndarray, seed: int = 3, n: int = 200) -> np.ndarray:
    rng = np.random.default_rng(seed)
    beta = rng.normal(0, 1, (n, design_matrix.shape[1]))
    return beta @ design_matrix.T + rng.normal(0, 1, (n, len(design_matrix))) * np.sqrt(0.1 * 3 / rng.chisquare(3, n))[:, None]


def test_two_group_design_matches_the_case_control_moderated_t() -> None:
    sheet = runs()
    design = build_design(DesignSpec(name="g", formula="~ group", levels={"group": ["control", "asn_deprived"]}, contrasts={"deprived": "group[T.asn_deprived]"}), sheet)
    y = simulated(design.matrix)
    values = pd.DataFrame(y, index=[f"f{i}" for i in range(len(y))], columns=design.samples)
    ours = fit_design(values, pd.Series(dtype=str), design).contrasts["deprived"].set_index("feature_id").loc[values.index]
    case = (sheet["group"] == "asn_deprived").to_numpy()
    reordered = np.hstack([y[:, case], y[:, ~case]])
    x = np.column_stack([np.ones(len(sheet)), np.r_[np.ones(case.sum()), np.zeros((~case).sum())]])
    reference = moderated_t_test(reordered, x, np.full(len(y), case.sum()), np.full(len(y), (~case).sum()))
    assert np.allclose(ours["log2fc"], reference["log2fc"]) and np.allclose(ours["pvalue"], reference["pvalue"], rtol=1e-9)
    assert (ours["n_case"] == 6).all() and (ours["n_control"] == 6).all()


def test_tables_have_the_contract_columns_and_f_is_t_squared_for_one_contrast() -> None:
    design = build_design(DesignSpec(**{**FACTORIAL, "ftests": {"one": ["interaction"]}}), runs())
    values = pd.DataFrame(simulated(design.matrix), columns=design.samples).rename(index=lambda i: f"f{i:03d}")
    result = fit_design(values, pd.Series({"f000": "asparagine"}), design)
    table, ftable = result.contrasts["interaction"], result.ftests["one"]
    assert table.columns.tolist() == STATS_COLUMNS and ftable.columns.tolist() == ["feature_id", "name", *F_COLUMNS]
    merged = table.merge(ftable, on="feature_id")
    assert np.allclose(merged["pvalue_x"], merged["pvalue_y"]) and (merged["df1"] == 1).all()
    assert table.loc[table["feature_id"] == "f000", "name"].item() == "asparagine"


def test_block_correlation_recovers_simulated_pairing() -> None:
    sheet = runs(per_cell=6)
    design = build_design(DesignSpec(name="p", formula="~ group", contrasts={"g": "group[T.control]"}, block="passage"), sheet)
    rng = np.random.default_rng(1)
    blocks = np.searchsorted(np.unique(design.blocks), design.blocks)
    y = rng.normal(0, 1, (300, len(sheet))) + rng.normal(0, 1, (300, 3))[:, blocks]  # true correlation 0.5
    consensus, rho = duplicate_correlation(y, design.matrix, design.blocks)
    assert 0.35 < consensus < 0.65 and np.isfinite(rho).all()
    fixed = build_design(DesignSpec(name="p", formula="~ group", contrasts={"g": "group[T.control]"}, block="passage", block_as_fixed=True), sheet)
    assert fixed.blocks is None and fixed.coefficients[-2:] == ["passage[T.p1]", "passage[T.p2]"]


def test_robust_prior_flags_outlying_variances_only() -> None:
    rng = np.random.default_rng(7)
    s2 = 0.2 * 20 / rng.chisquare(20, 500) * rng.chisquare(5, 500) / 5
    s2[:5] *= 30
    scale, d0 = fit_f_dist(s2, np.full(500, 5.0))
    robust_scale, robust_d0, shrunk = fit_f_dist_robustly(s2, np.full(500, 5.0))
    assert robust_d0 >= d0 and shrunk[:5].max() < 0.5 * np.median(shrunk[5:]) and np.median(shrunk[5:]) == pytest.approx(robust_d0)


def test_moderated_f_of_orthogonal_t_is_their_mean_square() -> None:
    t = np.array([[1.0, 2.0], [3.0, -1.0]])
    fstat, df1, p = moderated_f(t, np.eye(2), np.array([10.0, np.inf]))
    assert df1 == 2 and np.allclose(fstat, [2.5, 5.0]) and 0 < p[1] < p[0] < 1


def test_cli_writes_design_outputs(tmp_path: Path) -> None:
    sheet = runs().drop(columns="replicate").assign(sample=lambda f: f.index, file="x.cdf", batch="1", injection_order=range(1, 13))
    sheet.to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    design = build_design(DesignSpec(**FACTORIAL), sheet.set_index("sample", drop=False))
    values = pd.DataFrame(simulated(design.matrix, n=40), columns=design.samples).rename(index=lambda i: f"f{i:03d}")
    values.reset_index(names="feature_id").to_csv(tmp_path / "abundance.tsv", sep="\t", index=False)
    pd.DataFrame({"feature_id": values.index, "name": ""}).to_csv(tmp_path / "annotations.tsv", sep="\t", index=False)
    args = ["--abundance", str(tmp_path / "abundance.tsv"), "--annotations", str(tmp_path / "annotations.tsv"), "--samples", str(tmp_path / "samples.tsv")]
    assert main(["design", *args, "--outdir", str(tmp_path / "out"), "--design", json.dumps(FACTORIAL)]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["design_matrix.tsv", "ftest_any.tsv", "interaction.tsv", "model.tsv"]
    bad = {**FACTORIAL, "contrasts": {"x": "nonsense"}}
    assert main(["design", *args, "--outdir", str(tmp_path / "bad"), "--design", json.dumps(bad)]) == 1
    assert not (tmp_path / "bad").exists()


def test_trend_plot_along_dose_split_by_genotype(tmp_path: Path) -> None:
    from gcmsflow.report.design_plots import design_matrix_plot, trend_plot, trend_variable
    from gcmsflow.stats.design_tests import design_matrix_table

    sheet = runs()
    design = build_design(DesignSpec(name="d", formula="~ dose + genotype", contrasts={"dose": "dose"}), sheet)
    assert trend_variable(design) == ("dose", "genotype")
    values = pd.DataFrame(simulated(design.matrix, n=10), columns=design.samples).rename(index=lambda i: f"f{i:03d}")
    result = fit_design(values, pd.Series(dtype=str), design)
    named = pd.DataFrame({"feature_id": values.index, "name": ["asparagine"] + [None] * 9})
    trend_plot(values, result.contrasts["dose"], named, design, sheet, ["asparagine"], tmp_path / "trends.png")
    design_matrix_plot(design_matrix_table(design), tmp_path / "design_matrix.png")
    assert (tmp_path / "trends.png").stat().st_size > 5000 and (tmp_path / "design_matrix.svg").exists()
