"""The demo study on a real SLURM cluster through workflow/profiles/slurm, compared with a local run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import REPO, snakemake

pytestmark = [pytest.mark.slurm, pytest.mark.e2e]


def result_tables(workdir: Path) -> dict[str, bytes]:
    """Every result table by path, except the timing records in results/benchmarks/."""
    results = workdir / "results"
    tables = (path.relative_to(results) for path in sorted(results.rglob("*.tsv")))
    return {str(path): (results / path).read_bytes() for path in tables if path.parts[0] != "benchmarks"}


def test_demo_runs_as_slurm_jobs_and_matches_local_run(demo: tuple[Path, list[str]], demo_run: Path, tmp_path: Path) -> None:
    local, cluster = demo_run, tmp_path / "slurm"
    cluster_run = snakemake(cluster, "--profile", str(REPO / "workflow" / "profiles" / "slurm"), *demo[1])
    assert cluster_run.returncode == 0, cluster_run.stderr[-3000:]

    # every job left its SLURM log, named by its SLURM job id, in one folder per rule
    logs = sorted((cluster / ".snakemake" / "slurm_logs").rglob("*.log"))
    job_ids = sorted(int(path.stem) for path in logs)
    folders = {path.relative_to(cluster / ".snakemake" / "slurm_logs").parts[0] for path in logs}
    assert {"rule_chunk_0", "rule_align", "rule_annotate", "rule_differential"} <= folders
    states = subprocess.run(
        ["squeue", "-h", "-t", "all", "-j", ",".join(map(str, job_ids)), "-o", "%i %T"],
        capture_output=True, text=True, check=True,
    ).stdout.split("\n")
    state_of = dict(line.split() for line in states if line.strip())
    assert state_of == {str(job): "COMPLETED" for job in job_ids}

    local_tables, cluster_tables = result_tables(local), result_tables(cluster)
    assert "stats/asn_deprived_vs_control.tsv" in local_tables
    assert cluster_tables.keys() == local_tables.keys()
    differing = [name for name in local_tables if cluster_tables[name] != local_tables[name]]
    assert differing == []
