"""Accuracy of detection, alignment, gap filling and quantification against the simulator's truth.

Simulates a study (default design, a seed of your choice), runs the workflow on it and prints:
detection recall for compounds at S/N >= 10, co-eluting pairs (apexes >= 1 s apart) both found,
features per true compound, cell coverage after gap filling and the log-log correlation of
feature areas with the true quant-ion areas. Peer comparison (PyMassSpec) is not part of this
script yet.

    python benchmarks/accuracy.py [--seed 7] [--workdir /tmp/gcmsflow-accuracy]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))
from gcmsflow.simulate import Design, simulate_study  # noqa: E402

DETECTOR_NOISE = 12.0  # counts, the simulator's Gaussian detector noise
MATCH_S = 1.0


def run_workflow(study: Path, workdir: Path) -> None:
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
               "--configfile", str(REPO / "config" / "config.yaml"), "--cores", "2", "--quiet", "all",
               "--config", f"samples={study / 'samples.tsv'}", f"library={study / 'library.msp'}"]
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    subprocess.run(command, check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gcmsflow-accuracy-"))
    study = workdir / "study"
    simulate_study(study, Design(seed=args.seed))
    run_workflow(study, workdir)

    sheet = pd.read_csv(study / "samples.tsv", sep="\t")
    truth = pd.read_csv(study / "truth" / "peaks.tsv", sep="\t")
    compounds = pd.read_csv(study / "truth" / "compounds.tsv", sep="\t")
    samples = sheet.loc[sheet["type"] == "sample", "sample"].tolist()
    truth = truth[truth["sample"].isin(samples)]

    detected, pairs_found, pairs_total = [], 0, 0
    for sample, rows in truth.groupby("sample"):
        peaks = pd.read_csv(workdir / "results" / "peaks" / f"{sample}.tsv", sep="\t")
        rt = peaks["rt"].to_numpy()
        nearest = {r.compound_id: int(np.argmin(np.abs(rt - r.rt_s))) for r in rows.itertuples()}
        hit = {r.compound_id: abs(rt[nearest[r.compound_id]] - r.rt_s) <= MATCH_S for r in rows.itertuples()}
        strong = rows[rows["quant_height"] / DETECTOR_NOISE >= 10]
        detected += [hit[c] for c in strong["compound_id"]]
        apex = rows.set_index("compound_id")["rt_s"]
        for a, b in ((a, b) for a in apex.index for b in apex.index if a < b and 1.0 <= abs(apex[a] - apex[b]) <= 3.0):
            pairs_total += 1
            pairs_found += hit[a] and hit[b] and nearest[a] != nearest[b]

    features = pd.read_csv(workdir / "results" / "features" / "feature_table.tsv", sep="\t")
    per_compound, coverage, log_true, log_area = [], [], [], []
    amounts = truth.pivot(index="compound_id", columns="sample", values="quant_area")
    for row in compounds.itertuples():
        near = features[(features["ri"] - row.ri).abs() <= 3.0]
        per_compound.append(len(near))
        if near.empty:
            continue
        best = near.iloc[int(np.argmin((near["ri"] - row.ri).abs().to_numpy()))]
        cells = best[samples].astype(float)
        coverage += cells.notna().tolist()
        if best["quant_mz"] == row.quant_mz and row.compound_id in amounts.index:
            ok = cells.notna() & (cells > 0)
            log_area += np.log10(cells[ok]).tolist()
            log_true += np.log10(amounts.loc[row.compound_id, cells.index[ok]]).tolist()
    found_compounds = sum(n > 0 for n in per_compound)
    r = float(np.corrcoef(log_true, log_area)[0, 1])
    print(f"study: {len(samples)} samples, {len(compounds)} compounds, seed {args.seed}, workdir {workdir}")
    print(f"detection recall (S/N >= 10):       {np.mean(detected):.3f}  ({sum(detected)}/{len(detected)})")
    print(f"co-eluting pairs (1-3 s) both found: {pairs_found / max(pairs_total, 1):.3f}  ({pairs_found}/{pairs_total})")
    print(f"features per found compound:         {sum(per_compound) / max(found_compounds, 1):.3f}")
    print(f"cell coverage after gap filling:     {np.mean(coverage):.3f}")
    print(f"log-log r, area vs true area:        {r:.3f}  ({len(log_area)} cells)")


if __name__ == "__main__":
    main()
