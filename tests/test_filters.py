"""Feature filters: missingness by group, pooled-QC presence, QC RSD and D-ratio."""

from __future__ import annotations

import numpy as np
import pandas as pd
from gcmsflow.stats.filters import FilterParams, feature_filters

GROUPS = {"control": ["c1", "c2", "c3", "c4", "c5"], "asn_deprived": ["a1", "a2", "a3", "a4", "a5"]}
QCS = ["q1", "q2", "q3", "q4"]


def table() -> pd.DataFrame:
    rows = {
        # present in all controls, absent in 4 of 5 deprived samples (asparagine under deprivation)
        "asparagine": [100, 110, 95, 105, 98, np.nan, np.nan, 8, np.nan, np.nan, 60, 61, 59, 60],
        "sporadic": [100, np.nan, np.nan, 90, np.nan, np.nan, 80, np.nan, np.nan, 85, 60, 61, 59, 60],
        "stable": [100, 120, 80, 110, 90, 50, 60, 40, 55, 45, 75, 74, 76, 75],
        "noisy_qc": [100, 120, 80, 110, 90, 50, 60, 40, 55, 45, 20, 150, 60, 90],
        "no_biology": [100, 101, 99, 100, 100, 100, 101, 99, 100, 100, 90, 110, 95, 105],
        "qc_absent": [100, 120, 80, 110, 90, 50, 60, 40, 55, 45, np.nan, np.nan, np.nan, 75],
    }
    columns = GROUPS["control"] + GROUPS["asn_deprived"] + QCS
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns, dtype=float)


def removed(params: FilterParams = FilterParams(), qcs: list[str] = QCS) -> dict[str, str]:
    result = feature_filters(table(), GROUPS, qcs, params)
    return dict(zip(result["feature_id"], result["removed_by"]))


def test_each_filter_removes_its_feature_and_asparagine_survives() -> None:
    assert removed() == {
        "asparagine": "",
        "sporadic": "missingness",
        "stable": "",
        "noisy_qc": "qc_rsd",
        "no_biology": "d_ratio",
        "qc_absent": "qc_presence",
    }


def test_filters_switch_off_with_none_and_without_qcs() -> None:
    assert set(removed(FilterParams(max_qc_rsd=None, max_d_ratio=None, qc_presence=None)).values()) == {"", "missingness"}
    assert set(removed(qcs=[]).values()) == {"", "missingness"}


def test_reported_measures() -> None:
    result = feature_filters(table(), GROUPS, QCS, FilterParams()).set_index("feature_id")
    assert result.loc["asparagine", "missing_share"] == 0.4 and result.loc["asparagine", "best_group_presence"] == 1.0
    assert result.loc["qc_absent", "qc_presence"] == 0.25
