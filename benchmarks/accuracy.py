"""Accuracy of detection, alignment, gap filling, quantification and identification against the simulator's truth.

Simulates a study (default design, a seed of your choice), runs the workflow on it and prints:
detection recall for compounds at S/N >= 10, co-eluting pairs (apexes >= 1 s apart) both found,
features per true compound, cell coverage after gap filling, the log-log correlation of feature
areas with the true quant-ion areas, and for identification: recall of library compounds, precision
of the names given, the share of out-of-library compounds that got a name, and the estimated
(target-decoy) against the true false-annotation rate. The detection figures are printed for
PyMassSpec too, run on the same ANDI files as its documentation shows (peers.py), with its
``num_ions_threshold`` cutoff at 10x the simulator's detector noise, so that compounds at S/N >= 10
pass it. Needs PyMassSpec: ``pip install -r requirements-bench.lock``.

    python benchmarks/accuracy.py [--seed 7] [--workdir /tmp/gcmsflow-accuracy]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))
sys.path.insert(0, str(REPO / "benchmarks"))
from gcmsflow.demo.simulate import Design, simulate_study  # noqa: E402
from peers import pymassspec_andi_rts  # noqa: E402

DETECTOR_NOISE = 12.0  # counts, the simulator's Gaussian detector noise
MATCH_S = 1.0
# A feature belongs to the true compound within this many RI units: RIs carry the ladder run's own
# retention shift (0.6 s SD, about 1.2 RI) and the samples' drift over injection order, so a
# study's RIs can sit several units off the truth all together (seed 3: +3 RI).
OWNER_WINDOW_RI = 6.0


def run_workflow(study: Path, workdir: Path, cores: int = 2) -> None:
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
               "--configfile", str(REPO / "config" / "config.yaml"), "--cores", str(cores), "--quiet",
               "--config", f"samples={study / 'samples.tsv'}", f"library={study / 'library.msp'}"]
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    subprocess.run(command, check=True, env=env)


def one_to_one(apex_s: pd.Series, detected_rt_s: np.ndarray) -> dict[str, bool]:
    """Match true apexes to detected components, closest pairs first, each component used once."""
    pairs = sorted((abs(rt - t), c, j) for c, t in apex_s.items() for j, rt in enumerate(detected_rt_s) if abs(rt - t) <= MATCH_S)
    used, hit = set(), {c: False for c in apex_s.index}
    for _, compound, j in pairs:
        if not hit[compound] and j not in used:
            hit[compound] = True
            used.add(j)
    return hit


def detection_metrics(truth: pd.DataFrame, rts_s: dict[str, np.ndarray]) -> tuple[list[bool], int, int, int, int]:
    """Per true compound at S/N >= 10, whether a peak was found; co-eluting pairs (1-3 s) found / total;
    peaks; peaks with no true compound within ``MATCH_S``."""
    detected, pairs_found, pairs_total, unexplained = [], 0, 0, 0
    for sample, rows in truth.groupby("sample"):
        apex = rows.set_index("compound_id")["rt_s"]
        hit = one_to_one(apex, rts_s[sample])
        unexplained += int((np.abs(rts_s[sample][:, None] - apex.to_numpy()[None, :]).min(axis=1, initial=np.inf) > MATCH_S).sum())
        strong = rows[rows["quant_height"] / DETECTOR_NOISE >= 10]
        detected += [hit[c] for c in strong["compound_id"]]
        for a, b in ((a, b) for a in apex.index for b in apex.index if a < b and 1.0 <= abs(apex[a] - apex[b]) <= 3.0):
            pairs_total += 1
            pairs_found += hit[a] and hit[b]
    return detected, pairs_found, pairs_total, sum(len(r) for r in rts_s.values()), unexplained


def owner_of(feature_ri: float, quant_mz: int, ri: np.ndarray, compound_quant_mz: np.ndarray, window: float = OWNER_WINDOW_RI) -> int:
    """The true compound of a feature: among compounds within ``window`` RI units, the one with the
    feature's quant ion (co-eluting compounds lie 1 RI apart), else the nearest; -1 when none is near."""
    near = np.flatnonzero(np.abs(ri - feature_ri) <= window)
    if near.size == 0:
        return -1
    same_ion = near[compound_quant_mz[near] == quant_mz]
    pool = same_ion if same_ion.size else near
    return int(pool[np.argmin(np.abs(ri[pool] - feature_ri))])


def name_checks(names: pd.Series, features: pd.DataFrame, compounds: pd.DataFrame, owner: list[int]) -> tuple[set, set, list[bool], list[str]]:
    """Names (by feature id) against truth: library compounds named right, library compounds with a
    feature, per name whether it is right, and the features of out-of-library compounds."""
    true_name = {fid: compounds["name"].iat[o] for fid, o in zip(features["feature_id"], owner) if o >= 0}
    in_library = {fid: bool(compounds["in_library"].iat[o]) for fid, o in zip(features["feature_id"], owner) if o >= 0}
    correct = [names[f].lower() == true_name.get(f, "").lower() for f in names.index]
    recalled = {true_name[f].lower() for f in names.index if f in true_name and names[f].lower() == true_name[f].lower()}
    library_found = {true_name[f].lower() for f in true_name if in_library[f]}
    return recalled, library_found, correct, [f for f in true_name if not in_library[f]]


def identification_metrics(workdir: Path, features: pd.DataFrame, compounds: pd.DataFrame, owner: list[int]) -> dict[str, str]:
    """Names against truth: features are owned by the compound within ``OWNER_WINDOW_RI`` (``owner``, -1 for none)."""
    names = pd.read_csv(workdir / "results" / "annotation" / "annotations.tsv", sep="\t").set_index("feature_id")["name"]
    confidence = pd.read_csv(workdir / "results" / "annotation" / "confidence.tsv", sep="\t").set_index("feature_id")
    recalled, library_found, correct, outside = name_checks(names, features, compounds, owner)
    estimated = confidence.loc[confidence["accepted"], "qvalue"].max() if confidence["accepted"].any() else 0.0
    precision = float(np.mean(correct)) if correct else float("nan")
    return {
        "id recall, library compounds found:": f"{len(recalled & library_found) / max(len(library_found), 1):.3f}  ({len(recalled & library_found)}/{len(library_found)})",
        "id precision of names given:": f"{precision:.3f}  ({sum(correct)}/{len(correct)})",
        "out-of-library compounds named:": f"{np.mean([f in names.index for f in outside]) if outside else 0.0:.3f}  ({sum(f in names.index for f in outside)}/{len(outside)})",
        "false-annotation rate, est. vs true:": f"{estimated:.3f} vs {1.0 - precision:.3f}",
    }


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

    ours = {sample: pd.read_csv(workdir / "results" / "peaks" / f"{sample}.tsv", sep="\t")["rt"].to_numpy() for sample in samples}
    files = [str(study / f) for f in sheet.set_index("sample").loc[samples, "file"]]
    with ProcessPoolExecutor(2) as pool:
        peer = dict(zip(samples, map(np.asarray, pool.map(partial(pymassspec_andi_rts, cutoff=10 * DETECTOR_NOISE), files))))
    detection = {"gcmsflow": detection_metrics(truth, ours), "PyMassSpec": detection_metrics(truth, peer)}

    features = pd.read_csv(workdir / "results" / "features" / "feature_table.tsv", sep="\t")
    coverage, log_true, log_area = [], [], []
    amounts = truth.pivot(index="compound_id", columns="sample", values="quant_area")
    ri = compounds["ri"].to_numpy()
    owner = [owner_of(x, mz, ri, compounds["quant_mz"].to_numpy()) for x, mz in zip(features["ri"], features["quant_mz"])]
    per_compound = np.bincount([o for o in owner if o >= 0], minlength=len(compounds))
    for k, row in enumerate(compounds.itertuples()):
        mine = features[np.array(owner) == k]
        if mine.empty:
            continue
        best = mine.iloc[int(np.argmax(mine["n_detected"].to_numpy()))]
        cells = best[samples].astype(float)
        coverage += cells.notna().tolist()
        if best["quant_mz"] == row.quant_mz and row.compound_id in amounts.index:
            ok = cells.notna() & (cells > 0)
            log_area += np.log10(cells[ok]).tolist()
            log_true += np.log10(amounts.loc[row.compound_id, cells.index[ok]]).tolist()
    found_compounds = sum(n > 0 for n in per_compound)
    identification = identification_metrics(workdir, features, compounds, owner)
    r = float(np.corrcoef(log_true, log_area)[0, 1])
    print(f"study: {len(samples)} samples, {len(compounds)} compounds, seed {args.seed}, workdir {workdir}")
    for tool, (detected, pairs_found, pairs_total, n_peaks, unexplained) in detection.items():
        print(f"{tool}: {n_peaks} peaks in {len(samples)} samples, {unexplained} with no true compound within {MATCH_S:.0f} s")
        print(f"  detection recall (S/N >= 10):       {np.mean(detected):.3f}  ({sum(detected)}/{len(detected)})")
        print(f"  co-eluting pairs (1-3 s) both found: {pairs_found / max(pairs_total, 1):.3f}  ({pairs_found}/{pairs_total})")
    print(f"features per found compound:         {per_compound.sum() / max(found_compounds, 1):.3f}")
    print(f"cell coverage after gap filling:     {np.mean(coverage):.3f}")
    print(f"log-log r, area vs true area:        {r:.3f}  ({len(log_area)} cells)")
    print(f"median RI error of features:         {np.median([x - ri[o] for x, o in zip(features['ri'], owner) if o >= 0]):+.2f}")
    for label, value in identification.items():
        print(f"{label:<37}{value}")


if __name__ == "__main__":
    main()
