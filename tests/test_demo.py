"""The embedded demo study end to end: the biology, false calls, QC drift, exports and the report in a browser."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest
from gcmsflow.report.mztab import check_mztab

pytestmark = pytest.mark.e2e

FIGURES = ["tic_overlay", "ri_ladder", "qc_drift", "pca_scores", "volcano_asn_deprived_vs_control", "heatmap_asn_deprived_vs_control", "highlights"]
CATEGORIES = ["Annotation", "Differential abundance", "Features", "Methods and summary", "Quality control", "Retention index"]


def table(workdir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(workdir / "results" / name, sep="\t", keep_default_na=False, na_values=[""])


def test_asparagine_falls_and_unchanged_metabolites_are_rarely_called(demo: tuple[Path, list[str]], demo_run: Path) -> None:
    stats = table(demo_run, "stats/asn_deprived_vs_control.tsv")
    asparagine = stats[stats["name"].str.lower().str.startswith("asparagine")]
    assert len(asparagine) == 1 and asparagine["log2fc"].item() <= -2 and asparagine["qvalue"].item() < 0.05
    truth = pd.read_csv(demo[0] / "truth" / "compounds.tsv", sep="\t")
    unchanged = set(truth.loc[truth["log2fc"] == 0, "name"])
    tested = stats[stats["name"].isin(unchanged) & stats["pvalue"].notna()]
    assert len(tested) >= 10
    called = stats[stats["qvalue"] < 0.05]
    false = called["name"].isin(unchanged).sum()
    assert false / len(called) <= 0.10  # false discovery proportion among the changes called (issue 16: <= 0.10)


def test_drift_correction_lowers_qc_rsd_and_the_summary_says_so(demo_run: Path) -> None:
    precision = table(demo_run, "qc/qc_precision.tsv").set_index("stage")["median_qc_rsd_percent"]
    assert precision["drift_corrected"] < precision["raw"]
    summary = (demo_run / "results" / "summary.html").read_text()
    assert f"{precision['raw']:.1f} % raw, {precision['drift_corrected']:.1f} % after drift correction" in summary
    assert "Asparagine, 3TMS" in summary and "moderated t test" in summary


def test_ladder_qc_is_complete_and_in_the_summary(demo_run: Path) -> None:
    qc = table(demo_run, "ri/ladder_qc.tsv")
    assert qc["carbon"].tolist() == list(range(10, 33)) and (qc["status"] == "found").all()
    assert qc["residual_ri"].abs().max() < 2.0  # the simulated ladder is piecewise linear to within noise
    summary = (demo_run / "results" / "summary.html").read_text()
    assert "Retention index calibration" in summary and "23 of 23" in summary


def test_exports_are_well_formed(demo: tuple[Path, list[str]], demo_run: Path) -> None:
    assert check_mztab((demo_run / "results" / "export" / "study.mztab").read_text()) == []
    record = json.loads((demo_run / "results" / "provenance.json").read_text())
    sheet = pd.read_csv(demo[0] / "samples.tsv", sep="\t")
    assert {f"run {s}" for s in sheet["sample"]} | {"library", "sample sheet"} == set(record["inputs"])
    assert all(len(entry["sha256"]) == 64 for entry in record["inputs"].values())
    for name in FIGURES:
        assert (demo_run / "results" / "plots" / f"{name}.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.browser
def test_report_renders_in_headless_chromium(demo_run: Path, tmp_path: Path) -> None:
    report = (demo_run / "results" / "report.html").resolve().as_uri()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", report], capture_output=True, text=True, timeout=120, check=True).stdout
    shot = tmp_path / "report.png"
    subprocess.run(["chromium", *flags, "--window-size=1400,1000", f"--screenshot={shot}", report], capture_output=True, timeout=120, check=True)

    # what the browser rendered (scripts and styles removed): the menu of categories and the methods text
    rendered = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rendered))
    assert "Loading Snakemake Report" not in text.split("Snakemake Report General")[-1]
    for category in CATEGORIES:
        assert category in text, category
    assert "van den Dool" in text

    # every figure is in the page as a PNG with its caption
    for name in FIGURES:
        match = re.search(rf'"results/plots/{name}\.png": \{{.*?"caption": "(.*?)", "mime_type".*?"data_uri": "data:image/png;[^"]*?base64,([^"]+)"', dom, flags=re.S)
        assert match, name
        assert len(match.group(1)) > 50 and base64.b64decode(match.group(2))[:8] == b"\x89PNG\r\n\x1a\n", name

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 900 and pixels[..., :3].std() > 0.05
