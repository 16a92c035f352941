"""The Snakemake DAG end to end on a small simulated study, checked against its truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import snakemake

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def run(small_run: Path) -> Path:
    return small_run


def table(workdir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(workdir / "results" / name, sep="\t", keep_default_na=False, na_values=[""])


def test_contract_columns(run: Path, small_study: Path) -> None:
    samples = pd.read_csv(small_study / "samples.tsv", sep="\t")
    features = table(run, "features/feature_table.tsv")
    study = samples.loc[samples["type"] != "alkane", "sample"].tolist()
    assert features.columns.tolist()[:5] == ["feature_id", "rt", "ri", "quant_mz", "n_detected"]
    assert sorted(features.columns[5:]) == sorted(study)
    assert table(run, "annotation/annotations.tsv").columns.tolist() == [
        "feature_id", "name", "inchikey", "library_id", "spectral_score", "reverse_score",
        "matched_peaks", "ri_library", "ri_delta", "score", "msi_level"]
    assert table(run, "stats/asn_deprived_vs_control.tsv").columns.tolist() == [
        "feature_id", "name", "log2fc", "ci_low", "ci_high", "pvalue", "qvalue", "test", "n_case", "n_control"]
    abundance = table(run, "normalized/abundance.tsv")
    assert abundance.columns[0] == "feature_id" and abundance.notna().all().all()


def test_truth_is_recovered(run: Path, small_study: Path) -> None:
    names = table(run, "annotation/annotations.tsv")["name"].str.lower()
    for metabolite in ("ribitol", "aspartate", "glutamine", "glutamate", "asparagine"):
        assert names.str.contains(metabolite).any(), metabolite
    stats = table(run, "stats/asn_deprived_vs_control.tsv")
    asparagine = stats[stats["name"].str.lower().str.contains("asparagine")]
    assert len(asparagine) == 1
    assert asparagine["log2fc"].item() <= -2 and asparagine["qvalue"].item() < 0.05
    truth = pd.read_csv(small_study / "truth" / "compounds.tsv", sep="\t")
    features = table(run, "features/feature_table.tsv")
    found = sum((features["ri"] - ri).abs().min() <= 5 for ri in truth["ri"])
    assert found / len(truth) >= 0.9


def test_report_figures_exist(run: Path) -> None:
    for name in ("tic_overlay", "ri_ladder", "pca_scores", "volcano_asn_deprived_vs_control", "highlights"):
        assert (run / "results" / "plots" / f"{name}.png").stat().st_size > 5000


def test_rerun_is_byte_identical(run: Path, small_study: Path, tmp_path: Path) -> None:
    result = snakemake(tmp_path, "--config", f"samples={small_study / 'samples.tsv'}", f"library={small_study / 'library.msp'}")
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("features/feature_table.tsv", "annotation/annotations.tsv", "normalized/abundance.tsv", "stats/asn_deprived_vs_control.tsv"):
        assert (tmp_path / "results" / name).read_bytes() == (run / "results" / name).read_bytes(), name


def test_duplicate_sample_stops_before_any_job(small_study: Path, tmp_path: Path) -> None:
    sheet = pd.read_csv(small_study / "samples.tsv", sep="\t")
    bad = pd.concat([sheet, sheet.iloc[[3]]], ignore_index=True)
    bad_sheet = small_study / "duplicated.tsv"
    bad.to_csv(bad_sheet, sep="\t", index=False)
    try:
        result = snakemake(tmp_path, "--config", f"samples={bad_sheet}", f"library={small_study / 'library.msp'}")
    finally:
        bad_sheet.unlink()
    duplicated = sheet.iloc[3]["sample"]
    assert result.returncode != 0
    assert f"row {len(bad)}, column 'sample': duplicate sample '{duplicated}'" in result.stderr
    assert not (tmp_path / "results").exists()
