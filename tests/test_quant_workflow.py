"""Quantification end to end: a simulated calibration series and a labelled standard per analyte through the workflow, against the truth."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import BIN, snakemake
from gcmsflow.demo.calibration import STANDARDS, standard_shifts

pytestmark = pytest.mark.e2e
SHIFTS = json.dumps(standard_shifts())
ANALYTES = {"asparagine", "aspartate", "glutamine", "glutamate", "serine"}


def config_file(study: Path, folder: Path, standards: Path | None = None, sheet: Path | None = None) -> Path:
    path = folder / "quant.yaml"
    path.write_text(
        f"samples: {sheet or study / 'samples.tsv'}\nlibrary: {study / 'library.msp'}\n"
        f"quantification:\n  standards: {standards or study / 'standards.tsv'}\n  internal_standards: {SHIFTS}\n"
    )
    return path


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gcmsflow.demo.simulate import Design, simulate_study

    out = tmp_path_factory.mktemp("calibrated_study")
    simulate_study(out, Design(per_group=3, qc_every=2), calibration=True)
    return out


@pytest.fixture(scope="module")
def quant_run(calibrated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("quant_run")
    result = snakemake(workdir, "--configfile", str(config_file(calibrated, workdir)), "--until", "quant_plots")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def results(workdir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(workdir / "results" / "quant" / name, sep="\t")


def against_truth(quant_run: Path, calibrated: Path) -> pd.DataFrame:
    truth = pd.read_csv(calibrated / "truth" / "concentrations.tsv", sep="\t")
    found = results(quant_run, "concentrations.tsv").merge(truth, on=["sample", "analyte"])
    found["error"] = found["concentration"] / found["nmol"] - 1.0
    return found


def test_concentrations_recover_the_truth(quant_run: Path, calibrated: Path) -> None:
    found = against_truth(quant_run, calibrated)
    in_range = found[(found["flag"] == "ok") & found["type"].isin(["sample", "qc"])]
    median = in_range.groupby("analyte")["error"].apply(lambda e: float(np.median(np.abs(e))))
    counts = in_range.groupby("analyte").size()
    assert set(median.index) == ANALYTES and (counts >= 8).all(), counts.to_dict()
    # each analyte's labelled standard co-elutes: the ratio cancels injection, drift and analytical noise
    assert (median <= 0.10).all(), median.to_dict()
    biomass = results(quant_run, "concentrations_per_biomass.tsv").merge(pd.read_csv(calibrated / "truth" / "concentrations.tsv", sep="\t"))
    assert (biomass["unit"] == "nmol_per_million_cells").all() and set(biomass["type"]) == {"sample"}
    ok = biomass[biomass["flag"] == "ok"]
    per_cells = ok.groupby("analyte").apply(lambda g: float(np.median(np.abs(g["concentration"] / g["nmol_per_million_cells"] - 1))), include_groups=False)
    assert set(per_cells.index) == ANALYTES and (per_cells <= 0.10).all(), per_cells.to_dict()


def test_flags_follow_the_limits(quant_run: Path, calibrated: Path) -> None:
    found = against_truth(quant_run, calibrated)
    limits = results(quant_run, "calibration.tsv").set_index("analyte")
    assert set(found.loc[found["nmol"] == 0, "flag"]) <= {"not_detected", "below_lod"} and (found["nmol"] == 0).sum() >= 15
    lower = found["analyte"].map(np.fmax(limits["loq"], limits["range_low"]))
    assert not found.loc[found["nmol"] > 2 * lower, "flag"].isin(["not_detected", "below_lod", "below_loq"]).any()
    ok = found[found["flag"] == "ok"]
    assert (ok["nmol"] >= 0.75 * ok["analyte"].map(limits["range_low"])).all() and (ok["nmol"] <= 1.25 * ok["analyte"].map(limits["range_high"])).all()


def test_fits_match_polyfit_and_wls_on_the_calibrant_points(quant_run: Path) -> None:
    calibration = results(quant_run, "calibration.tsv").set_index("analyte")
    levels = results(quant_run, "calibration_levels.tsv")
    assert (calibration["n_levels"] >= 6).all() and (calibration["fit"] == "linear").all() and (calibration["weighting"] == "1/x").all()
    assert set(calibration.index) == ANALYTES and all(calibration.at[a, "internal_standard"] == STANDARDS[a].name for a in ANALYTES)
    assert (calibration["r2"] > 0.995).all(), calibration["r2"].to_dict()
    for analyte, points in levels.groupby("analyte"):
        x, y = points["concentration"].to_numpy(float), points["response"].to_numpy(float)
        slope, intercept = np.polyfit(x, y, 1, w=np.sqrt(1.0 / x))
        wls = sm.WLS(y, sm.add_constant(x), weights=1.0 / x).fit()
        got = calibration.loc[analyte, ["slope", "intercept"]].to_numpy(float)
        np.testing.assert_allclose(got, [slope, intercept], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(got, wls.params[::-1], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(calibration.at[analyte, "r2"], wls.rsquared, rtol=1e-6)


def test_groups_differ_in_asparagine_and_figures_exist(quant_run: Path) -> None:
    tests = results(quant_run, "group_tests.tsv").set_index("analyte")
    assert tests.at["asparagine", "difference"] < 0 and tests.at["asparagine", "pvalue"] < 0.05 and (tests["test"] == "welch").all()
    for name in ("calibration", "concentrations"):
        assert (quant_run / "results" / "plots" / f"{name}.png").stat().st_size > 5000


def test_bad_standards_and_sheet_stop_before_any_job(calibrated: Path, tmp_path: Path) -> None:
    standards = pd.read_csv(calibrated / "standards.tsv", sep="\t")
    missing = tmp_path / "missing_level.tsv"
    standards.assign(level=standards["level"].replace(7, 8)).to_csv(missing, sep="\t", index=False)
    result = snakemake(tmp_path, "--configfile", str(config_file(calibrated, tmp_path, standards=missing)))
    row = int(np.flatnonzero(standards["level"].to_numpy() == 7)[0]) + 1
    assert result.returncode != 0 and f"missing_level.tsv: row {row}, column 'level': level '8' of asparagine has no calibrant run" in result.stderr
    sheet = pd.read_csv(calibrated / "samples.tsv", sep="\t")
    no_level = tmp_path / "no_level.tsv"
    sheet.assign(level=sheet["level"].where(sheet["sample"] != "cal03")).to_csv(no_level, sep="\t", index=False)
    (tmp_path / "raw").symlink_to(calibrated / "raw")
    result = snakemake(tmp_path, "--configfile", str(config_file(calibrated, tmp_path, sheet=no_level)))
    row = int(np.flatnonzero(sheet["sample"].to_numpy() == "cal03")[0]) + 1
    assert result.returncode != 0 and f"no_level.tsv: row {row}, column 'level': a calibrant needs a calibration level" in result.stderr
    assert not (tmp_path / "results").exists()


def test_an_analyte_never_found_is_one_line_and_no_output(quant_run: Path, calibrated: Path, tmp_path: Path) -> None:
    standards = pd.read_csv(calibrated / "standards.tsv", sep="\t")
    unknown = tmp_path / "unknown.tsv"
    standards.assign(analyte=standards["analyte"].replace("serine", "taurine")).to_csv(unknown, sep="\t", index=False)
    run = quant_run / "results"
    sheet = pd.read_csv(calibrated / "samples.tsv", sep="\t")
    cubes = [str(run / "import" / f"{s}.npz") for s in sheet.loc[sheet["type"] != "alkane", "sample"]]
    outputs = {flag: str(tmp_path / f"{flag}.tsv") for flag in ("calibration", "levels", "concentrations", "biomass", "consumption", "tests", "responses")}
    command = [str(BIN / "gcmsflow"), "quantify", "--samples", str(calibrated / "samples.tsv"), "--table", str(run / "features" / "feature_table.tsv"),
               "--members", str(run / "features" / "members.tsv"), "--annotations", str(run / "annotation" / "annotations.tsv"),
               "--hits", str(run / "annotation" / "hits.tsv"), "--cubes", *cubes, "--options", json.dumps({"standards": str(unknown), "internal_standards": standard_shifts()})]
    for flag, path in outputs.items():
        command += [f"--{flag}", path]
    result = subprocess.run(command, capture_output=True, text=True)
    row = int(np.flatnonzero(standards["analyte"].to_numpy() == "serine")[0]) + 1
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert f"unknown.tsv: row {row}, column 'analyte': taurine matches no annotated feature" in result.stderr
    assert not any(Path(p).exists() for p in outputs.values())
