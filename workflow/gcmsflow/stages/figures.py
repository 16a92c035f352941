"""The figures stage: the report's plots, drawn from the study's tables and scan cubes."""

from __future__ import annotations

from pathlib import Path

from ..core.config import runs_by_name
from ..core.samplesheet import load_sheet
from ..core.scancube import open_cube
from ..core.tables import read_tsv
from ..report import plots
from ..report.isotopologue_plots import isotopologue_bars


def run_plots(
    samples: str,
    ladder_qc: str,
    corrections: str,
    table: str,
    drift_corrected: str,
    abundance: str,
    annotations: str,
    cubes: list[str],
    stats: list[str],
    highlight: list[str],
    outdir: str,
) -> None:
    """The report figures (PNG and SVG) into ``outdir``: TIC overlay, RI ladder, retention correction, QC drift, PCA,
    per contrast volcano and heatmap, highlights."""
    sheet = load_sheet(samples)
    out = Path(outdir)
    tics = {}
    for sample, path in runs_by_name(cubes, ".npz").items():
        cube = open_cube(path)  # memory-mapped, one at a time: its TIC is summed from the file's pages
        tics[sample] = (cube.times_s, cube.tic())
    plots.tic_overlay(tics, sheet, out / "tic_overlay.png")
    plots.ri_ladder(read_tsv(ladder_qc, ["batch", "carbon", "rt", "status", "residual_ri"]), out / "ri_ladder.png")
    plots.retention_correction(read_tsv(corrections, ["sample", "shift_median", "shift_min", "shift_max", "spread_before", "spread_after"]), sheet,
                               out / "retention_correction.png")
    raw = read_tsv(table, ["feature_id"]).set_index("feature_id")
    plots.qc_drift(raw, read_tsv(drift_corrected, ["feature_id"]).set_index("feature_id"), sheet, out / "qc_drift.png")
    values = read_tsv(abundance, ["feature_id"]).set_index("feature_id")
    named = read_tsv(annotations, ["feature_id", "name", "score"])
    plots.pca_scores(values, sheet, out / "pca_scores.png")
    for path in stats:
        contrast = Path(path).stem
        tested = read_tsv(path, ["feature_id", "name", "log2fc", "pvalue", "qvalue"])
        plots.volcano(tested, out / f"volcano_{contrast}.png")
        plots.heatmap(values, tested, sheet, out / f"heatmap_{contrast}.png")
    plots.highlights(values, named, sheet, list(highlight), out / "highlights.png")


def run_trace_plots(samples: str, isotopologues: str, output: str) -> None:
    """Stacked isotopologue bars per group for the pathway metabolites."""
    isotopologue_bars(read_tsv(isotopologues, ["sample", "metabolite", "fragment_mz", "isotopologue", "fraction_corrected"]), load_sheet(samples), output)
