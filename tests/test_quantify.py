"""Calibration curves against numpy.polyfit and statsmodels WLS; standards, sheet and unit checks; flags, biomass, medium, tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.core.samplesheet import load_sheet
from gcmsflow.quantify.concentrations import biomass_table, calibrate, concentrations, consumption, group_tests, reported
from gcmsflow.quantify.curves import detection_limits, fit_curve, weights_of
from gcmsflow.quantify.standards import QuantParams, check_levels, load_standards, match_features

X = np.array([1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0])
RNG = np.random.default_rng(7)
Y = 3.0 + 2.5 * X - 0.004 * X**2 + RNG.normal(0, 0.05, X.size) * X


@pytest.mark.parametrize("weighting", ["none", "1/x", "1/x2"])
@pytest.mark.parametrize(("fit", "degree"), [("linear", 1), ("quadratic", 2)])
def test_fits_match_polyfit_and_wls(fit: str, degree: int, weighting: str) -> None:
    curve = fit_curve(X, Y, fit, weighting)
    w = weights_of(X, weighting)
    poly = np.polyfit(X, Y, degree, w=np.sqrt(w))  # polyfit weights multiply the residuals
    ours = [curve.curvature, curve.slope, curve.intercept][-(degree + 1) :]
    np.testing.assert_allclose(ours, poly, rtol=1e-8)
    wls = sm.WLS(Y, sm.add_constant(np.column_stack([X, X**2][:degree])), weights=w).fit()
    np.testing.assert_allclose(curve.r2, wls.rsquared, rtol=1e-10)


def test_fit_through_zero_matches_wls_without_constant() -> None:
    y = 2.0 * X * (1 + RNG.normal(0, 0.03, X.size))
    curve = fit_curve(X, y, "linear_through_zero", "1/x")
    wls = sm.WLS(y, X[:, None], weights=1 / X).fit()
    assert curve.intercept == 0.0 and curve.curvature == 0.0
    np.testing.assert_allclose([curve.slope, curve.r2], [wls.params[0], wls.rsquared], rtol=1e-10)


def test_back_calculation_inverts_the_curve() -> None:
    for fit in ("linear", "linear_through_zero", "quadratic"):
        curve = fit_curve(X, Y, fit, "1/x")
        np.testing.assert_allclose(curve.concentration(curve.response(X)), X, rtol=1e-9)


def test_detection_limits_from_blanks() -> None:
    curve = fit_curve(X, 2.0 * X, "linear", "none")
    lod, loq, method = detection_limits(curve, np.array([0.1, 0.3, 0.2, 0.4]), "blank", 3.0, 10.0)
    blanks = np.array([0.1, 0.3, 0.2, 0.4]) / 2.0
    assert lod == pytest.approx(blanks.mean() + 3 * blanks.std(ddof=1))
    assert loq == pytest.approx(blanks.mean() + 10 * blanks.std(ddof=1))
    assert method == "blank"


def test_blanks_without_signal_give_the_curve_limits() -> None:
    x = np.array([1.0, 2.0, 5.0, 10.0, 20.0, 50.0])
    curve = fit_curve(x, 2.0 * x + np.array([0.1, -0.2, 0.15, -0.1, 0.2, -0.05]), "linear", "none")
    from_blanks = detection_limits(curve, np.full(3, np.nan), "blank", 3.0, 10.0)
    assert from_blanks == detection_limits(curve, np.array([]), "curve", 3.0, 10.0)
    assert from_blanks[2] == "curve" and 0 < from_blanks[0] < from_blanks[1]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


STANDARDS = "analyte\tlevel\tconcentration\tunit\n" + "".join(f"asparagine\t{k}\t{c}\tnmol\n" for k, c in enumerate([1, 2, 5, 10, 20, 50], 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (STANDARDS.replace("\t5\tnmol", "\t-5\tnmol"), "row 3, column 'concentration': -5 is not positive"),
        (STANDARDS.replace("\t0.5\tnmol", "").replace("\t10\tnmol", "\t10\tpmol"), "row 4, column 'unit': 'pmol' for asparagine, which row 1 gives in 'nmol'"),
        (STANDARDS.replace("asparagine\t2\t2", "asparagine\t1\t2"), "row 2, column 'level': level '1' of asparagine again"),
        (STANDARDS.replace("\t1\tnmol", "\t1\tbananas"), "row 1, column 'unit': unknown unit 'bananas'"),
        (STANDARDS.replace("\t20\tnmol", "\t\tnmol"), "row 5, column 'concentration': empty cell"),
    ],
)
def test_bad_standards_rows_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(GcmsflowError, match=f"standards.tsv: {message}") as err:
        load_standards(write(tmp_path / "standards.tsv", text), QuantParams())
    assert "\n" not in str(err.value) and str(err.value).startswith(str(tmp_path / "standards.tsv"))


def test_unknown_internal_standard_is_named(tmp_path: Path) -> None:
    text = STANDARDS.replace("unit\n", "unit\tinternal_standard\n").replace("nmol\n", "nmol\tasn-13C\n")
    with pytest.raises(GcmsflowError, match="row 1, column 'internal_standard': 'asn-13C' has no m/z shift"):
        load_standards(write(tmp_path / "standards.tsv", text), QuantParams())
    assert load_standards(tmp_path / "standards.tsv", QuantParams(internal_standards={"asn-13C": 5}))["internal_standard"].iloc[0] == "asn-13C"


SHEET = "sample\tfile\tgroup\ttype\tbatch\tinjection_order\tlevel\n"


def sheet_of(tmp_path: Path, rows: list[str]) -> Path:
    return write(tmp_path / "samples.tsv", SHEET + "".join(r + "\n" for r in rows))


def test_calibrant_without_level_is_named(tmp_path: Path) -> None:
    with pytest.raises(GcmsflowError, match="samples.tsv: row 2, column 'level': a calibrant needs a calibration level"):
        load_sheet(sheet_of(tmp_path, ["cal1\traw/c1.cdf\tcal\tcalibrant\t1\t1\t1", "cal2\traw/c2.cdf\tcal\tcalibrant\t1\t2\t"]))


def test_bad_biomass_and_matrix_are_named(tmp_path: Path) -> None:
    path = write(tmp_path / "samples.tsv", SHEET.replace("level", "cells\tmatrix") + "s1\tr.cdf\tc\tsample\t1\t1\t-3\tcells\n")
    with pytest.raises(GcmsflowError, match="row 1, column 'cells': -3 is not positive"):
        load_sheet(path)
    path.write_text(SHEET.replace("level", "cells\tmatrix") + "s1\tr.cdf\tc\tsample\t1\t1\t3\tblood\n")
    with pytest.raises(GcmsflowError, match="row 1, column 'matrix': unknown matrix 'blood'"):
        load_sheet(path)


def test_levels_missing_from_the_sheet_and_unknown_levels_are_named(tmp_path: Path) -> None:
    standards = load_standards(write(tmp_path / "standards.tsv", STANDARDS), QuantParams())
    rows = [f"cal{k}\traw/c{k}.cdf\tcal\tcalibrant\t1\t{k}\t{k}" for k in range(1, 6)]
    with pytest.raises(GcmsflowError, match="standards.tsv: row 6, column 'level': level '6' of asparagine has no calibrant run"):
        check_levels(standards, load_sheet(sheet_of(tmp_path, rows)), tmp_path / "standards.tsv", tmp_path / "samples.tsv")
    rows += ["cal6\traw/c6.cdf\tcal\tcalibrant\t1\t6\t6", "cal7\traw/c7.cdf\tcal\tcalibrant\t1\t7\t7.0"]
    with pytest.raises(GcmsflowError, match="samples.tsv: row 7, column 'level': level '7' of calibrant cal7 is not in the standards"):
        check_levels(standards, load_sheet(sheet_of(tmp_path, rows)), tmp_path / "standards.tsv", tmp_path / "samples.tsv")


def test_analytes_match_by_inchikey_block_then_name(tmp_path: Path) -> None:
    text = "analyte\tinchikey\tlevel\tconcentration\tunit\n" + "".join(
        f"{a}\t{k}\t{lv}\t{lv}\tnmol\n" for a, k in (("asparagine", "DCXYFEDJOCDNAF-REOHCLBHSA-N"), ("serine", "")) for lv in (1, 2)
    )
    standards = load_standards(write(tmp_path / "standards.tsv", text), QuantParams())
    annotations = pd.DataFrame({"feature_id": ["F1", "F2", "F3", "F4"], "name": ["Asn x", "Serine, 2TMS", "Serine, 3TMS", "Glycine, 3TMS"],
                                "inchikey": ["DCXYFEDJOCDNAF-UHFFFAOYSA-N", "", "", ""]})
    areas = pd.DataFrame({"a": [1.0, 10.0, 100.0, 5.0]}, index=["F1", "F2", "F3", "F4"])
    assert match_features(standards, annotations, areas, "standards.tsv") == {"asparagine": ("F1", "annotation"), "serine": ("F3", "annotation")}
    without_serine = annotations.iloc[[0, 3]]
    with pytest.raises(GcmsflowError, match="row 3, column 'analyte': serine matches no annotated feature"):
        match_features(standards, without_serine, areas, "standards.tsv")
    hits = pd.concat([annotations, annotations.iloc[[1]].assign(feature_id="F5")]).assign(reverse_score=[0.99, 0.95, 0.5, 0.9, 0.97], score=[0.9, 0.7, 0.9, 0.9, 0.1])
    assert match_features(standards, without_serine, areas, "standards.tsv", hits, 0.9)["serine"] == ("F2", "reverse_hit")


def test_the_standards_derivative_picks_the_form(tmp_path: Path) -> None:
    text = "analyte\tlevel\tconcentration\tunit\tderivative\n" + "".join(f"serine\t{lv}\t{lv}\tnmol\t2tms\n" for lv in (1, 2))
    standards = load_standards(write(tmp_path / "standards.tsv", text), QuantParams())
    annotations = pd.DataFrame({"feature_id": ["F2", "F3"], "name": ["Serine, 2TMS", "Serine, 3TMS"]})
    areas = pd.DataFrame({"a": [10.0, 100.0]}, index=["F2", "F3"])
    assert match_features(standards, annotations, areas, "standards.tsv") == {"serine": ("F2", "annotation")}  # not the larger 3TMS
    assert match_features(standards.assign(derivative=""), annotations, areas, "standards.tsv") == {"serine": ("F3", "annotation")}
    with pytest.raises(GcmsflowError, match=r"standards.tsv: row 1, column 'analyte': serine matches no annotated feature .* \(by name, derivative 2tms\)"):
        match_features(standards, annotations.iloc[[1]], areas, "standards.tsv")


def study(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A sheet with 6 calibrants, 3 blanks, cells of two groups and spent/fresh medium; responses = 4 x nmol."""
    levels = [1, 2, 5, 10, 20, 50]
    rows = [f"cal{k}\tc{k}.cdf\tcal\tcalibrant\t1\t{k}\t{k}\t\t\t" for k in range(1, 7)]
    rows += [f"blank{k}\tb{k}.cdf\tblank\tblank\t1\t{6 + k}\t\t\t\t" for k in range(1, 4)]
    rows += [f"{g}{k}\t{g}{k}.cdf\t{g}\tsample\t1\t{10 + k + (3 if g == 'asn' else 0)}\t\t2000000\t\tcells" for g in ("ctrl", "asn") for k in range(1, 4)]
    rows += [f"med{g}{k}\tm{g}{k}.cdf\t{g}\tsample\t1\t{20 + k}\t\t\t50\tmedium" for g in ("ctrl",) for k in range(1, 3)]
    rows += ["fresh1\tf1.cdf\tctrl\tmedium_blank\t1\t30\t\t\t50\t"]
    path = write(tmp_path / "samples.tsv", SHEET.replace("level", "level\tcells\tvolume_ul\tmatrix") + "".join(r + "\n" for r in rows))
    sheet = load_sheet(path)
    truth = dict(zip([f"cal{k}" for k in range(1, 7)], levels))
    truth |= {"blank1": 0.0, "blank2": 0.0, "blank3": 0.0, "ctrl1": 30.0, "ctrl2": 32.0, "ctrl3": 28.0, "asn1": 0.0, "asn2": 3.0, "asn3": 3.3}
    truth |= {"medctrl1": 5.0, "medctrl2": 6.0, "fresh1": 10.0}
    noise = {"blank1": 0.05, "blank2": -0.03, "blank3": 0.12, "asn1": 0.0}
    responses = pd.DataFrame({"sample": list(truth), "analyte": "asparagine", "feature_id": "F1", "quant_mz": 116, "apex_s": 100.0,
                              "area": [4.0 * v + noise.get(s, 0.0) for s, v in truth.items()], "is_area": np.nan})
    responses["response"] = responses["area"]
    standards = load_standards(write(tmp_path / "standards.tsv", STANDARDS), QuantParams())
    return sheet, responses, standards


def test_concentrations_flags_biomass_medium_and_tests(tmp_path: Path) -> None:
    sheet, responses, standards = study(tmp_path)
    params = QuantParams(weighting="none")
    curves, table, levels = calibrate(responses, standards, sheet, params)
    row = table.iloc[0]
    assert row["slope"] == pytest.approx(4.0) and row["n_levels"] == 6 and row["range_low"] == 1 and row["range_high"] == 50
    assert np.abs(levels["error_pct"]).max() < 1e-6
    found = concentrations(responses, curves, standards, sheet).set_index("sample")
    assert found.at["ctrl1", "concentration"] == pytest.approx(30.0) and found.at["ctrl1", "flag"] == "ok"
    assert found.at["asn1", "flag"] == "not_detected"
    assert found.at["asn2", "flag"] == "ok"
    assert set(found.loc[["blank1", "blank2", "blank3"], "flag"]) <= {"below_lod", "not_detected"}
    biomass = biomass_table(found.reset_index(), sheet, params).set_index("sample")
    assert biomass.at["ctrl1", "concentration"] == pytest.approx(15.0) and biomass.at["ctrl1", "unit"] == "nmol_per_million_cells"
    assert biomass.at["medctrl1", "concentration"] == pytest.approx(100.0) and biomass.at["medctrl1", "unit"] == "uM"
    values = reported(found.reset_index(), biomass.reset_index(), sheet)
    spent = consumption(values, sheet).set_index("sample")
    assert spent.at["medctrl1", "consumption"] == pytest.approx(100.0) and spent.at["medctrl2", "release"] == pytest.approx(-80.0)
    tests = group_tests(values, [{"name": "asn_vs_ctrl", "case": "asn", "control": "ctrl"}])
    cells = tests[tests["matrix"] == "cells"].iloc[0]
    assert cells["n_case"] == 2 and cells["n_control"] == 3 and cells["test"] == "welch" and cells["pvalue"] < 0.01
    assert cells["difference"] == pytest.approx(np.mean([1.5, 1.65]) - 15.0)
