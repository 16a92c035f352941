"""Normalisation of the feature table: internal standard, PQN, median or sum; left-censored imputation; log2."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import GcmsflowError

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
    hits = annotations[annotations["name"].str.contains(name, case=False, regex=False, na=False)]
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


def normalize(
    areas: pd.DataFrame, annotations: pd.DataFrame, columns: dict[str, list[str]], params: NormalizeParams, source: str = "annotations"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """log2 normalised abundances (features x study samples), per-sample factors, imputed cells, blank filter.

    ``areas`` is indexed by feature_id with one column per run (NaN where absent); ``columns`` names
    the ``sample``, ``qc`` and ``blank`` runs. Study samples are the sample and qc runs.
    """
    standard_id = None
    if "internal_standard" in params.methods:
        if not params.internal_standard:
            raise GcmsflowError("config", "normalize method 'internal_standard' needs internal_standard set")
        standard_id = find_internal_standard(areas, annotations, params.internal_standard, source)
    blanks = blank_filter(areas, columns["blank"], columns["sample"], params.blank_ratio, keep=(standard_id,) if standard_id else ())
    study = [c for c in areas.columns if c in columns["sample"] or c in columns["qc"]]
    areas = areas.loc[~blanks["removed"].to_numpy(), study]
    areas = areas.where(areas > 0).dropna(how="all")
    factors = pd.DataFrame(index=areas.columns)
    for method in params.methods:
        if method == "internal_standard":
            fid = standard_id
            standard = areas.loc[fid]
            if standard.isna().any():
                missing = ", ".join(standard.index[standard.isna()])
                raise GcmsflowError(source, f"internal standard {fid} has no area in {missing}")
            factor = standard / standard.median()
            areas = areas.drop(index=fid)
            factors["internal_standard_feature"] = fid
        elif method == "pqn":
            factor = pqn_factors(areas, columns["qc"] or list(areas.columns))
        elif method == "median":
            factor = areas.median(axis=0) / areas.median(axis=0).median()
        elif method == "sum":
            factor = areas.sum(axis=0) / areas.sum(axis=0).median()
        else:
            raise GcmsflowError("config", f"unknown normalize method '{method}' (choose from {', '.join(METHODS)})")
        areas = areas.div(factor, axis=1)
        factors[method] = factor
    minimum = areas.min(axis=1)
    missing = areas.isna()
    areas = areas.where(~missing, params.impute_fraction * minimum, axis=0)
    imputed = missing.stack()
    imputed = imputed[imputed].reset_index()
    imputed.columns = ["feature_id", "sample", "imputed"]
    return np.log2(areas), factors.reset_index(names="sample"), imputed[["feature_id", "sample"]], blanks
