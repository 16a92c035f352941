"""From aligned areas to analysis-ready abundances: blank filter, QC drift correction, normalisation
(internal standard, PQN, median or sum), feature filters, left-censored imputation and log2."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import GcmsflowError
from ..core.samplesheet import STUDY_TYPES, columns_of_type
from .drift import DriftParams, correct_drift, rsd_percent
from .filters import FilterParams, feature_filters

METHODS = ("internal_standard", "pqn", "median", "sum")


@dataclass(frozen=True)
class NormalizeParams:
    """Normalisation steps in order, the internal standard's name and the imputation fraction."""

    methods: tuple[str, ...] = ("internal_standard", "pqn")
    internal_standard: str | None = "ribitol"
    impute_fraction: float = 0.2
    blank_ratio: float = 0.3


def blank_filter(areas: pd.DataFrame, blank_columns: list[str], sample_columns: list[str], ratio: float, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per feature: mean area in blanks, in samples, their ratio, and ``removed`` when ratio >= ``ratio``.

    Missing cells count as zero; features in ``keep`` (the internal standard) are never removed.
    """
    blank = areas[blank_columns].fillna(0.0).mean(axis=1) if blank_columns else pd.Series(0.0, index=areas.index)
    sample = areas[sample_columns].fillna(0.0).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = blank / sample
    removed = (share >= ratio) & ~areas.index.isin(keep)
    return pd.DataFrame({"feature_id": areas.index, "blank_mean": blank, "sample_mean": sample, "ratio": share, "removed": removed}).reset_index(drop=True)


def find_internal_standard(areas: pd.DataFrame, annotations: pd.DataFrame, name: str, source: str = "annotations") -> str:
    """Feature id of the internal standard: the annotated feature whose name contains ``name``, largest median area."""
    hits = annotations[annotations["name"].fillna("").astype(str).str.contains(name, case=False, regex=False)]
    if hits.empty:
        raise GcmsflowError(source, f"internal standard '{name}' is not among the annotated features")
    medians = areas.loc[hits["feature_id"]].median(axis=1)
    return str(medians.sort_values(ascending=False, kind="stable").index[0])


def pqn_factors(areas: pd.DataFrame, reference_columns: list[str]) -> pd.Series:
    """Probabilistic quotient factors: median of each sample's quotients to the reference (median) profile."""
    reference = areas[reference_columns].median(axis=1)
    quotients = areas.div(reference, axis=0)
    quotients = quotients.where(np.isfinite(quotients) & (quotients > 0))
    return quotients.median(axis=0)


@dataclass(frozen=True)
class Normalized:
    """What :func:`normalize` produces: the two area tables indexed by feature_id, the others with ids in columns."""

    abundance: pd.DataFrame  # log2, features x study runs (sample and qc), indexed by feature_id
    drift_corrected: pd.DataFrame  # areas after blank filter and drift correction, before normalisation
    factors: pd.DataFrame
    imputed: pd.DataFrame
    blanks: pd.DataFrame
    drift: pd.DataFrame
    filters: pd.DataFrame
    precision: pd.DataFrame


def qc_precision(stages: dict[str, pd.DataFrame], qc_columns: list[str]) -> pd.DataFrame:
    """Median pooled-QC RSD (%) and the share of features below 20 % and 30 % RSD, per processing stage.

    Every stage is measured on the same features: those with at least two QC values in all stages.
    With fewer than two pooled QCs the table is empty.
    """
    stages = stages if len(qc_columns) >= 2 else {}
    rsds = pd.DataFrame({stage: rsd_percent(table[qc_columns]) for stage, table in stages.items()}).dropna()
    rows = [(stage, len(rsd), rsd.median(), (rsd < 20).mean(), (rsd < 30).mean()) for stage, rsd in rsds.items()]
    return pd.DataFrame(rows, columns=["stage", "n_features", "median_qc_rsd_percent", "share_below_20", "share_below_30"])


def _apply_methods(areas: pd.DataFrame, methods: tuple[str, ...], standard_id: str | None, reference: list[str], source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas divided by each method's per-sample factor in turn (the internal standard row dropped), and the factors."""
    factors = pd.DataFrame(index=areas.columns)
    for method in methods:
        if method == "internal_standard":
            standard = areas.loc[standard_id]
            if standard.isna().any():
                missing = ", ".join(standard.index[standard.isna()])
                raise GcmsflowError(source, f"internal standard {standard_id} has no area in {missing}")
            factor = standard / standard.median()
            areas = areas.drop(index=standard_id)
            factors["internal_standard_feature"] = standard_id
        elif method == "pqn":
            factor = pqn_factors(areas, reference or list(areas.columns))
        elif method == "median":
            factor = areas.median(axis=0) / areas.median(axis=0).median()
        elif method == "sum":
            factor = areas.sum(axis=0) / areas.sum(axis=0).median()
        else:
            raise GcmsflowError("config", f"unknown normalize method '{method}' (choose from {', '.join(METHODS)})")
        areas = areas.div(factor, axis=1)
        factors[method] = factor
    return areas, factors


def normalize(
    areas: pd.DataFrame,
    annotations: pd.DataFrame,
    runs: pd.DataFrame,
    params: NormalizeParams,
    drift: DriftParams = DriftParams(),
    filters: FilterParams = FilterParams(),
    source: str = "annotations",
) -> Normalized:
    """Blank filter, QC drift correction, normalisation, feature filters, imputation and log2.

    ``areas`` is indexed by feature_id with one column per run (NaN where absent); ``runs`` is the
    sample sheet indexed by sample (``type``, ``group``, ``batch``, ``injection_order``). Study runs
    are those of type sample and qc; other columns of ``areas`` are ignored.
    """
    areas = areas[[c for c in areas.columns if c in runs.index]]
    kinds = {kind: columns_of_type(runs, areas.columns, kind) for kind in STUDY_TYPES}
    standard_id = None
    if "internal_standard" in params.methods:
        if not params.internal_standard:
            raise GcmsflowError("config", "normalize method 'internal_standard' needs internal_standard set")
        standard_id = find_internal_standard(areas, annotations, params.internal_standard, source)
    blanks = blank_filter(areas, kinds["blank"], kinds["sample"], params.blank_ratio, keep=(standard_id,) if standard_id else ())
    study = [c for c in areas.columns if c in kinds["sample"] or c in kinds["qc"]]
    raw = areas.loc[~blanks["removed"].to_numpy(), study]
    raw = raw.where(raw > 0).dropna(how="all")
    corrected, drift_report = correct_drift(raw, runs, drift)
    normalized, factors = _apply_methods(corrected, params.methods, standard_id, kinds["qc"], source)
    stages = {"raw": raw.loc[normalized.index], "drift_corrected": corrected.loc[normalized.index], "normalized": normalized}
    precision = qc_precision(stages, kinds["qc"])
    groups = {str(g): list(c) for g, c in runs.loc[kinds["sample"]].groupby("group", sort=True).groups.items()}
    filter_table = feature_filters(normalized, groups, kinds["qc"], filters)
    normalized = normalized.loc[filter_table.loc[filter_table["removed_by"] == "", "feature_id"]]
    minimum = normalized.min(axis=1)
    missing = normalized.isna()
    filled = normalized.where(~missing, params.impute_fraction * minimum, axis=0)
    imputed = missing.stack()
    imputed = imputed[imputed].reset_index()
    imputed.columns = ["feature_id", "sample", "imputed"]
    return Normalized(
        abundance=np.log2(filled),
        drift_corrected=corrected,
        factors=factors.reset_index(names="sample"),
        imputed=imputed[["feature_id", "sample"]],
        blanks=blanks,
        drift=drift_report,
        filters=filter_table,
        precision=precision,
    )
