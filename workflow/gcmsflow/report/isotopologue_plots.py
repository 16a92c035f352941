"""Tracing figure: stacked bars of the corrected isotopologue fractions per group, one panel per fragment."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..core.samplesheet import runs_of_type
from ..tracing.extract import clean_clusters
from .plots import _save

PATHWAY = ("pyruvate", "lactate", "alanine", "serine", "glycine", "citrate", "2-oxoglutarate", "succinate", "fumarate", "malate",
           "aspartate", "asparagine", "glutamate", "glutamine")


def isotopologue_bars(isotopologues: pd.DataFrame, sheet: pd.DataFrame, target: str | os.PathLike) -> None:
    """Mean corrected fraction of M0..Mn per group (study samples) for the pathway metabolites' clean clusters
    (neither overlapped nor low signal)."""
    samples = sheet.loc[runs_of_type(sheet, "sample"), ["sample", "group"]]
    data = isotopologues[clean_clusters(isotopologues)].merge(samples, on="sample")
    data = data[data["metabolite"].isin(PATHWAY)]
    panels = list(dict.fromkeys(zip(data["metabolite"], data["fragment_mz"])))
    panels.sort(key=lambda p: (PATHWAY.index(p[0]), p[1]))
    columns = 4
    rows = max(1, -(-len(panels) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.6 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    if not panels:
        axes[0, 0].text(0.5, 0.5, "no traced fragment", ha="center", va="center")
    for ax, (metabolite, mz) in zip(axes.flat, panels):
        part = data[(data["metabolite"] == metabolite) & (data["fragment_mz"] == mz)]
        means = part.groupby(["group", "isotopologue"])["fraction_corrected"].mean().unstack(fill_value=0.0)
        colours = sns.color_palette("viridis", means.shape[1])
        bottom = np.zeros(len(means))
        for k, column in enumerate(means.columns):
            ax.bar(means.index, means[column], bottom=bottom, color=colours[k], label=f"M+{column}")
            bottom += means[column].to_numpy()
        ax.set(title=f"{metabolite} m/z {mz}", ylim=(0, 1.02), ylabel="fraction")
        ax.tick_params(axis="x", labelsize=8)
        ax.legend(fontsize=6, frameon=False, loc="upper right", ncol=2)
    fig.suptitle("Isotopologue distributions, corrected for natural abundance (mean per group)")
    fig.tight_layout()
    _save(fig, target)
