"""Detection against the simulator's truth: recall and components per true compound, per preset and seed.

Simulates each study (the default demo and ``--preset hard`` for several seeds), imports and detects
every study run (samples and pooled QCs) and matches components to true compounds: a component
belongs to the compound whose true apex lies within ``MATCH_S`` of it and whose true spectrum it
resembles most (cosine of intensities >= ``MIN_COSINE``). Prints, per study: detection recall of
the compounds at quant-ion S/N >= 10 (true apex height over the detector noise), components per
compound found (target <= 1.2) and components per run no compound explains (noise, bleed).

With ``--workflow`` it also runs the workflow on each study (up to the default contrast's test) and
prints features per true compound; the median over compounds of the log-log correlation of a
compound's feature (the one detected in most runs) with the truth: its gap-filled area with the
true quant-ion area (``r area``), and its normalised abundance with the true amount per unit
biomass (``r abund``; the normalisation (internal standard, PQN) removes each extract's biomass
by design, so the amount per extract is not what it estimates); the default test's power (changed
compounds with a feature at q < ``ALPHA``) with the false discovery proportion of those calls
(features of unchanged compounds, or of none); and the same moderated t on the true amounts per
biomass (``oracle``): the power a perfect measurement would give this design; and the power of
the test on the true quant-ion areas put through the workflow's normalisation (internal standard,
then PQN on the pooled QCs; ``peaks oracle``): what a perfect detection and integration of these
runs would give, with the simulated injection, analytical noise and response drift left in (and
the median log-log r of those abundances with the true amounts per biomass).

    python benchmarks/detection_accuracy.py [--seeds 1 2 3] [--workdir /tmp/gcmsflow-detection] [--workflow]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))
sys.path.insert(0, str(REPO / "benchmarks"))
from accuracy import owner_of  # noqa: E402
from gcmsflow.core.spectra import parse_spectrum  # noqa: E402
from gcmsflow.demo.labelling import compound_fragments, with_clusters  # noqa: E402
from gcmsflow.demo.runs import CASE, sample_biomass  # noqa: E402
from gcmsflow.demo.severity import preset  # noqa: E402
from gcmsflow.demo.simulate import load_compounds, simulate_study, study_spectra  # noqa: E402
from gcmsflow.io.importer import import_run  # noqa: E402
from gcmsflow.signal.detect import detect_components  # noqa: E402
from gcmsflow.stats.differential import bh_qvalues, moderated_t_test  # noqa: E402

MATCH_S, MIN_COSINE, MIN_SN = 2.0, 0.6, 10.0
TARGET_RECALL, TARGET_PER_COMPOUND = 0.95, 1.2
ALPHA, TARGET_R, TARGET_POWER, TARGET_FDP = 0.05, 0.95, 0.75, 0.10
CONTRAST = "asn_deprived_vs_control"


def true_spectra(seed: int) -> np.ndarray:
    """The simulated compounds' spectra (with isotope clusters) as rows over m/z 0-999."""
    compounds = load_compounds()
    spectra, _, _ = study_spectra(compounds, seed, None)
    fragments = compound_fragments(compounds)
    dense = np.zeros((len(spectra), 1000))
    for k, spectrum in enumerate(spectra):
        for mz, value in with_clusters(spectrum, fragments.get(k, []), "", "").items():
            dense[k, mz] = value
    return dense / np.linalg.norm(dense, axis=1, keepdims=True)


def owners(peaks: pd.DataFrame, apex_s: np.ndarray, spectra: np.ndarray) -> np.ndarray:
    """Per component the row of its true compound (within ``MATCH_S``, best cosine >= ``MIN_COSINE``), -1 for none."""
    out = np.full(len(peaks), -1)
    for i, (rt, text) in enumerate(zip(peaks["rt"], peaks["spectrum"])):
        near = np.flatnonzero(np.abs(apex_s - rt) <= MATCH_S)
        if near.size == 0:
            continue
        mz, values = parse_spectrum(text)
        vector = np.zeros(1000)
        vector[mz] = values
        cosine = spectra[near] @ vector / max(np.linalg.norm(vector), 1e-12)
        if cosine.max() >= MIN_COSINE:
            out[i] = near[int(np.argmax(cosine))]
    return out


def study_figures(folder: Path, seed: int, noise: float) -> dict[str, float]:
    """Recall, components per found compound and unexplained components per run of one simulated study."""
    sheet = pd.read_csv(folder / "samples.tsv", sep="\t")
    truth = pd.read_csv(folder / "truth" / "peaks.tsv", sep="\t")
    compounds = load_compounds()
    row_of = {c: k for k, c in enumerate(compounds["compound_id"])}
    spectra = true_spectra(seed)
    hits, per_compound, unexplained, runs, seconds = [], [], 0, 0, 0.0
    for run in sheet[sheet["type"].isin(["sample", "qc"])].itertuples():
        mine = truth[(truth["sample"] == run.sample) & truth["compound_id"].isin(row_of)]
        start = time.perf_counter()
        peaks = detect_components(import_run(folder / run.file))
        seconds += time.perf_counter() - start
        apex = np.full(len(compounds), np.inf)
        apex[[row_of[c] for c in mine["compound_id"]]] = mine["rt_s"].to_numpy()
        owner = owners(peaks, apex, spectra)
        counts = np.bincount(owner[owner >= 0], minlength=len(compounds))
        strong = mine[mine["quant_height"] / noise >= MIN_SN]
        hits += [counts[row_of[c]] > 0 for c in strong["compound_id"]]
        per_compound += counts[counts > 0].tolist()
        unexplained += int((owner < 0).sum())
        runs += 1
    return {"recall": float(np.mean(hits)), "n_strong": len(hits), "per_compound": float(np.mean(per_compound)),
            "unexplained_per_run": unexplained / runs, "detect_s_per_run": seconds / runs}


def run_workflow(study: Path, workdir: Path) -> None:
    """The workflow on ``study`` up to the default contrast's differential table."""
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
               "--configfile", str(REPO / "config" / "config.yaml"), "--cores", "2", "--quiet",
               "--config", f"samples={study / 'samples.tsv'}", f"library={study / 'library.msp'}", "--", f"results/stats/{CONTRAST}.tsv"]
    subprocess.run(command, check=True, env={"PATH": f"{bin_dir}:/usr/bin:/bin"}, stderr=subprocess.DEVNULL)


def per_compound_r(features: pd.DataFrame, values: pd.DataFrame, owner: pd.Series, truth: pd.DataFrame, samples: list[str]) -> list[float]:
    """Per true compound with a feature in ``values`` (feature_id x sample, log or linear > 0): the log-log
    correlation of its most-detected feature with ``truth`` (compound_id x sample)."""
    out = []
    for k, cid in enumerate(truth.index):
        mine = features[(owner == k).to_numpy() & features["feature_id"].isin(values.index).to_numpy()]
        if mine.empty:
            continue
        y = values.loc[mine["feature_id"].iat[int(np.argmax(mine["n_detected"].to_numpy()))], samples].astype(float)
        ok = y.notna() & (y > 0)
        if ok.sum() >= 3:
            out.append(float(np.corrcoef(np.log(y[ok]), np.log(truth.loc[cid, y.index[ok]].astype(float)))[0, 1]))
    return out


def default_test_q(y: np.ndarray, case: np.ndarray) -> np.ndarray:
    """BH q-values of the default test (moderated t, case vs control) on log2 values ``y`` (rows x samples)."""
    design = np.column_stack([np.ones_like(case), case])
    return bh_qvalues(moderated_t_test(y, design, np.full(len(y), case.sum()), np.full(len(y), (1 - case).sum()))["pvalue"].to_numpy())


def peaks_oracle(areas: pd.DataFrame, compounds: pd.DataFrame, sheet: pd.DataFrame, case: np.ndarray, per_biomass: pd.DataFrame) -> tuple[np.ndarray, float]:
    """The true quant-ion areas (``areas``, compound x run) divided by the internal standard's and then by PQN
    factors against the pooled QCs' median: per compound the moderated t's q-value (NaN for the standard), and
    the median over compounds of their log-log r with ``per_biomass``."""
    standard = int(np.flatnonzero(compounds["metabolite"].to_numpy() == "ribitol")[0])
    samples = sheet.loc[sheet["type"] == "sample", "sample"].tolist()
    qcs = sheet.loc[sheet["type"] == "qc", "sample"].tolist()
    ratio = areas[samples + qcs] / areas.iloc[standard][samples + qcs]
    ratio = ratio.drop(index=ratio.index[standard])
    factors = ratio.div(ratio[qcs].median(axis=1), axis=0).median(axis=0)
    y = np.log2(ratio[samples] / factors[samples])
    q = default_test_q(y.to_numpy(float), case)
    truth = np.log2(per_biomass.loc[y.index, samples].astype(float))
    r = [np.corrcoef(y.loc[c], truth.loc[c])[0, 1] for c in y.index]
    return np.insert(q, standard, np.nan), float(np.median(r))


def workflow_figures(study: Path, workdir: Path, seed: int) -> dict[str, float]:
    """Features per found compound, median per-compound log-log r (area, abundance), power, FDP and the oracle power."""
    compounds = pd.read_csv(study / "truth" / "compounds.tsv", sep="\t")
    amounts = pd.read_csv(study / "truth" / "amounts.tsv", sep="\t").set_index("compound_id")
    areas = pd.read_csv(study / "truth" / "peaks.tsv", sep="\t").pivot(index="compound_id", columns="sample", values="quant_area")
    sheet = pd.read_csv(study / "samples.tsv", sep="\t")
    runs = sheet[sheet["type"] == "sample"]
    samples = runs["sample"].tolist()
    biomass = pd.Series([sample_biomass(seed, s, g)[1] for s, g in zip(runs["sample"], runs["group"])], index=samples)
    per_biomass = amounts[samples] / biomass
    features = pd.read_csv(workdir / "results" / "features" / "feature_table.tsv", sep="\t")
    abundance = 2.0 ** pd.read_csv(workdir / "results" / "normalized" / "abundance.tsv", sep="\t").set_index("feature_id")[samples]
    tests = pd.read_csv(workdir / "results" / "stats" / f"{CONTRAST}.tsv", sep="\t").set_index("feature_id")
    ri, quant = compounds["ri"].to_numpy(), compounds["quant_mz"].to_numpy()
    owner = pd.Series([owner_of(x, mz, ri, quant) for x, mz in zip(features["ri"], features["quant_mz"])], index=features["feature_id"])
    per_compound = np.bincount(owner[owner >= 0], minlength=len(compounds))
    r_area = per_compound_r(features, features.set_index("feature_id"), owner, areas.reindex(compounds["compound_id"]), samples)
    r_abund = per_compound_r(features, abundance, owner, per_biomass.reindex(compounds["compound_id"]), samples)
    changed = set(np.flatnonzero(compounds["log2fc"].to_numpy() != 0))
    called = owner.reindex(tests.index[tests["qvalue"] < ALPHA]).fillna(-1).astype(int)
    case = (runs["group"] == CASE).to_numpy(float)
    y = np.log2(per_biomass.reindex(compounds["compound_id"]).to_numpy(float))
    oracle = default_test_q(y, case)
    truly = compounds["log2fc"].to_numpy() != 0
    peaks_q, peaks_r = peaks_oracle(areas.reindex(compounds["compound_id"]), compounds, sheet, case, per_biomass.reindex(compounds["compound_id"]))
    return {"per_compound": per_compound.sum() / max((per_compound > 0).sum(), 1), "r_area": float(np.median(r_area)), "r_abund": float(np.median(r_abund)),
            "n_r": len(r_abund), "power": len(changed & set(called)) / max(len(changed), 1), "n_changed": len(changed),
            "fdp": int((~called.isin(changed)).sum()) / max(len(called), 1), "n_called": len(called),
            "oracle_power": float((oracle[truly] < ALPHA).mean()), "oracle_fdp": float(((oracle < ALPHA) & ~truly).sum() / max((oracle < ALPHA).sum(), 1)),
            "peaks_power": float((peaks_q[truly] < ALPHA).mean()), "peaks_r": peaks_r}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gcmsflow-detection"))
    parser.add_argument("--workflow", action="store_true", help="also run the workflow: features per compound, quantitative r, test power")
    args = parser.parse_args()
    studies = [("default", None)] + [("hard", seed) for seed in args.seeds]
    print(f"{'study':14} {'recall':>7} {'(n)':>6} {'comp/compound':>14} {'unexplained/run':>16} {'detect s/run':>13}")
    for name, seed in studies:
        design, severity = preset(name, None, seed=seed)
        folder = args.workdir / f"{name}-{design.seed}"
        if not (folder / "truth" / "settings.json").exists():
            simulate_study(folder, design, severity)
        f = study_figures(folder, design.seed, severity.detector_noise)
        ok = f["recall"] >= TARGET_RECALL and f["per_compound"] <= TARGET_PER_COMPOUND
        print(f"{name + ' ' + str(design.seed):14} {f['recall']:7.3f} {f['n_strong']:6d} {f['per_compound']:14.3f} "
              f"{f['unexplained_per_run']:16.1f} {f['detect_s_per_run']:13.2f}  {'met' if ok else 'NOT met'}")
    print(f"targets: recall >= {TARGET_RECALL}, components per compound <= {TARGET_PER_COMPOUND}")
    if not args.workflow:
        return
    print(f"\n{'study':14} {'feat/compound':>14} {'r area':>7} {'r abund':>8} {'(n)':>4} {'power':>6} {'(n)':>4} {'FDP':>6} {'calls':>6} {'oracle power/FDP':>17} {'peaks oracle r/power':>21}")
    for name, seed in studies:
        design, _ = preset(name, None, seed=seed)
        folder = args.workdir / f"{name}-{design.seed}"
        run_workflow(folder, args.workdir / f"{name}-{design.seed}-workflow")
        w = workflow_figures(folder, args.workdir / f"{name}-{design.seed}-workflow", design.seed)
        ok = w["per_compound"] <= TARGET_PER_COMPOUND and w["r_abund"] >= TARGET_R and w["power"] >= TARGET_POWER and w["fdp"] <= TARGET_FDP
        print(f"{name + ' ' + str(design.seed):14} {w['per_compound']:14.3f} {w['r_area']:7.3f} {w['r_abund']:8.3f} {w['n_r']:4d} {w['power']:6.3f} {w['n_changed']:4d} "
              f"{w['fdp']:6.3f} {w['n_called']:6d} {w['oracle_power']:11.3f}/{w['oracle_fdp']:.3f} {w['peaks_r']:15.3f}/{w['peaks_power']:.3f}  {'met' if ok else 'NOT met'}")
    print(f"targets: features per compound <= {TARGET_PER_COMPOUND}, median r >= {TARGET_R}, power >= {TARGET_POWER} at q < {ALPHA} with FDP <= {TARGET_FDP}")


if __name__ == "__main__":
    main()
