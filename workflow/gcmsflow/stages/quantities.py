"""Study stages from areas to statistics: normalisation, metabolite grouping, replicates, differential tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.samplesheet import load_sheet
from ..core.tables import read_tsv, write_tsv

if TYPE_CHECKING:  # each runner imports what it uses (statsmodels and scipy cost a step more than its work)
    from ..stats.drift import DriftParams
    from ..stats.filters import FilterParams
    from ..stats.normalize import NormalizeParams


def run_normalize(
    table: str,
    annotations: str,
    samples: str,
    output: str,
    drift_corrected: str,
    factors: str,
    imputed: str,
    blank_filter: str,
    drift: str,
    filters: str,
    precision: str,
    options: NormalizeParams,
    drift_options: DriftParams,
    filter_options: FilterParams,
) -> None:
    """Feature table -> log2 abundances (``output``), drift-corrected areas and the QC tables."""
    from ..stats.normalize import normalize

    sheet = load_sheet(samples)
    areas = read_tsv(table, ["feature_id"]).set_index("feature_id")
    named = read_tsv(annotations, ["feature_id", "name"])
    result = normalize(areas, named, sheet, options, drift_options, filter_options, source=annotations)
    write_tsv(result.abundance.reset_index(names="feature_id"), output)
    write_tsv(result.drift_corrected.reset_index(names="feature_id"), drift_corrected)
    for frame, path in ((result.factors, factors), (result.imputed, imputed), (result.blanks, blank_filter), (result.drift, drift), (result.filters, filters), (result.precision, precision)):
        write_tsv(frame, path)


def run_metabolites(annotations: str, abundance: str, output: str, abundance_output: str) -> None:
    """Annotations + abundances -> the metabolite table and summed metabolite abundances."""
    from ..stats.metabolites import metabolite_table

    named = read_tsv(annotations, ["feature_id", "name"])
    values = read_tsv(abundance, ["feature_id"]).set_index("feature_id")
    result = metabolite_table(named, values)
    write_tsv(result.table, output)
    write_tsv(result.abundance.reset_index(names="metabolite_id"), abundance_output)


def run_replicates(aligned: str, abundance: str, samples: str, output: str, separation: str) -> None:
    """Detected areas and abundances -> replicate consistency per group and PCA group separation."""
    from ..stats.replicates import pca_separation, replicate_consistency

    sheet = load_sheet(samples)
    detected = read_tsv(aligned, ["feature_id"]).set_index("feature_id")
    values = read_tsv(abundance, ["feature_id"]).set_index("feature_id")
    write_tsv(replicate_consistency(detected, values, sheet), output)
    write_tsv(pca_separation(values, sheet), separation)


def run_differential(
    abundance: str,
    annotations: str,
    samples: str,
    drift: str,
    contrast: str,
    case: str,
    control: str,
    test: str,
    covariates: list[str],
    level: str,
    output: str,
    model: str,
) -> None:
    """One contrast (``case`` vs ``control`` groups) of feature or metabolite abundances, or of tracer fractional enrichment
(``fragments``) -> its stats table and model record."""
    from ..stats.contrasts import Contrast, model_record, plan_contrast
    from ..stats.differential import differential

    sheet = load_sheet(samples)
    asked = Contrast(contrast, case, control, test, tuple(covariates))
    id_column = {"metabolites": "metabolite_id", "fragments": "fragment_id"}.get(level, "feature_id")
    values = read_tsv(abundance, [id_column]).set_index(id_column)
    names = read_tsv(annotations, [id_column, "name"]).set_index(id_column)["name"]
    plan = plan_contrast(sheet, values.columns, asked, read_tsv(drift, ["batch", "action"]), (abundance, drift))
    table = differential(values, sheet, plan.case_columns, plan.control_columns, names, test, plan.covariates, id_column, samples)
    write_tsv(table, output)
    write_tsv(model_record(asked, plan, level, table), model)
