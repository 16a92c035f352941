"""Designs fitted here and by limma itself (tests/limma_reference.R) agree: coefficients, t, F and p to 1e-6 relative.

Four design types (factorial 2x2 with interaction, numeric dose, time course as a factor, paired
samples with a random block), each with missing values, with and without robust eBayes. The
formulaic design matrices are checked against R's ``model.matrix`` of the same formula.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gcmsflow.stats.design_matrix import DesignSpec, build_design
from gcmsflow.stats.design_tests import fit_design, fit_linear, moderate

pytestmark = pytest.mark.limma

SCRIPT = Path(__file__).with_name("limma_reference.R")
RTOL = 1e-6
N_FEATURES = 300


def factorial_runs() -> pd.DataFrame:
    cells = [(g, t) for g in ("WT", "KD") for t in ("none", "ASNase")]
    rows = [(g, t) for g, t in cells for _ in range(3)]
    return pd.DataFrame(rows, columns=["genotype", "treatment"], index=[f"s{i:02d}" for i in range(len(rows))])


def dose_runs() -> pd.DataFrame:
    doses = [0, 0.5, 1, 2, 5, 10]
    rows = [(str(d), "b1" if i % 2 else "b2") for d in doses for i in range(3)]
    return pd.DataFrame(rows, columns=["dose", "batch"], index=[f"s{i:02d}" for i in range(len(rows))])


def time_runs() -> pd.DataFrame:
    rows = [(t,) for t in ("24h", "48h", "72h") for _ in range(4)]
    return pd.DataFrame(rows, columns=["time"], index=[f"s{i:02d}" for i in range(len(rows))])


def paired_runs() -> pd.DataFrame:
    rows = [(f"p{p}", t) for p in range(1, 7) for t in ("none", "ASNase")]
    return pd.DataFrame(rows, columns=["passage", "treatment"], index=[f"s{i:02d}" for i in range(len(rows))])


FACTORIAL = DesignSpec(
    name="factorial", formula="~ genotype * treatment", levels={"genotype": ["WT", "KD"], "treatment": ["none", "ASNase"]},
    contrasts={"interaction": "genotype[T.KD]:treatment[T.ASNase]", "kd_in_asnase": "genotype[T.KD] + genotype[T.KD]:treatment[T.ASNase]",
               "asnase_in_wt": "{genotype: WT, treatment: ASNase} - {genotype: WT, treatment: none}"},
    ftests={"any": ["genotype[T.KD]", "treatment[T.ASNase]", "interaction"]},
)
DOSE = DesignSpec(name="dose", formula="~ dose + batch", contrasts={"dose_trend": "dose", "batch": "batch[T.b2]"}, ftests={"dose": ["dose"]})
TIME = DesignSpec(
    name="time", formula="~ time", levels={"time": ["24h", "48h", "72h"]},
    contrasts={"t48": "time[T.48h]", "t72_vs_t48": "time[T.72h] - time[T.48h]"}, ftests={"any_time": ["time[T.48h]", "time[T.72h]"]},
)
PAIRED = DesignSpec(name="paired", formula="~ treatment", levels={"treatment": ["none", "ASNase"]}, contrasts={"asnase": "treatment[T.ASNase]"},
                    ftests={"asnase": ["asnase"]}, block="passage")
CASES = {
    "factorial": (FACTORIAL, factorial_runs),
    "dose": (DOSE, dose_runs),
    "time": (TIME, time_runs),
    "paired": (PAIRED, paired_runs),
}


def simulate(design_matrix: np.ndarray, blocks: np.ndarray | None, seed: int) -> np.ndarray:
    """log2 abundances: random effects per coefficient, gamma-spread variances with a few outliers, block effects, ~4 % missing."""
    rng = np.random.default_rng(seed)
    n_runs, n_coef = design_matrix.shape
    beta = rng.normal(0, 1, (N_FEATURES, n_coef)) * (rng.random((N_FEATURES, n_coef)) < 0.3)
    beta[:, 0] = rng.normal(20, 2, N_FEATURES)
    sd = np.sqrt(0.05 * 4 / rng.chisquare(4, N_FEATURES))
    sd[:6] *= 8  # outlying variances, where robust eBayes differs
    y = beta @ design_matrix.T + rng.normal(0, 1, (N_FEATURES, n_runs)) * sd[:, None]
    if blocks is not None:
        levels = np.unique(blocks)
        effects = rng.normal(0, 0.3, (N_FEATURES, levels.size))
        y += effects[:, np.searchsorted(levels, blocks)]
    y[rng.random(y.shape) < 0.04] = np.nan
    y[10, :3] = np.nan  # a whole first cell missing: some coefficients not estimable
    y[11, :-2] = np.nan  # almost nothing observed
    return y


def write_inputs(folder: Path, runs: pd.DataFrame, spec: DesignSpec, robust: bool, seed: int) -> tuple[pd.DataFrame, object]:
    design = build_design(DesignSpec(**{**spec.__dict__, "robust": robust}), runs)
    y = simulate(design.matrix, design.blocks, seed)
    features = [f"f{i:03d}" for i in range(N_FEATURES)]
    values = pd.DataFrame(y, index=features, columns=design.samples)
    values.to_csv(folder / "y.tsv", sep="\t", na_rep="NA", float_format="%.17g")
    pd.DataFrame(design.matrix, index=design.samples, columns=design.coefficients).to_csv(folder / "design.tsv", sep="\t")
    pd.DataFrame(design.contrasts, index=design.coefficients).to_csv(folder / "contrasts.tsv", sep="\t")
    ftest = next(iter(design.ftests.values()))
    pd.DataFrame(ftest, index=design.coefficients).to_csv(folder / "ftest.tsv", sep="\t")
    pd.DataFrame({"robust": ["TRUE" if robust else "FALSE"], "block": [spec.block or ""]}).to_csv(folder / "settings.tsv", sep="\t", index=False)
    if spec.block:
        pd.DataFrame({"block": design.blocks}).to_csv(folder / "block.tsv", sep="\t", index=False)
    columns = [c for c in runs.columns if c != spec.block]
    runs[columns].to_csv(folder / "samples.tsv", sep="\t", index=False)
    levels = [(column, level) for column, found in design.variables.items() if found for level in found]
    pd.DataFrame(levels, columns=["column", "level"]).to_csv(folder / "levels.tsv", sep="\t", index=False)
    (folder / "formula.txt").write_text(spec.formula + "\n")
    return values, design


def relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest |ours - theirs| / |theirs| over the entries both have (NaN positions must agree)."""
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), "missing values differ"
    both = ~np.isnan(theirs)
    ours, theirs = ours[both], theirs[both]
    with np.errstate(invalid="ignore"):
        gap = np.where(ours == theirs, 0.0, np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-8))
    return float(np.max(gap, initial=0.0))


def r_table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"r_{name}.tsv", sep="\t", index_col=0)


@pytest.mark.parametrize("robust", [False, True], ids=["plain", "robust"])
@pytest.mark.parametrize("case", list(CASES))
def test_matches_limma(case: str, robust: bool, tmp_path: Path) -> None:
    spec, runs = CASES[case]
    values, design = write_inputs(tmp_path, runs(), spec, robust, seed=len(case) + robust)
    result = subprocess.run(["Rscript", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    r_matrix = pd.read_csv(tmp_path / "model_matrix.tsv", sep="\t", index_col=0).to_numpy(float)
    assert r_matrix.shape == design.matrix.shape and np.allclose(r_matrix, design.matrix), "formulaic and model.matrix differ"
    fitted = fit_design(values, pd.Series(dtype=str), design)
    projected, moderated = moderate(fit_linear(values.to_numpy(float), design)[0], np.column_stack(list(design.contrasts.values())), robust)
    differences = {
        "t": [relative_difference(moderated.t, r_table(tmp_path, "t"))],
        "stdev_unscaled": [relative_difference(projected.stdev_unscaled, r_table(tmp_path, "stdev_unscaled"))],
        "df_prior": [relative_difference(moderated.df_prior, r_table(tmp_path, "prior")["df_prior"])],
    }
    if robust:  # the robust prior is exercised: outlying variances get smaller prior df
        assert moderated.df_prior.min() < 0.5 * np.median(moderated.df_prior)
    for k, name in enumerate(design.contrasts):
        ours = fitted.contrasts[name].set_index("feature_id").loc[values.index]
        differences.setdefault("coefficient", []).append(relative_difference(ours["log2fc"], r_table(tmp_path, "coefficients").iloc[:, k]))
        differences.setdefault("p", []).append(relative_difference(ours["pvalue"], r_table(tmp_path, "p").iloc[:, k]))
    ftest = next(iter(fitted.ftests.values())).set_index("feature_id").loc[values.index]
    r_f = r_table(tmp_path, "F")
    differences["F"] = [relative_difference(ftest["F"], r_f["F"])]
    differences["F_p"] = [relative_difference(ftest["pvalue"], r_f["p"])]
    differences["df2"] = [relative_difference(ftest["df2"], r_f["df2"])]
    assert np.array_equal(ftest["df1"].to_numpy(), r_f["df1"].to_numpy())
    if design.blocks is not None:
        consensus = fitted.model["consensus_correlation"].iloc[0]
        assert consensus > 0.2
        differences["correlation"] = [relative_difference(np.array([consensus]), r_table(tmp_path, "correlation").iloc[:, 0].to_numpy())]
    worst = {quantity: max(values) for quantity, values in differences.items()}
    print(f"{case} {'robust' if robust else 'plain'}: largest relative difference to limma " + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
    assert all(v <= RTOL for v in worst.values()), worst
