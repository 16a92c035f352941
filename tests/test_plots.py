"""Figures are drawn, as PNG and SVG, even when filters leave nothing to show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from gcmsflow.report import plots

SHEET = pd.DataFrame({"group": ["a", "a", "b", "b", "pool"], "type": ["sample"] * 4 + ["qc"], "injection_order": range(1, 6)},
                     index=["a1", "a2", "b1", "b2", "q1"]).assign(sample=lambda s: s.index)
STATS_COLUMNS = ["feature_id", "name", "log2fc", "pvalue", "qvalue"]


def test_empty_tables_give_figures_that_say_so(tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=list(SHEET.index), dtype=float)
    plots.pca_scores(empty, SHEET, tmp_path / "pca.png")
    plots.volcano(pd.DataFrame(columns=STATS_COLUMNS), tmp_path / "volcano.png")
    plots.heatmap(empty, pd.DataFrame(columns=STATS_COLUMNS), SHEET, tmp_path / "heatmap.png")
    plots.highlights(empty, pd.DataFrame(columns=["feature_id", "name", "score"]), SHEET, ["asparagine"], tmp_path / "highlights.png")
    plots.qc_drift(empty, empty, SHEET, tmp_path / "drift.png")
    for name in ("pca", "volcano", "heatmap", "highlights", "drift"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000 and (tmp_path / f"{name}.svg").exists()


def test_figures_from_data(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    abundance = pd.DataFrame(rng.normal(10, 1, (5, 5)), columns=SHEET.index, index=[f"F{i}" for i in range(5)])
    stats = pd.DataFrame({"feature_id": abundance.index, "name": ["Asparagine, 3TMS", "", "", "", ""], "log2fc": [-3, 0.1, 0.2, -0.1, 0],
                          "pvalue": [1e-6, 0.5, 0.4, 0.9, 0.7], "qvalue": [5e-6, 0.8, 0.8, 0.9, 0.8]})
    plots.pca_scores(abundance, SHEET, tmp_path / "pca.png")
    plots.heatmap(abundance, stats, SHEET, tmp_path / "heatmap.png")
    plots.qc_drift(2**abundance, 2**abundance, SHEET, tmp_path / "drift.png")
    assert (tmp_path / "heatmap.svg").read_bytes() == _redraw(abundance, stats, tmp_path)


def _redraw(abundance: pd.DataFrame, stats: pd.DataFrame, tmp_path: Path) -> bytes:
    plots.heatmap(abundance, stats, SHEET, tmp_path / "again.png")
    return (tmp_path / "again.svg").read_bytes()
