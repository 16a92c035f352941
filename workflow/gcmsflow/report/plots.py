"""Figures for the report (matplotlib/seaborn, PNG and SVG): TIC overlay, RI ladder, QC drift, PCA, volcano,
clustered heatmap, highlighted metabolites."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "gcmsflow"  # stable element ids: same data, same SVG bytes
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ..core.atomic import atomic_path  # noqa: E402
from ..core.samplesheet import TYPES, columns_of_type, runs_of_type  # noqa: E402
from ..stats.contrasts import Q_THRESHOLD  # noqa: E402
from ..stats.drift import rsd_percent  # noqa: E402

MAX_LABELLED_RUNS = 60  # per-run figures name their runs up to this many


def _save(fig: plt.Figure, target: str | os.PathLike) -> None:
    """Write ``target`` (.png) and the same figure as SVG beside it."""
    with atomic_path(target, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png", metadata={"Software": None})
    with atomic_path(os.path.splitext(target)[0] + ".svg", suffix=".svg") as tmp:
        fig.savefig(tmp, bbox_inches="tight", format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)


def tic_overlay(tics: dict[str, tuple[np.ndarray, np.ndarray]], sheet: pd.DataFrame, target: str | os.PathLike) -> None:
    """Total ion chromatograms (``sample -> (times in s, TIC)``) of all runs, coloured by group."""
    fig, ax = plt.subplots(figsize=(10, 4))
    groups = sorted(sheet.loc[list(tics), "group"].unique())
    palette = dict(zip(groups, sns.color_palette("tab10", len(groups))))
    for sample, (times_s, tic) in tics.items():
        ax.plot(times_s / 60.0, tic, lw=0.6, alpha=0.7, color=palette[sheet.loc[sample, "group"]])
    for group in groups:
        ax.plot([], [], color=palette[group], label=group)
    ax.set(xlabel="retention time (min)", ylabel="total ion current", title="TIC overlay")
    ax.legend(frameon=False, fontsize=8)
    _save(fig, target)


def ri_ladder(qc: pd.DataFrame, target: str | os.PathLike) -> None:
    """Ladder QC per batch: marker retention times against carbon number (missing markers marked),
    and each inner marker's leave-one-out interpolation residual in RI units."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    if len(qc):
        for batch, rows in qc.groupby("batch", sort=False):
            found = rows[rows["status"] != "missing"]
            line = left.plot(found["carbon"], found["rt"] / 60.0, "o-", ms=4, label=f"batch {batch}")[0]
            missing = rows[rows["status"] == "missing"]
            if len(missing):
                left.plot(missing["carbon"], np.zeros(len(missing)), "x", color=line.get_color(), ms=8, mew=2)
            right.plot(found["carbon"], found["residual_ri"], "o-", ms=4, color=line.get_color())
        left.legend(frameon=False, fontsize=8, title="x = missing marker", title_fontsize=8)
        right.axhline(0.0, color="grey", lw=0.8)
    else:
        left.text(0.5, 0.5, "no marker ladder: RI not calibrated", ha="center", transform=left.transAxes)
    left.set(xlabel="marker carbon number", ylabel="retention time (min)", title="RI ladder")
    right.set(xlabel="marker carbon number", ylabel="leave-one-out residual (RI)", title="Ladder linearity")
    _save(fig, target)


def retention_correction(corrections: pd.DataFrame, sheet: pd.DataFrame, target: str | os.PathLike) -> None:
    """Per run in injection order: the warp applied before alignment (median, range) and the landmarks' typical
    deviation from the study before and after it."""
    data = corrections.merge(sheet[["injection_order"]], left_on="sample", right_index=True).sort_values("injection_order")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    x = np.arange(len(data))
    top.errorbar(x, data["shift_median"], yerr=[data["shift_median"] - data["shift_min"], data["shift_max"] - data["shift_median"]], fmt="o", ms=3, capsize=2)
    top.axhline(0.0, color="grey", lw=0.5)
    top.set(ylabel="warp (RI or s)", title="Retention correction per run (median, range over the run)")
    bottom.plot(x, data["spread_before"], "o-", ms=3, label="before")
    bottom.plot(x, data["spread_after"], "o-", ms=3, label="after")
    bottom.set(ylabel="median |deviation|", xlabel="run (injection order)")
    if len(data) <= MAX_LABELLED_RUNS:  # beyond, names cannot be read and laying them out dominates the step's time
        bottom.set_xticks(x, data["sample"], rotation=90, fontsize=6)
    bottom.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    _save(fig, target)


def qc_drift(raw: pd.DataFrame, corrected: pd.DataFrame, sheet: pd.DataFrame, target: str | os.PathLike) -> None:
    """Signal over injection order (median over features of log2 area minus the feature's QC median)
    before and after drift correction, and the per-feature pooled-QC RSD before and after."""
    runs = runs_of_type(sheet, *TYPES, among=corrected.columns)
    qcs = columns_of_type(sheet, runs, "qc")
    features = corrected.index
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [2, 1]})
    rsds = {}
    for label, table, colour in (("before", raw.loc[features, runs], "grey"), ("after", corrected[runs], "tab:blue")):
        logs = np.log2(table.where(table > 0))
        centred = logs.sub(logs[qcs].median(axis=1) if qcs else logs.median(axis=1), axis=0).median(axis=0)
        order = sheet.loc[runs, "injection_order"]
        left.plot(order, centred, "-", color=colour, lw=0.8, alpha=0.6)
        left.scatter(order[qcs], centred[qcs], color=colour, marker="D", s=30, label=f"pooled QC, {label}")
        left.scatter(order.drop(qcs), centred.drop(qcs), color=colour, s=12, alpha=0.6, label=f"sample, {label}")
        rsds[label] = rsd_percent(table[qcs]) if len(qcs) >= 2 else pd.Series(dtype=float)
    left.axhline(0, color="black", lw=0.5)
    left.set(xlabel="injection order", ylabel="median log2 area − QC median", title="Signal drift")
    left.legend(frameon=False, fontsize=7, ncol=2)
    data = pd.concat([r.rename(k) for k, r in rsds.items()], axis=1).melt(var_name="drift correction", value_name="QC RSD (%)").dropna()
    if len(data):
        sns.boxplot(data=data, x="drift correction", y="QC RSD (%)", hue="drift correction", palette={"before": "grey", "after": "tab:blue"}, ax=right, fliersize=2)
        medians = data.groupby("drift correction")["QC RSD (%)"].median()
        right.set(title=f"QC RSD: median {medians.get('before', np.nan):.1f} % → {medians.get('after', np.nan):.1f} %")
    else:
        right.text(0.5, 0.5, "fewer than two pooled QCs", ha="center", transform=right.transAxes)
    _save(fig, target)


def pca_scores(abundance: pd.DataFrame, sheet: pd.DataFrame, target: str | os.PathLike) -> None:
    """PCA scores (autoscaled log2 abundances) of study samples and pooled QCs."""
    data = abundance.T.dropna(axis=1)
    data = (data - data.mean()) / data.std(ddof=1).replace(0, np.nan)
    data = data.dropna(axis=1)
    if data.shape[1] < 2 or data.shape[0] < 3:
        fig, ax = plt.subplots(figsize=(5.5, 4.5))
        ax.text(0.5, 0.5, f"PCA needs two features and three runs ({data.shape[1]} and {data.shape[0]} here)", ha="center", transform=ax.transAxes)
        _save(fig, target)
        return
    u, s, _ = np.linalg.svd(data.to_numpy(), full_matrices=False)
    explained = s**2 / np.sum(s**2)
    scores = pd.DataFrame(u[:, :2] * s[:2], columns=["PC1", "PC2"], index=data.index)
    scores["group"] = sheet.loc[scores.index, "group"].to_numpy()
    scores["type"] = sheet.loc[scores.index, "type"].to_numpy()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    sns.scatterplot(data=scores, x="PC1", y="PC2", hue="group", style="type", s=60, ax=ax)
    ax.set(xlabel=f"PC1 ({100 * explained[0]:.0f} %)", ylabel=f"PC2 ({100 * explained[1]:.0f} %)", title="PCA scores")
    ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.02, 1), loc="upper left")
    _save(fig, target)


def volcano(stats: pd.DataFrame, target: str | os.PathLike, q_threshold: float = Q_THRESHOLD) -> None:
    """log2 fold change against -log10 p, significant features (q below threshold) named."""
    data = stats.dropna(subset=["pvalue"]).copy()
    data["-log10 p"] = -np.log10(data["pvalue"].clip(lower=1e-300))
    data["significant"] = data["qvalue"] < q_threshold
    fig, ax = plt.subplots(figsize=(6, 4.5))
    sns.scatterplot(data=data, x="log2fc", y="-log10 p", hue="significant", palette={True: "crimson", False: "grey"}, s=25, ax=ax)
    for row in data[data["significant"]].itertuples(index=False):
        label = row.name if isinstance(row.name, str) and row.name else row.feature_id
        ax.annotate(label, (row.log2fc, -np.log10(max(row.pvalue, 1e-300))), fontsize=7)
    ax.axvline(0, color="black", lw=0.5)
    ax.set(title=f"Volcano (q < {q_threshold} in red)")
    _save(fig, target)


def heatmap(abundance: pd.DataFrame, stats: pd.DataFrame, sheet: pd.DataFrame, target: str | os.PathLike, top: int = 30) -> None:
    """Clustered heatmap (Ward, Euclidean) of the ``top`` features by p-value, z-scored per feature, study samples only."""
    samples = columns_of_type(sheet, abundance.columns, "sample")
    chosen = stats.dropna(subset=["pvalue"]).head(top)
    data = abundance.loc[chosen["feature_id"], samples]
    data.index = [f"{n} ({f})" if isinstance(n, str) and n else f for f, n in zip(chosen["feature_id"], chosen["name"])]
    data = data.sub(data.mean(axis=1), axis=0).div(data.std(axis=1, ddof=1).replace(0, np.nan), axis=0).fillna(0.0)
    groups = sheet.loc[samples, "group"]
    palette = dict(zip(sorted(groups.unique()), sns.color_palette("Set2", groups.nunique())))
    if len(data) >= 2:
        grid = sns.clustermap(data, method="ward", cmap="vlag", center=0, col_colors=groups.map(palette), figsize=(8, max(4, 0.25 * len(data) + 2)),
                              yticklabels=True, xticklabels=len(samples) <= MAX_LABELLED_RUNS, cbar_kws={"label": "z-score"})
        grid.ax_heatmap.set(xlabel="sample", ylabel="")
        for group, colour in palette.items():
            grid.ax_col_dendrogram.bar(0, 0, color=colour, label=group, linewidth=0)
        grid.ax_col_dendrogram.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig = grid.figure
    else:
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.text(0.5, 0.5, "fewer than two tested features", ha="center", transform=ax.transAxes)
    _save(fig, target)


def highlights(abundance: pd.DataFrame, annotations: pd.DataFrame, sheet: pd.DataFrame, names: list[str], target: str | os.PathLike) -> None:
    """Box and strip plots of the highlighted metabolites' log2 abundance per group (study samples only)."""
    samples = columns_of_type(sheet, abundance.columns, "sample")
    records = []
    for wanted in names:
        hits = annotations[annotations["name"].fillna("").astype(str).str.contains(wanted, case=False, regex=False)]
        hits = hits[hits["feature_id"].isin(abundance.index)]
        if hits.empty:
            continue
        fid = hits.sort_values("score", ascending=False)["feature_id"].iloc[0]
        for sample in samples:
            records.append({"metabolite": wanted, "group": sheet.loc[sample, "group"], "log2 abundance": abundance.loc[fid, sample]})
    fig, ax = plt.subplots(figsize=(max(4, 1.6 * max(1, len(names))), 4))
    if records:
        data = pd.DataFrame(records)
        sns.boxplot(data=data, x="metabolite", y="log2 abundance", hue="group", ax=ax, fliersize=0)
        state = np.random.get_state()  # seaborn jitters the strip with numpy's global generator: seeded, the same figure every run
        np.random.seed(0)
        sns.stripplot(data=data, x="metabolite", y="log2 abundance", hue="group", dodge=True, ax=ax, color="black", size=3, legend=False)
        np.random.set_state(state)
    else:
        ax.text(0.5, 0.5, "none of the highlighted metabolites was annotated", ha="center", transform=ax.transAxes)
    ax.set(title="Highlighted metabolites")
    _save(fig, target)
