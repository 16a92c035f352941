"""QC-based signal drift correction (QC-RLSC, Dunn et al. 2011) and pooled-QC precision measures.

Per feature and batch, a LOWESS curve of log2 area on injection order is fitted to the pooled-QC
injections (span chosen from ``fractions`` by leave-one-out cross-validation), interpolated to
every injection (held constant outside the first and last QC) and subtracted; the result is
re-centred on the feature's median QC log2 area over all batches. Batches with fewer than
``min_qcs`` QC values for a feature, or whose QC RSD is already below ``skip_below_rsd`` %, are
left uncorrected; the report's ``action`` says which (``corrected``, ``too_few_qcs``,
``qc_rsd_below_threshold`` or ``off``). Where a batch has too few QCs, the differential test
takes batch as a covariate instead (see :mod:`gcmsflow.differential`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from statsmodels.nonparametric.smoothers_lowess import lowess

from ..core.samplesheet import columns_of_type


@dataclass(frozen=True)
class DriftParams:
    """QC-RLSC settings: on/off, LOWESS spans tried, minimum QCs per batch, RSD (%) below which to skip."""

    correct: bool = True
    fractions: tuple[float, ...] = (0.5, 0.67, 0.75, 1.0)
    min_qcs: int = 5
    skip_below_rsd: float = 15.0


def rsd_percent(areas: pd.DataFrame) -> pd.Series:
    """Relative standard deviation (%) of each row over its non-missing values; NaN with fewer than 2."""
    values = areas.to_numpy(float)
    n = np.isfinite(values).sum(axis=1)
    enough = values[n >= 2]
    rsd = np.full(len(values), np.nan)
    rsd[n >= 2] = 100.0 * np.nanstd(enough, axis=1, ddof=1) / np.nanmean(enough, axis=1)
    return pd.Series(rsd, index=areas.index)


def d_ratio_percent(areas: pd.DataFrame, qc_columns: list[str], sample_columns: list[str]) -> pd.Series:
    """D-ratio (Broadhurst 2018, ratio form): 100 · sd over pooled QCs / sd over study samples."""
    qc = areas[qc_columns].to_numpy(float)
    samples = areas[sample_columns].to_numpy(float)
    enough = (np.isfinite(qc).sum(axis=1) >= 2) & (np.isfinite(samples).sum(axis=1) >= 2)
    ratio = np.full(len(areas), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio[enough] = 100.0 * np.nanstd(qc[enough], axis=1, ddof=1) / np.nanstd(samples[enough], axis=1, ddof=1)
    return pd.Series(ratio, index=areas.index)


def loess_trend(order: np.ndarray, log_values: np.ndarray, at: np.ndarray, fraction: float) -> np.ndarray:
    """LOWESS fit of ``log_values`` on injection ``order``, evaluated at ``at`` (constant beyond the ends)."""
    fitted = lowess(log_values, order, frac=fraction, it=0, return_sorted=False)
    idx = np.argsort(order, kind="stable")
    return np.interp(at, order[idx], fitted[idx])


def choose_fraction(order: np.ndarray, log_values: np.ndarray, fractions: tuple[float, ...]) -> float:
    """The LOWESS span with the smallest leave-one-out squared prediction error (first on ties)."""
    errors = []
    for fraction in fractions:
        error = 0.0
        for k in range(order.size):
            keep = np.arange(order.size) != k
            predicted = loess_trend(order[keep], log_values[keep], order[k : k + 1], fraction)[0]
            error += (log_values[k] - predicted) ** 2
        errors.append(error)
    return fractions[int(np.argmin(errors))]


class DriftCorrection(NamedTuple):
    """Drift-corrected areas and the per feature and batch report of what was done."""

    areas: pd.DataFrame
    report: pd.DataFrame


def correct_drift(areas: pd.DataFrame, runs: pd.DataFrame, params: DriftParams) -> DriftCorrection:
    """Drift-corrected areas (same shape, NaN kept) and one row per feature and batch saying what was done.

    ``runs`` is the sample sheet indexed by sample with ``type``, ``batch`` and ``injection_order``
    for every column of ``areas``.
    """
    runs = runs.loc[areas.columns]
    logs = np.log2(areas.where(areas > 0).to_numpy(float))
    is_qc = areas.columns.isin(columns_of_type(runs, areas.columns, "qc"))
    order = runs["injection_order"].to_numpy(float)
    batches = runs["batch"].astype(str).to_numpy()
    target = np.nanmedian(np.where(is_qc, logs, np.nan), axis=1) if is_qc.any() else np.full(len(areas), np.nan)
    corrected = logs.copy()
    records = []
    for batch in sorted(set(batches)):
        in_batch = batches == batch
        for i, feature in enumerate(areas.index):
            qc = in_batch & is_qc & np.isfinite(logs[i])
            n_qc = int(qc.sum())
            qc_areas = 2.0 ** logs[i, qc]
            rsd = 100.0 * qc_areas.std(ddof=1) / qc_areas.mean() if n_qc >= 2 else np.nan
            fraction = np.nan
            if not params.correct:
                action = "off"
            elif n_qc < params.min_qcs:
                action = "too_few_qcs"
            elif rsd < params.skip_below_rsd:
                action = "qc_rsd_below_threshold"
            else:
                fraction = choose_fraction(order[qc], logs[i, qc], params.fractions)
                trend = loess_trend(order[qc], logs[i, qc], order[in_batch], fraction)
                corrected[i, in_batch] = logs[i, in_batch] - trend + target[i]
                action = "corrected"
            records.append((feature, batch, n_qc, rsd, fraction, action))
    report = pd.DataFrame(records, columns=["feature_id", "batch", "n_qc", "qc_rsd_percent", "loess_fraction", "action"])
    return DriftCorrection(pd.DataFrame(2.0**corrected, index=areas.index, columns=areas.columns), report)
