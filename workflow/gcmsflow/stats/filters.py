"""Feature filters after normalisation: missingness (modified 80 % rule), pooled-QC presence, QC RSD, D-ratio."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .drift import d_ratio_percent, rsd_percent


@dataclass(frozen=True)
class FilterParams:
    """Thresholds (shares 0–1, RSD and D-ratio in %); ``None`` switches a filter off."""

    group_presence: float | None = 0.8
    max_missing: float | None = 0.2
    qc_presence: float | None = 0.5
    max_qc_rsd: float | None = 30.0
    max_d_ratio: float | None = 50.0


def feature_filters(areas: pd.DataFrame, groups: dict[str, list[str]], qc_columns: list[str], params: FilterParams) -> pd.DataFrame:
    """One row per feature: the measures each filter uses and ``removed_by`` (empty when kept).

    A feature is kept by the missingness filter when it is missing in at most ``max_missing`` of all
    study samples or present in at least ``group_presence`` of one group's samples, so a metabolite
    absent from one group (asparagine in deprived cells) survives. QC filters apply where the study
    has at least two pooled QCs; a feature is removed by the first filter it fails, in the order listed.
    """
    samples = [c for columns in groups.values() for c in columns]
    present = areas.notna()
    table = pd.DataFrame(index=areas.index)
    table["missing_share"] = 1.0 - present[samples].mean(axis=1)
    table["best_group_presence"] = pd.concat([present[c].mean(axis=1) for c in groups.values()], axis=1).max(axis=1)
    use_qc = len(qc_columns) >= 2
    table["qc_presence"] = present[qc_columns].mean(axis=1) if qc_columns else np.nan
    table["qc_rsd"] = rsd_percent(areas[qc_columns]) if use_qc else np.nan
    table["d_ratio"] = d_ratio_percent(areas, qc_columns, samples) if use_qc else np.nan
    checks = []
    if params.group_presence is not None and params.max_missing is not None:
        checks.append(("missingness", (table["missing_share"] > params.max_missing) & (table["best_group_presence"] < params.group_presence)))
    if use_qc and params.qc_presence is not None:
        checks.append(("qc_presence", table["qc_presence"] < params.qc_presence))
    if use_qc and params.max_qc_rsd is not None:
        checks.append(("qc_rsd", table["qc_rsd"] >= params.max_qc_rsd))
    if use_qc and params.max_d_ratio is not None:
        checks.append(("d_ratio", table["d_ratio"] >= params.max_d_ratio))
    removed_by = pd.Series("", index=areas.index, dtype=object)
    for name, fails in checks:
        removed_by[(removed_by == "") & fails.fillna(False).to_numpy(bool)] = name
    table["removed_by"] = removed_by
    return table.reset_index(names="feature_id")
