"""Scale: a simulated study of 1,000 short runs through the whole workflow, locally on 2 cores.

Simulates 1,000 injections (ladder, blank, 950 samples, pooled QCs; 300 s chromatograms, which end
before ribitol elutes, so areas are normalised by PQN alone), runs
``snakemake --cores 2`` (import → detect → RI → align → gap fill → annotate → normalise → stats →
plots, mzTab-M, provenance, summary) and prints wall time and peak memory (max RSS of the job's process tree, from Snakemake's
``benchmark:`` records) of every study-level step, against the targets: no study-level step above
4 GB, alignment under 60 s.

    python benchmarks/scale.py [--workdir /tmp/gcmsflow-scale] [--per-group 475] [--qc-every 20]
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

STUDY_STEPS = [
    "ri_calibrate", "align", "gapfill", "annotate", "normalize", "metabolites", "differential_asn_deprived_vs_control",
    "differential_metabolites_asn_deprived_vs_control", "plots", "mztab", "provenance", "summary",
]
MAX_STEP_MB = 4096.0
MAX_ALIGN_S = 60.0


def simulate(out: Path, per_group: int, qc_every: int) -> int:
    """Simulate the study once (kept between invocations); return its number of runs."""
    if not (out / "samples.tsv").exists():
        start = time.perf_counter()
        sheet = simulate_study(out, Design(per_group=per_group, qc_every=qc_every, rt_start_s=250.0, rt_end_s=550.0))
        print(f"simulated {len(sheet)} runs in {time.perf_counter() - start:.0f} s")
    return len(pd.read_csv(out / "samples.tsv", sep="\t"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gcmsflow-scale"))
    parser.add_argument("--per-group", type=int, default=475)
    parser.add_argument("--qc-every", type=int, default=20)
    args = parser.parse_args()

    study, run_dir = args.workdir / "study", args.workdir / "run"
    n_runs = simulate(study, args.per_group, args.qc_every)
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    # the short chromatograms end before ribitol elutes: normalise by PQN alone
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "scale.yaml").write_text(
        f"samples: {study / 'samples.tsv'}\nlibrary: {study / 'library.msp'}\ninternal_standard: null\nnormalize:\n  methods: [pqn]\n"
    )
    command = [
        str(bin_dir / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(run_dir), "--cores", "2",
        "--quiet", "all", "--configfile", str(run_dir / "scale.yaml"),
    ]
    fresh = not (run_dir / "results").exists()
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True)
    total_s = time.perf_counter() - start

    if fresh:
        print(f"\n{n_runs} runs, whole workflow on 2 cores: {total_s:.0f} s ({total_s / n_runs:.2f} s per run)")
    else:
        print(f"\n{n_runs} runs; this invocation resumed an earlier run and took {total_s:.0f} s (remove {run_dir} for a full timing)")
    features = pd.read_csv(run_dir / "results" / "features" / "feature_table.tsv", sep="\t")
    print(f"features: {len(features)}")
    print(f"{'study-level step':<50}{'seconds':>10}{'peak MB':>10}")
    worst_mb = 0.0
    for step in STUDY_STEPS:
        record = pd.read_csv(run_dir / "results" / "benchmarks" / f"{step}.tsv", sep="\t").iloc[0]
        worst_mb = max(worst_mb, float(record["max_rss"]))
        print(f"{step:<50}{record['s']:>10.1f}{record['max_rss']:>10.0f}")
        if step == "align":
            align_s = float(record["s"])
    print(f"\nlargest study-level peak memory {worst_mb:.0f} MB (target < {MAX_STEP_MB:.0f} MB): "
          f"{'met' if worst_mb < MAX_STEP_MB else 'NOT met'}")
    print(f"alignment {align_s:.1f} s (target < {MAX_ALIGN_S:.0f} s): {'met' if align_s < MAX_ALIGN_S else 'NOT met'}")


if __name__ == "__main__":
    main()
