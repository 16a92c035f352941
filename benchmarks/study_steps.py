"""Study-level steps: wall time and peak memory of each on a simulated study (the 20-run demo by default).

Simulates the study (kept between invocations), runs the workflow once, then reruns each study-level
step alone (``snakemake --forcerun STEP --until STEP``: its inputs exist, nothing else runs) and reads
the job's wall time and peak memory (max RSS of its process tree) from Snakemake's ``benchmark:``
record. Annotation is timed with the prepared library (the workflow's way) and without it (the same
command, ``--prepared`` left out, timed here with the child's own max RSS), and checked against the
target: annotate of a 20-run study <= 3 s when the library artefact exists.

    python benchmarks/study_steps.py [--workdir /tmp/gcmsflow-study-steps] [--per-group 6] [--qc-every 3] [--study DIR] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from gcmsflow.demo.simulate import Design, simulate_study  # noqa: E402

STEPS = ["prepare_library", "annotate", "gapfill", "metabolites", "provenance", "plots"]
MAX_ANNOTATE_S = 3.0


def snakemake(run_dir: Path, config: list[str], *args: str) -> None:
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    command = [str(bin_dir / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(run_dir), "--cores", "2", "--quiet", "all", *config, *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"snakemake {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and the child's max RSS (MB) of one command."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status:
        raise SystemExit(f"{command[0]} {command[1]} failed (status {status})")
    return time.perf_counter() - start, usage.ru_maxrss / 1024.0


def annotate_without_artefact(run_dir: Path, library: Path) -> tuple[float, float]:
    results, out = run_dir / "results", run_dir / "unprepared"
    out.mkdir(exist_ok=True)
    command = [str(Path(sys.executable).parent / "gcmsflow"), "annotate", "--features", str(results / "features" / "features.msp"), "--library", str(library),
               "--internal-standard=ribitol", *(f"--{name}={out / name}.tsv" for name in ("output", "hits", "confidence", "named", "standard-qc"))]
    seconds, mb = timed(command)
    for name, table in (("output", "annotations"), ("hits", "hits"), ("confidence", "confidence"), ("named", "named")):
        if (out / f"{name}.tsv").read_bytes() != (results / "annotation" / f"{table}.tsv").read_bytes():
            raise SystemExit(f"annotation/{table}.tsv differs with and without the prepared library")
    return seconds, mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gcmsflow-study-steps"))
    parser.add_argument("--per-group", type=int, default=6)
    parser.add_argument("--qc-every", type=int, default=3)
    parser.add_argument("--study", type=Path, help="an already simulated study folder (default: WORKDIR/study, simulated once)")
    parser.add_argument("--repeat", type=int, default=1, help="reruns per step; the fastest is reported")
    args = parser.parse_args()

    study, run_dir = args.study or args.workdir / "study", args.workdir / "run"
    if not (study / "samples.tsv").exists():
        simulate_study(study, Design(per_group=args.per_group, qc_every=args.qc_every))
    n_runs = len(pd.read_csv(study / "samples.tsv", sep="\t"))
    config = ["--config", f"samples={study / 'samples.tsv'}", f"library={study / 'library.msp'}"]
    run_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    snakemake(run_dir, config)
    print(f"{n_runs} runs; workflow (or its resumption) {time.perf_counter() - start:.0f} s")

    print(f"{'study-level step':<36}{'seconds':>10}{'peak MB':>10}")
    seconds = {}
    for step in STEPS:
        records = []
        for _ in range(args.repeat):
            snakemake(run_dir, config, "--forcerun", step, "--until", step)
            records.append(pd.read_csv(run_dir / "results" / "benchmarks" / f"{step}.tsv", sep="\t").iloc[0])
        best = min(records, key=lambda r: float(r["s"]))
        seconds[step] = float(best["s"])
        print(f"{step:<36}{best['s']:>10.2f}{best['max_rss']:>10.0f}")
    plain = min((annotate_without_artefact(run_dir, study / "library.msp") for _ in range(args.repeat)), key=lambda r: r[0])
    print(f"{'annotate without the artefact':<36}{plain[0]:>10.2f}{plain[1]:>10.0f}   (same tables)")
    met = seconds["annotate"] <= MAX_ANNOTATE_S
    print(f"\ncheck: annotate of a {n_runs}-run study with the artefact <= {MAX_ANNOTATE_S:.0f} s: {seconds['annotate']:.2f} s, {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
