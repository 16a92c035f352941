"""The rules as a workflow: lint- and snakefmt-clean, runnable without an activated environment, stopping early without gcmsflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, REPO

BARE_PATH = os.pathsep.join(["/usr/bin", "/bin"])  # a PATH without the venv


def tiny_study(folder: Path) -> list[str]:
    """A sample sheet whose raw files exist (empty: enough to plan and lint) and a library; the --config arguments."""
    (folder / "raw").mkdir(parents=True)
    rows = [("alk", "alkane", "alkane", 1), ("qc1", "pool", "qc", 2), ("c1", "control", "sample", 3), ("c2", "control", "sample", 4),
            ("a1", "asn_deprived", "sample", 5), ("a2", "asn_deprived", "sample", 6)]
    lines = ["sample\tfile\tgroup\ttype\tbatch\tinjection_order"]
    for sample, group, kind, order in rows:
        (folder / "raw" / f"{sample}.cdf").write_bytes(b"CDF\x01")
        lines.append(f"{sample}\traw/{sample}.cdf\t{group}\t{kind}\t1\t{order}")
    (folder / "samples.tsv").write_text("\n".join(lines) + "\n")
    (folder / "library.msp").write_text("NAME: x\nNum Peaks: 1\n73 100\n")
    return ["--config", f"samples={folder / 'samples.tsv'}", f"library={folder / 'library.msp'}"]


def snakemake(workdir: Path, *args: str, path: str = BARE_PATH, python: list[str] | None = None) -> subprocess.CompletedProcess:
    command = [*(python or [str(BIN / "snakemake")]), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), *args]
    return subprocess.run(command, env=dict(os.environ, PATH=path), capture_output=True, text=True, timeout=300)


def test_lint_is_clean(tmp_path: Path) -> None:
    result = snakemake(tmp_path, "--lint", *tiny_study(tmp_path / "study"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Lints for" not in result.stdout + result.stderr


def test_snakefmt_check_is_clean() -> None:
    files = [str(REPO / "Snakefile"), *sorted(str(p) for p in (REPO / "workflow" / "rules").glob("*.smk"))]
    result = subprocess.run([str(BIN / "snakefmt"), "--check", *files], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def test_jobs_run_gcmsflow_without_the_venv_on_path(tmp_path: Path) -> None:
    config = tiny_study(tmp_path / "study")
    planned = snakemake(tmp_path, "-n", *config)
    assert planned.returncode == 0, planned.stderr[-3000:]
    ran = snakemake(tmp_path, "--cores", "1", "results/provenance.json", *config)  # one real job: hashes the inputs
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert '"sample sheet"' in (tmp_path / "results" / "provenance.json").read_text()


@pytest.mark.skipif(shutil.which("gcmsflow", path=BARE_PATH) is not None, reason="gcmsflow is installed system-wide here")
def test_without_gcmsflow_the_workflow_stops_before_any_job(tmp_path: Path) -> None:
    elsewhere = str(tmp_path / "nowhere" / "python")  # the Python running Snakemake, as seen by the Snakefile, has no gcmsflow beside it
    python = [sys.executable, "-c", f"import sys; sys.executable = {elsewhere!r}; from snakemake.cli import main; main()"]
    result = snakemake(tmp_path, "--cores", "1", *tiny_study(tmp_path / "study"), python=python)
    assert result.returncode != 0
    assert f"gcmsflow not found beside {elsewhere} nor on PATH" in result.stderr and "make venv" in result.stderr
    assert not (tmp_path / "results").exists()


def test_the_test_config_plans(tmp_path: Path) -> None:
    """.test/config/config.yaml (what a CI job runs with --configfile) is valid and plans the whole study."""
    config = tiny_study(tmp_path / "study")
    result = snakemake(tmp_path, "-n", "--configfile", str(REPO / ".test" / "config" / "config.yaml"), *config)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "summary" in result.stdout
