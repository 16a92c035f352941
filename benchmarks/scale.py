"""Scale: a simulated study of full-length runs through the chunked workflow on 2 cores, and a 10,000-run plan.

Simulates ``--runs`` injections (default 1,000: per batch a ladder and a blank, samples of two groups, a
pooled QC every ``--qc-every`` samples) of ``--minutes`` (default 20) at the demo's 4 scans/s, then runs
``snakemake --cores 2`` in two stages: the per-run steps (rules ``chunk_<i>``, import + detection of
``chunks.runs_per_job`` runs per job, by default runs / (4 x cores)) and the study-level steps (RI, align, gap fill, annotate, normalise,
stats, plots, mzTab-M, provenance, summary). It prints

- wall time of each stage and of every step (Snakemake's ``benchmark:`` records), and peak memory (max RSS
  of the job's process tree) of every step, the chunk jobs summarised;
- the arithmetic of the per-run steps: import + detection of a sample of runs measured in this process
  (the files written as the workflow writes them), per run x runs / cores, and the ratio of the per-run
  stage's wall time to it; the issue's targets: whole wall <= 1.5 x arithmetic + the study-level steps,
  every study-level step < 60 s and < 4 GB;
- a planning figure for ``--plan-runs`` runs (default 10,000; the simulated sheet repeated as batches,
  pointing at the same raw files): DAG build time of a dry run and the jobs the SLURM profile
  (workflow/profiles/slurm) would submit, at the config's and at ``--plan-runs-per-job`` runs per job.

    python benchmarks/scale.py [--runs 1000] [--minutes 20] [--workdir /tmp/gcmsflow-scale]
    python benchmarks/scale.py --runs 40          # a quick check (a few minutes)

The simulated study is kept between invocations (per runs and minutes); the workflow run is redone
from scratch each time.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from gcmsflow.core.chunks import ChunkParams  # noqa: E402
from gcmsflow.demo.simulate import Design, simulate_study  # noqa: E402

MAX_STEP_S, MAX_STEP_MB, MAX_RATIO = 60.0, 4096.0, 1.5
RT_START_S = 250.0
SAMPLED_RUNS = 8


def layout(runs: int, qc_every: int | None) -> Design:
    """One batch of about ``runs`` runs: 3 + 2 x per_group + ceil(2 x per_group / qc_every) runs."""
    qc_every = qc_every or min(20, max(3, runs // 8))
    count = {pg: 3 + 2 * pg + math.ceil(2 * pg / qc_every) for pg in range(1, max(2, runs // 2 + 1))}
    per_group = min(count, key=lambda pg: (abs(count[pg] - runs), pg))
    return Design(per_group=per_group, qc_every=qc_every)


def simulate(out: Path, design: Design) -> pd.DataFrame:
    """Simulate the study once (kept between invocations); its sample sheet."""
    if not (out / "samples.tsv").exists():
        start = time.perf_counter()
        sheet = simulate_study(out, design)
        print(f"simulated {len(sheet)} runs in {time.perf_counter() - start:.0f} s")
    return pd.read_csv(out / "samples.tsv", sep="\t")


def snakemake(run_dir: Path, *args: str, profile: str | None = None) -> float:
    """Run the workflow in ``run_dir`` on the study; its wall time (s). Output goes to run_dir/snakemake.log."""
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    command = [str(bin_dir / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(run_dir)]
    command += ["--profile", profile] if profile else ["--cores", "2"]
    command += [*args, "--configfile", str(run_dir / "scale.yaml"), "--quiet", "rules"]
    start = time.perf_counter()
    with open(run_dir / "snakemake.log", "a") as log:
        result = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f"snakemake failed in {run_dir} (see {run_dir / 'snakemake.log'})")
    return time.perf_counter() - start


def arithmetic_per_run(study: Path, sheet: pd.DataFrame) -> tuple[float, int]:
    """Mean seconds of import + detection of one run in this process (after a warm-up run), on runs spread over the sheet."""
    from gcmsflow.io.importer import ImportParams
    from gcmsflow.signal.detect import DetectParams
    from gcmsflow.stages.chunk import process_run

    picks = sorted({int(i) for i in np.linspace(0, len(sheet) - 1, min(SAMPLED_RUNS, len(sheet)) + 1)})
    with tempfile.TemporaryDirectory() as scratch:

        def one(i: int) -> float:
            run, start = sheet["sample"].iloc[i], time.perf_counter()
            files = [f"{scratch}/{run}.npz", f"{scratch}/{run}.tsv", f"{scratch}/{run}.msp"]
            process_run(str(study / sheet["file"].iloc[i]), *files, ImportParams(), DetectParams(), [])
            return time.perf_counter() - start

        one(picks[0])  # warm-up: the modules load, as once per chunk job
        seconds = [one(i) for i in picks[1:]]
    return float(np.mean(seconds)), len(seconds)


def records(run_dir: Path) -> pd.DataFrame:
    """Snakemake's benchmark records: one row per step (s, max_rss MB)."""
    rows = [(p.stem, *pd.read_csv(p, sep="\t").iloc[0][["s", "max_rss"]]) for p in sorted((run_dir / "results" / "benchmarks").glob("*.tsv"))]
    return pd.DataFrame(rows, columns=["step", "s", "max_rss"]).set_index("step")


def extrapolate(workdir: Path, n: int, minutes: float, study_rows: pd.DataFrame, plan_runs: int) -> None:
    """Peak memory of each study-level step at ``plan_runs`` runs, linear in runs through this run and the kept
    run of the most different size (same run length) in ``workdir``."""
    others = {int(d.name.split("x")[0][4:]): d for d in workdir.glob(f"run-*x{minutes:g}min") if (d / "results" / "benchmarks").is_dir()}
    others.pop(n, None)
    if not others:
        print(f"memory at {plan_runs} runs: needs a second kept run of another size (run scale.py again with another --runs)")
        return
    m = max(others, key=lambda k: abs(k - n))
    other = records(others[m]).reindex(study_rows.index)
    slope = (study_rows["max_rss"] - other["max_rss"]) / (n - m)
    at = study_rows["max_rss"] + slope * (plan_runs - n)
    print(f"{'peak MB of the study-level steps, linear through ' + f'{m} and {n} runs':<52}{m:>8}{n:>8}{plan_runs:>8}")
    for step in study_rows.index:
        print(f"{step:<52}{other.loc[step, 'max_rss']:>8.0f}{study_rows.loc[step, 'max_rss']:>8.0f}{at[step]:>8.0f}")
    print(f"largest at {plan_runs} runs: {at.idxmax()} {at.max():.0f} MB ({'<' if at.max() < MAX_STEP_MB else '>='} {MAX_STEP_MB:.0f} MB)")


def plan(study: Path, sheet: pd.DataFrame, workdir: Path, plan_runs: int, runs_per_job: int) -> None:
    """DAG build time and SLURM job count of a ``plan_runs``-run study (the sheet repeated as batches) from a dry run."""
    plan_dir = workdir / f"plan-{plan_runs}"
    shutil.rmtree(plan_dir, ignore_errors=True)
    plan_dir.mkdir(parents=True)
    copies = math.ceil(plan_runs / len(sheet))
    big = pd.concat([sheet.assign(sample=sheet["sample"] + f"_b{k + 1}", batch=k + 1) for k in range(copies)]).head(plan_runs)
    big["file"] = [str(study / f) for f in big["file"]]
    big["injection_order"] = np.arange(1, len(big) + 1)
    big.to_csv(plan_dir / "samples.tsv", sep="\t", index=False)
    shutil.copy(study / "library.msp", plan_dir / "library.msp")
    for per_job in dict.fromkeys([ChunkParams().runs_per_job, runs_per_job]):
        (plan_dir / "scale.yaml").write_text(
            f"samples: {plan_dir / 'samples.tsv'}\nlibrary: {plan_dir / 'library.msp'}\nchunks:\n  runs_per_job: {per_job}\n"
        )
        (plan_dir / "snakemake.log").unlink(missing_ok=True)
        seconds = snakemake(plan_dir, "-n", profile=str(REPO / "workflow" / "profiles" / "slurm"))
        counts = dict(re.findall(r"^(\S+)\s+(\d+)$", (plan_dir / "snakemake.log").read_text(), flags=re.M))
        chunks = sum(int(n) for rule, n in counts.items() if rule.startswith("chunk_"))
        jobs = int(counts.get("total", 0)) - int(counts.get("all", 0))  # `all` runs nothing: never submitted
        print(f"{plan_runs} runs, runs_per_job {per_job}: dry run (DAG build) {seconds:.0f} s; SLURM jobs {jobs} "
              f"({chunks} chunk jobs = ceil({plan_runs} / {per_job}), {jobs - chunks} study-level)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gcmsflow-scale"))
    parser.add_argument("--runs", type=int, default=1000, help="runs to simulate (about; the layout rounds)")
    parser.add_argument("--minutes", type=float, default=20.0, help="chromatogram length from 250 s (>= 20 for full-length runs)")
    parser.add_argument("--qc-every", type=int, help="a pooled QC every this many samples (default: 20, fewer for small studies)")
    parser.add_argument("--runs-per-job", type=int, default=0, help="chunks.runs_per_job of the run (0: runs / (4 x cores), a few chunks per core as the README advises)")
    parser.add_argument("--plan-runs", type=int, default=10000, help="runs of the planning dry run (0: none)")
    parser.add_argument("--plan-runs-per-job", type=int, default=200, help="chunk size of the second planning dry run")
    args = parser.parse_args()

    design = layout(args.runs, args.qc_every)
    design = Design(per_group=design.per_group, qc_every=design.qc_every, rt_start_s=RT_START_S, rt_end_s=RT_START_S + 60 * args.minutes)
    study = args.workdir / f"study-{args.runs}x{args.minutes:g}min"
    sheet = simulate(study, design)
    n, cores = len(sheet), 2
    per_job = args.runs_per_job or math.ceil(n / (4 * cores))  # Snakemake checks every input per output of a job: a few chunks per core
    run_dir = args.workdir / f"run-{n}x{args.minutes:g}min"  # kept: a run of another size extrapolates memory with this one
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    (run_dir / "scale.yaml").write_text(f"samples: {study / 'samples.tsv'}\nlibrary: {study / 'library.msp'}\nchunks:\n  runs_per_job: {per_job}\n")
    print(f"{n} runs of {args.minutes:g} min at {design.scan_hz:g} scans/s; {math.ceil(n / per_job)} chunk jobs of {per_job} runs; {cores} cores")

    per_run_s = snakemake(run_dir, *[f"results/peaks/{run}.tsv" for run in sheet["sample"]])
    study_s = snakemake(run_dir, "all")
    steps = records(run_dir)
    chunk_rows = steps[steps.index.str.match(r"chunk_\d+$")]
    study_rows = steps.drop(chunk_rows.index)
    mean_s, sampled = arithmetic_per_run(study, sheet)
    arithmetic = mean_s * n / cores

    print(f"\n{'stage':<52}{'wall s':>10}")
    print(f"{'per-run steps (chunks: import + detection)':<52}{per_run_s:>10.1f}")
    print(f"{'study-level steps':<52}{study_s:>10.1f}")
    print(f"{'whole workflow':<52}{per_run_s + study_s:>10.1f}")
    print(f"\n{'step':<52}{'seconds':>10}{'peak MB':>10}")
    print(f"{f'chunk jobs ({len(chunk_rows)}), mean / max':<52}{chunk_rows['s'].mean():>10.1f}{chunk_rows['max_rss'].mean():>10.0f}")
    print(f"{'':<52}{chunk_rows['s'].max():>10.1f}{chunk_rows['max_rss'].max():>10.0f}")
    for step, row in study_rows.iterrows():
        print(f"{step:<52}{row['s']:>10.1f}{row['max_rss']:>10.0f}")

    print(f"\narithmetic: import + detection {mean_s:.2f} s per run in-process ({sampled} runs sampled) x {n} runs / {cores} cores = {arithmetic:.0f} s")
    print(f"per-run stage wall / arithmetic = {per_run_s / arithmetic:.2f}")
    budget = MAX_RATIO * arithmetic + study_rows["s"].sum()
    whole = per_run_s + study_s
    print(f"whole wall {whole:.0f} s vs {MAX_RATIO} x arithmetic + study-level steps ({study_rows['s'].sum():.0f} s) = {budget:.0f} s: "
          f"{'met' if whole <= budget else 'NOT met'} (ratio {whole / (arithmetic + study_rows['s'].sum()):.2f})")
    slow, big = study_rows[study_rows["s"] >= MAX_STEP_S], study_rows[study_rows["max_rss"] >= MAX_STEP_MB]
    print(f"every study-level step < {MAX_STEP_S:.0f} s: {'met' if slow.empty else 'NOT met: ' + ', '.join(slow.index)}; "
          f"< {MAX_STEP_MB:.0f} MB: {'met' if big.empty else 'NOT met: ' + ', '.join(big.index)}")
    if args.plan_runs:
        print()
        extrapolate(args.workdir, n, args.minutes, study_rows, args.plan_runs)
        plan(study, sheet, args.workdir, args.plan_runs, args.plan_runs_per_job)


if __name__ == "__main__":
    main()
