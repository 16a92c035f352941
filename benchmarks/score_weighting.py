"""Spectrum weighting choices compared on the hard preset: identification recall and precision.

Per seed, simulates the hard preset (few runs, so it is quick), runs the workflow once, then
annotates the study's consensus feature spectra (results/features/features.msp, with their RIs)
under each weighting choice, with the workflow's acceptance thresholds and target-decoy filter.
Prints per seed the ladder markers found and how the internal standard was found, then per choice: recall of library compounds (named right / with a feature), precision of the
names given, and in how many seeds asparagine was named. Features belong to the true compound as
accuracy.py's names do (within its RI window, by spectrum; ``spectral_owners``).

    python benchmarks/score_weighting.py [--seeds 1 2 3] [--per-group 3] [--workdir DIR] [--massbank MSP]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))
sys.path.insert(0, str(REPO / "benchmarks"))
from accuracy import name_checks, run_workflow, spectral_owners  # noqa: E402
from gcmsflow.identify.annotate import annotate  # noqa: E402
from gcmsflow.identify.params import MatchParams  # noqa: E402
from gcmsflow.io.library import load_library  # noqa: E402

BASE = MatchParams()
CHOICES = {
    "(m/z)^3 I^0.6, every ion": replace(BASE, isolated_below=0.0),
    "(m/z)^3, isolated ions < 10 % of base dropped": replace(BASE, isolated_below=0.1),
    "(m/z)^3, isolated ions < 25 % of base dropped": replace(BASE, isolated_below=0.25),
    "(m/z)^3, every isolated ion dropped": replace(BASE, isolated_below=1.0),
    "(m/z)^2, every ion": replace(BASE, mz_power=2.0, isolated_below=0.0),
    "(m/z)^1.5, every ion": replace(BASE, mz_power=1.5, isolated_below=0.0),
    "(m/z)^1, every ion": replace(BASE, mz_power=1.0, isolated_below=0.0),
    "(m/z)^1, isolated ions < 25 % dropped": replace(BASE, mz_power=1.0, isolated_below=0.25),
    "(m/z)^0.5, every ion": replace(BASE, mz_power=0.5, isolated_below=0.0),
    "(m/z)^0.5, isolated ions < 25 % dropped": replace(BASE, mz_power=0.5, isolated_below=0.25),
    "(m/z)^0 (intensity only), every ion": replace(BASE, mz_power=0.0, isolated_below=0.0),
}


def study_results(seed: int, per_group: int, workdir: Path, massbank: str | None) -> Path:
    """Simulate the hard preset for ``seed`` and run the workflow on it (skipped when done before)."""
    folder = workdir / f"seed{seed}"
    study = folder / "study"
    if not (study / "samples.tsv").exists():
        command = [str(Path(sys.executable).parent / "gcmsflow"), "simulate", "--out", str(study), "--preset", "hard",
                   "--seed", str(seed), "--per-group", str(per_group)] + (["--massbank", massbank] if massbank else [])
        subprocess.run(command, check=True)
    run_workflow(study, folder, cores=1)
    return folder


def scores_by_choice(folder: Path, massbank: str | None) -> dict[str, tuple[set, set, list[bool]]]:
    """Per weighting choice: library compounds named right, library compounds with a feature, per name right or not."""
    study = folder / "study"
    compounds = pd.read_csv(study / "truth" / "compounds.tsv", sep="\t")
    features = pd.read_csv(folder / "results" / "features" / "feature_table.tsv", sep="\t")
    owner = spectral_owners(folder, features, compounds, massbank)
    library = load_library(str(study / "library.msp"), BASE.column_class)
    queries = load_library(str(folder / "results" / "features" / "features.msp"))
    out = {}
    for label, params in CHOICES.items():
        best = annotate(queries.intensity, queries.ri, queries.names, library, params).best
        recalled, found, correct, _ = name_checks(best.set_index("feature_id")["name"], features, compounds, owner)
        out[label] = (recalled, found, correct)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--per-group", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--massbank", help="MassBank MSP for real spectra (simulate --massbank)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gcmsflow-weighting-"))
    folders = {seed: study_results(seed, args.per_group, workdir, args.massbank) for seed in args.seeds}
    per_seed = {seed: scores_by_choice(folder, args.massbank) for seed, folder in folders.items()}
    print(f"hard preset, seeds {' '.join(map(str, args.seeds))}, {args.per_group} samples per group, workdir {workdir}")
    for seed, folder in folders.items():
        ladder = pd.read_csv(folder / "results" / "ri" / "ladder_qc.tsv", sep="\t")
        standard = pd.read_csv(folder / "results" / "qc" / "internal_standard.tsv", sep="\t")
        print(f"seed {seed}: ladder markers found / configured {(ladder['status'] == 'found').sum()}/{len(ladder)} over {ladder['batch'].nunique()} batches;"
              f" internal standard found by {standard['found_by'].iat[0] if len(standard) else '-'}")
    print(f"{'weighting':<48}{'recall':>8}{'precision':>11}  asparagine named")
    for label in CHOICES:
        recall = [len(r & f) / max(len(f), 1) for r, f, _ in (per_seed[s][label] for s in args.seeds)]
        precision = [np.mean(c) if c else np.nan for _, _, c in (per_seed[s][label] for s in args.seeds)]
        asparagine = sum(any("asparagine" in name for name in per_seed[s][label][0]) for s in args.seeds)
        print(f"{label:<48}{np.mean(recall):>8.3f}{np.nanmean(precision):>11.3f}  {asparagine}/{len(args.seeds)}"
              f"   (per seed recall {' '.join(f'{x:.2f}' for x in recall)}, precision {' '.join(f'{x:.2f}' for x in precision)})")


if __name__ == "__main__":
    main()
