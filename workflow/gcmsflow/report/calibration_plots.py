"""Quantification figures: one calibration panel per analyte, and box plots of the concentrations per group in units."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..quantify.curves import Curve
from .plots import _save


def _panels(n: int, width: float = 3.4, height: float = 2.9) -> tuple[plt.Figure, np.ndarray]:
    columns = min(max(n, 1), 3)
    rows = max(1, -(-n // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    return fig, axes


def calibration_panels(calibration: pd.DataFrame, levels: pd.DataFrame, concentrations: pd.DataFrame, target: str | os.PathLike) -> None:
    """Per analyte: calibrant points (rejected levels hollow), the fitted curve, LOD and LOQ, and the study samples on the curve."""
    fig, axes = _panels(len(calibration))
    for ax, row in zip(axes.flat, calibration.itertuples(index=False)):
        curve = Curve(row.fit, row.weighting, row.intercept, row.slope, row.curvature, row.r2, 0.0, int(row.n_points))
        points = levels[levels["analyte"] == row.analyte]
        kept = points["accepted"].astype(bool)
        ax.scatter(points.loc[kept, "concentration"], points.loc[kept, "response"], color="black", s=18, label="calibrants", zorder=3)
        ax.scatter(points.loc[~kept, "concentration"], points.loc[~kept, "response"], facecolor="none", edgecolor="black", s=18, label="rejected level")
        own = concentrations[(concentrations["analyte"] == row.analyte) & (concentrations["type"] == "sample")]
        top = max(float(points["concentration"].max()), float(np.nanmax(own["concentration"].to_numpy(dtype=float), initial=0.0)))
        grid = np.linspace(0.0, top * 1.05, 200)
        ax.plot(grid, curve.response(grid), color="tab:blue", lw=1.2, label=f"{row.fit}, w={row.weighting}, R²={row.r2:.4f}")
        ax.scatter(own["concentration"], own["response"], marker="x", color="tab:red", s=16, label="samples", zorder=4)
        for value, style, name in ((row.lod, ":", "LOD"), (row.loq, "--", "LOQ")):
            if np.isfinite(value):
                ax.axvline(value, color="grey", ls=style, lw=1, label=f"{name} {value:.3g}")
        ylabel = f"area ratio to {row.internal_standard}" if isinstance(row.internal_standard, str) and row.internal_standard else "area"
        ax.set(title=row.analyte, xlabel=f"concentration ({row.unit})", ylabel=ylabel)
        ax.legend(fontsize=6, frameon=False)
    fig.suptitle("Calibration curves")
    fig.tight_layout()
    _save(fig, target)


def concentration_boxes(values: pd.DataFrame, target: str | os.PathLike) -> None:
    """Box plots of study-sample concentrations per group, one panel per analyte and matrix, in the reported unit."""
    study = values[(values["type"] == "sample") & np.isfinite(values["concentration"])]
    panels = list(dict.fromkeys(zip(study["analyte"], study["matrix"], study["unit"])))
    fig, axes = _panels(len(panels), 3.0, 2.8)
    if not panels:
        axes[0, 0].text(0.5, 0.5, "no quantified sample", ha="center", va="center")
    for ax, (analyte, matrix, unit) in zip(axes.flat, panels):
        part = study[(study["analyte"] == analyte) & (study["matrix"] == matrix) & (study["unit"] == unit)]
        order = sorted(part["group"].unique())
        sns.boxplot(data=part, x="group", y="concentration", order=order, ax=ax, color="white", fliersize=0)
        sns.stripplot(data=part, x="group", y="concentration", order=order, ax=ax, hue="flag", size=4, jitter=0.15)
        ax.set(title=f"{analyte} ({matrix})", xlabel="", ylabel=unit.replace("_", " "))
        ax.legend(fontsize=6, frameon=False)
    fig.suptitle("Concentrations per group")
    fig.tight_layout()
    _save(fig, target)
