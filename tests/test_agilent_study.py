"""A whole study on the real Agilent .D run of ../shared/data and runs made from it (a link, a copy, JCAMP-DX
exports in the XYDATA and the NTUPLES layout), through to provenance and the summary page."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, snakemake
from gcmsflow.core.scancube import load_cube
from gcmsflow.io.agilent import read_agilent
from gcmsflow.report.provenance import sha256_of_file
from rawfiles import ntuples_text, write_text, xydata_text

pytestmark = [pytest.mark.e2e, pytest.mark.shared_data]

AGILENT = SHARED_DATA / "gcms" / "agilent" / "GC01_0812_066.D"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five injections of one real run: the .D folder, a symlink to it (a space in its name), a copy
    of the folder, and JCAMP-DX exports of it in the XYDATA and the NTUPLES layout."""
    root = tmp_path_factory.mktemp("agilent study")
    (root / "raw").mkdir()
    os.symlink(AGILENT, root / "raw" / "linked run.D")
    shutil.copytree(AGILENT, root / "raw" / "copy.D")
    scans = read_agilent(AGILENT)
    write_text(root / "raw" / "export.jdx", xydata_text(scans, "GC01_0812_066 exported"))
    write_text(root / "raw" / "ntuples.jdx", ntuples_text(scans, "GC01_0812_066 NTUPLES"))
    rows = [("orig", str(AGILENT), "A"), ("linked", "raw/linked run.D", "A"), ("ntuples", "raw/ntuples.jdx", "A"), ("copy", "raw/copy.D", "B"),
            ("export", "raw/export.jdx", "B")]
    sheet = pd.DataFrame(rows, columns=["sample", "file", "group"]).assign(type="sample", batch=1, injection_order=range(1, 6))
    sheet.to_csv(root / "samples.tsv", sep="\t", index=False)
    (root / "config.yaml").write_text(
        "contrasts:\n  - name: a_vs_b\n    case: A\n    control: B\ninternal_standard: null\n"
        "import:\n  mz_max: 300\n"  # a VOC run: 2.5 % of its signal lies above m/z 300
        "normalize:\n  methods: [pqn]\nplots:\n  highlight: []\ntracing:\n  tracer: null\n"
    )
    return root


@pytest.fixture(scope="module")
def run(study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("agilent run")
    result = snakemake(
        workdir, "--configfile", str(study / "config.yaml"),
        "--config", f"samples={study / 'samples.tsv'}", f"library={SHARED_DATA / 'library' / 'massbank_gc_ei.msp'}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_all_five_injections_import_as_one_run(run: Path) -> None:
    cubes = [load_cube(run / "results" / "import" / f"{s}.npz") for s in ("orig", "linked", "copy", "export", "ntuples")]
    assert cubes[0].times_s.size == 9865
    for cube in cubes[1:]:
        assert np.array_equal(cube.times_s, cubes[0].times_s) and np.array_equal(cube.intensity, cubes[0].intensity)
    assert cubes[-1].metadata["format"] == "jcamp" and cubes[0].metadata["format"] == "agilent"


def test_provenance_hashes_folders_links_and_files(run: Path, study: Path) -> None:
    inputs = json.loads((run / "results" / "provenance.json").read_text())["inputs"]
    folders = [inputs[f"run {s}"] for s in ("orig", "linked", "copy")]
    assert all(f["kind"] == "folder" and f["files"] == 6 for f in folders)
    assert len({f["sha256"] for f in folders}) == 1, "a link and a copy of one folder hash as that folder"
    assert inputs["run export"]["sha256"] == sha256_of_file(study / "raw" / "export.jdx") and "kind" not in inputs["run export"]
    assert inputs["run ntuples"]["sha256"] == sha256_of_file(study / "raw" / "ntuples.jdx")
    assert (run / "results" / "summary.html").stat().st_size > 1000


def test_identical_injections_change_nothing_and_no_name_is_claimed_at_rate_zero(run: Path) -> None:
    stats = pd.read_csv(run / "results" / "stats" / "a_vs_b.tsv", sep="\t")
    assert len(stats) > 100 and (stats["qvalue"] >= 0.05).all() and (stats["test"] == "not tested: constant").mean() > 0.95
    confidence = pd.read_csv(run / "results" / "annotation" / "confidence.tsv", sep="\t")
    assert (confidence["qvalue"].dropna() > 0).all() and confidence["accepted_by"].isin(["target_decoy", "strict_score"]).all()
    assert "<h3>Identification</h3>" in (run / "results" / "summary.html").read_text()
