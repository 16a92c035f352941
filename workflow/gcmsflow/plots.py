"""Figures for the report (matplotlib/seaborn, PNG): TIC overlay, RI ladder, PCA, volcano, highlighted metabolites."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .atomic import atomic_path  # noqa: E402
from .scancube import ScanCube  # noqa: E402

TYPE_ORDER = ["sample", "qc", "blank", "alkane"]


def _save(fig: plt.Figure, target: str | os.PathLike) -> None:
    with atomic_path(target, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png", metadata={"Software": None})
    plt.close(fig)


def tic_overlay(cubes: dict[str, ScanCube], sheet: pd.DataFrame, target: str | os.PathLike) -> None:
    """Total ion chromatograms of all runs, coloured by group."""
    fig, ax = plt.subplots(figsize=(10, 4))
    groups = sorted(sheet.loc[list(cubes), "group"].unique())
    palette = dict(zip(groups, sns.color_palette("tab10", len(groups))))
    for sample, cube in cubes.items():
        ax.plot(cube.times_s / 60.0, cube.tic(), lw=0.6, alpha=0.7, color=palette[sheet.loc[sample, "group"]])
    for group in groups:
        ax.plot([], [], color=palette[group], label=group)
    ax.set(xlabel="retention time (min)", ylabel="total ion current", title="TIC overlay")
    ax.legend(frameon=False, fontsize=8)
    _save(fig, target)


def ri_ladder(calibration: pd.DataFrame, target: str | os.PathLike) -> None:
    """Alkane marker retention times against carbon number, and the spacing between markers."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    if len(calibration):
        left.plot(calibration["carbon"], calibration["rt"] / 60.0, "o-", ms=4)
        right.plot(calibration["carbon"].iloc[1:], np.diff(calibration["rt"]), "o-", ms=4)
    else:
        left.text(0.5, 0.5, "no alkane ladder: RI not calibrated", ha="center", transform=left.transAxes)
    left.set(xlabel="alkane carbon number", ylabel="retention time (min)", title="RI ladder")
    right.set(xlabel="alkane carbon number", ylabel="spacing to previous marker (s)", title="Marker spacing")
    _save(fig, target)


def pca_scores(abundance: pd.DataFrame, sheet: pd.DataFrame, target: str | os.PathLike) -> None:
    """PCA scores (autoscaled log2 abundances) of study samples and pooled QCs."""
    data = abundance.T.dropna(axis=1)
    data = (data - data.mean()) / data.std(ddof=1).replace(0, np.nan)
    data = data.dropna(axis=1)
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


def volcano(stats: pd.DataFrame, target: str | os.PathLike, q_threshold: float = 0.05) -> None:
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


def highlights(abundance: pd.DataFrame, annotations: pd.DataFrame, sheet: pd.DataFrame, names: list[str], target: str | os.PathLike) -> None:
    """Box and strip plots of the highlighted metabolites' log2 abundance per group (study samples only)."""
    samples = [s for s in abundance.columns if sheet.loc[s, "type"] == "sample"]
    records = []
    for wanted in names:
        hits = annotations[annotations["name"].str.contains(wanted, case=False, regex=False, na=False)]
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
        sns.stripplot(data=data, x="metabolite", y="log2 abundance", hue="group", dodge=True, ax=ax, color="black", size=3, legend=False)
    else:
        ax.text(0.5, 0.5, "none of the highlighted metabolites was annotated", ha="center", transform=ax.transAxes)
    ax.set(title="Highlighted metabolites")
    _save(fig, target)
