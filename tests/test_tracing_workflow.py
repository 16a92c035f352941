"""Tracing end to end: a simulated 13C6-glucose study through the workflow recovers its isotopologue truth, and an
unlabelled study read as possibly labelled shows natural abundance removed and nothing invented."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import BIN, snakemake

pytestmark = pytest.mark.e2e

KEYS = ["sample", "metabolite", "derivative", "fragment_mz", "isotopologue"]


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])


def clean(table: pd.DataFrame) -> pd.Series:
    return (table["overlap"].fillna("") == "") & ~table["low_signal"].astype(bool)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from gcmsflow.demo.simulate import Design, simulate_study

    study = tmp_path_factory.mktemp("labelled")
    simulate_study(study, Design(per_group=3, qc_every=2, tracer="13C6-glucose"))
    overrides = study / "tracing.yaml"
    overrides.write_text("tracing:\n  tracer: 13C\n")
    workdir = tmp_path_factory.mktemp("labelled_run")
    result = snakemake(workdir, "--configfile", str(Path(__file__).resolve().parents[1] / "config" / "config.yaml"), str(overrides),
                       "--config", f"samples={study / 'samples.tsv'}", f"library={study / 'library.msp'}")
    assert result.returncode == 0, result.stderr[-3000:]
    return study, workdir


def test_labelled_fractions_match_the_truth(labelled: tuple[Path, Path]) -> None:
    study, workdir = labelled
    found = read(workdir / "results" / "tracing" / "isotopologues.tsv")
    truth = read(study / "truth" / "isotopologues.tsv")
    both = found.merge(truth, on=KEYS, validate="one_to_one")
    assert len(both) == len(found) == len(truth)  # every simulated cluster traced, 2-oxoglutarate and citrate included
    good = both[clean(both)]
    assert good["metabolite"].nunique() >= 12 and len(good) >= 0.6 * len(both)
    assert (good["fraction_corrected"] - good["fraction"]).abs().max() <= 0.02
    enrichment = read(workdir / "results" / "tracing" / "enrichment.tsv")
    assert set(enrichment["sample"]) == set(found["sample"]) and enrichment["fractional_enrichment"].max() > 0.3


def test_enrichment_is_tested_and_plotted(labelled: tuple[Path, Path]) -> None:
    _, workdir = labelled
    stats = read(workdir / "results" / "tracing" / "stats" / "asn_deprived_vs_control.tsv")
    asparagine = stats[stats["name"].str.startswith("asparagine")]
    assert not asparagine.empty and (asparagine["log2fc"].dropna() < 0).all()
    assert (workdir / "results" / "plots" / "isotopologues.png").stat().st_size > 5000


def test_unlabelled_runs_read_as_labelled_show_natural_abundance(small_study: Path, small_run: Path, tmp_path: Path) -> None:
    workdir = small_run
    sheet = pd.read_csv(small_study / "samples.tsv", sep="\t")
    cubes = [str(workdir / "results" / "import" / f"{s}.npz") for s in sheet.loc[sheet["type"].isin(["sample", "qc"]), "sample"]]
    results = workdir / "results"
    out = {name: tmp_path / f"{name}.tsv" for name in ("isotopologues", "enrichment", "matrix", "fragments")}
    command = [str(BIN / "gcmsflow"), "trace", "--samples", str(small_study / "samples.tsv"), "--table", str(results / "features" / "feature_table.tsv"),
               "--members", str(results / "features" / "members.tsv"), "--annotations", str(results / "annotation" / "annotations.tsv"),
               "--features", str(results / "features" / "features.msp"), "--cubes", *cubes, "--options", '{"tracer": "13C"}',
               *[arg for name, path in out.items() for arg in (f"--{name}", str(path))]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    enrichment = read(out["enrichment"])
    isotopologues = read(out["isotopologues"])
    good = enrichment[clean(enrichment)]
    assert good["metabolite"].nunique() >= 12
    assert good["fractional_enrichment"].abs().max() <= 0.02
    m0 = isotopologues[(isotopologues["isotopologue"] == 0) & clean(isotopologues)]
    assert m0["fraction_corrected"].min() >= 0.98
