"""The design stages: fit one configured design (contrasts and F-tests, limma-style) and draw its figures."""

from __future__ import annotations

from pathlib import Path

from ..core.samplesheet import load_sheet
from ..core.tables import read_tsv, write_tsv
from ..report.design_plots import design_matrix_plot, trend_plot
from ..report.plots import volcano
from ..stats.design_matrix import DesignSpec, build_design, study_runs
from ..stats.design_tests import design_matrix_table, fit_design


def run_design(abundance: str, annotations: str, samples: str, outdir: str, design: DesignSpec) -> None:
    """Log2 abundances -> ``outdir``: ``{contrast}.tsv`` per contrast, ``ftest_{name}.tsv`` per F-test, ``model.tsv``, ``design_matrix.tsv``."""
    sheet = load_sheet(samples)
    values = read_tsv(abundance, ["feature_id"]).set_index("feature_id")
    names = read_tsv(annotations, ["feature_id", "name"]).set_index("feature_id")["name"]
    built = build_design(design, study_runs(sheet, values.columns), source=samples)
    result = fit_design(values, names, built)
    out = Path(outdir)
    for name, table in result.contrasts.items():
        write_tsv(table, out / f"{name}.tsv")
    for name, table in result.ftests.items():
        write_tsv(table, out / f"ftest_{name}.tsv")
    write_tsv(design_matrix_table(built), out / "design_matrix.tsv")
    write_tsv(result.model, out / "model.tsv")


def run_design_plots(
    samples: str, abundance: str, annotations: str, matrix: str, stats: list[str], ftests: list[str], highlight: list[str], outdir: str, design: DesignSpec
) -> None:
    """The design's figures into ``outdir``: ``design_matrix.png``, ``volcano_{contrast}.png`` per contrast table, ``trends.png``
    (top features by the first F-test, else by the first contrast)."""
    sheet = load_sheet(samples)
    values = read_tsv(abundance, ["feature_id"]).set_index("feature_id")
    named = read_tsv(annotations, ["feature_id", "name"])
    runs = study_runs(sheet, values.columns)
    built = build_design(design, runs, source=samples)
    out = Path(outdir)
    design_matrix_plot(read_tsv(matrix, ["sample"]), out / "design_matrix.png")
    tables = {Path(path).stem: read_tsv(path, ["feature_id", "name", "log2fc", "pvalue", "qvalue"]) for path in stats}
    for contrast, table in tables.items():
        volcano(table, out / f"volcano_{contrast}.png")
    ranked = read_tsv(ftests[0], ["feature_id", "pvalue"]) if ftests else next(iter(tables.values()))
    trend_plot(values, ranked, named, built, runs, list(highlight), out / "trends.png")
