"""Figures of one study design: its design matrix, and trends (mean ± 95 % CI by dose, time or level) of the top features."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy import stats

from ..stats.design_matrix import Design
from .plots import _save, plt, sns

TOP_FEATURES = 6  # features with the lowest p in the trend plot, besides the highlighted metabolites


def design_matrix_plot(matrix: pd.DataFrame, target: str | os.PathLike) -> None:
    """The design matrix (samples x coefficients) as an annotated heatmap."""
    data = matrix.set_index("sample")
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * data.shape[1], 1.2 + 0.28 * len(data)))
    sns.heatmap(data, annot=len(data) <= 60, fmt="g", cmap="Blues", cbar=False, linewidths=0.5, linecolor="white", ax=ax)
    ax.set(xlabel="coefficient", ylabel="sample", title="Design matrix")
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    _save(fig, target)


def trend_variable(design: Design) -> tuple[str, str | None]:
    """The column to draw trends along (numeric first, then a factor of 3 or more declared levels, else the first) and a factor to split lines by."""
    numeric = [c for c, levels in design.variables.items() if levels is None]
    ordered = [c for c, levels in design.variables.items() if levels is not None and c in design.spec.levels and len(levels) >= 3]
    along = (numeric + ordered + list(design.variables))[0]
    split = next((c for c, levels in design.variables.items() if levels is not None and c != along), None)
    return along, split


def _mean_ci(values: np.ndarray) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if values.size < 2:
        return (float(values.mean()) if values.size else np.nan), np.nan
    return float(values.mean()), float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))


def trend_plot(values: pd.DataFrame, tested: pd.DataFrame, annotations: pd.DataFrame, design: Design, runs: pd.DataFrame, highlight: list[str], target: str | os.PathLike) -> None:
    """Mean ± 95 % CI of the top features (lowest p in ``tested``) and the highlighted metabolites, by the design's trend column."""
    along, split = trend_variable(design)
    named = annotations.dropna(subset=["name"])
    chosen = list(tested.dropna(subset=["pvalue"]).head(TOP_FEATURES)["feature_id"])
    for name in highlight:
        hits = named[named["name"].str.lower() == name.lower()]
        chosen += [f for f in hits["feature_id"].head(1) if f in values.index and f not in chosen]
    labels = annotations.set_index("feature_id")["name"].reindex(chosen).fillna("")
    levels = design.variables[along]
    x_values = runs[along].astype(str) if levels is not None else pd.to_numeric(runs[along])
    positions = sorted(x_values.unique()) if levels is None else [level for level in levels if level in set(x_values)]
    groups = [None] if split is None else [g for g in design.variables[split] if g in set(runs[split].astype(str))]
    columns = 3
    rows = max(1, -(-len(chosen) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    palette = sns.color_palette("tab10", len(groups))
    for ax, feature in zip(axes.flat, chosen):
        for colour, group in zip(palette, groups):
            members = runs.index if group is None else runs.index[runs[split].astype(str) == group]
            summary = [_mean_ci(values.loc[feature, [s for s in members if x_values[s] == x]].to_numpy(float)) for x in positions]
            means, halves = np.array([m for m, _ in summary]), np.array([h for _, h in summary])
            x = np.arange(len(positions)) if levels is not None else np.asarray(positions, float)
            ax.errorbar(x, means, yerr=halves, marker="o", ms=4, capsize=3, color=colour, label=group or "all")
        if levels is not None:
            ax.set_xticks(np.arange(len(positions)), positions)
        ax.set(title=f"{labels[feature]} ({feature})" if labels[feature] else feature, xlabel=along, ylabel="log2 abundance")
        ax.title.set_fontsize(8)
    for ax in list(axes.flat)[len(chosen) :]:
        ax.axis("off")
    if split is not None and chosen:
        axes.flat[0].legend(frameon=False, fontsize=7, title=split, title_fontsize=7)
    fig.suptitle(f"{design.spec.name}: mean ± 95 % CI by {along}", fontsize=10)
    fig.tight_layout()
    _save(fig, target)
