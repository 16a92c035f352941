"""QC-based drift correction and the pooled-QC precision measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gcmsflow.stats.drift import (
    DriftParams,
    choose_fraction,
    correct_drift,
    d_ratio_percent,
    loess_trend,
    rsd_percent,
)


def study(n_runs: int = 30, qc_every: int = 3, drift_per_run: float = 0.04, batches: int = 1, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas of 20 features falling by ``drift_per_run`` (log2) per injection; QCs every ``qc_every``."""
    rng = np.random.default_rng(seed)
    names = [f"r{i:02d}" for i in range(n_runs)]
    types = ["qc" if i % qc_every == 0 else "sample" for i in range(n_runs)]
    runs = pd.DataFrame(
        {"type": types, "group": ["pool" if t == "qc" else "g" for t in types], "batch": [str(i * batches // n_runs + 1) for i in range(n_runs)],
         "injection_order": np.arange(1, n_runs + 1)},
        index=names,
    )
    base = rng.uniform(10, 16, (20, 1))
    logs = base - drift_per_run * np.arange(n_runs) + rng.normal(0, 0.03, (20, n_runs))
    return pd.DataFrame(2.0**logs, index=[f"F{i}" for i in range(20)], columns=names), runs


def test_rsd_and_d_ratio_match_hand_computation() -> None:
    table = pd.DataFrame({"q1": [10.0, 5.0], "q2": [12.0, np.nan], "s1": [5.0, 1.0], "s2": [25.0, 3.0]}, index=["A", "B"])
    rsd = rsd_percent(table[["q1", "q2"]])
    assert rsd["A"] == pytest.approx(100 * np.std([10, 12], ddof=1) / 11) and np.isnan(rsd["B"])
    d = d_ratio_percent(table, ["q1", "q2"], ["s1", "s2"])
    assert d["A"] == pytest.approx(100 * np.std([10, 12], ddof=1) / np.std([5, 25], ddof=1)) and np.isnan(d["B"])


def test_loess_trend_is_flat_beyond_the_ends() -> None:
    order = np.arange(1.0, 11.0)
    trend = loess_trend(order, 2.0 * order, np.array([-5.0, 5.0, 50.0]), 1.0)
    assert trend == pytest.approx([2.0, 10.0, 20.0], abs=1e-6)


def test_leave_one_out_prefers_the_local_span_for_a_curved_trend() -> None:
    order = np.arange(1.0, 21.0)
    assert choose_fraction(order, np.sin(order / 3.0), (0.3, 1.0)) == 0.3


def test_drift_correction_lowers_qc_rsd_and_keeps_the_qc_median() -> None:
    areas, runs = study()
    qcs = runs.index[runs["type"] == "qc"]
    corrected, report = correct_drift(areas, runs, DriftParams())
    before, after = rsd_percent(areas[qcs]).median(), rsd_percent(corrected[qcs]).median()
    assert before > 15 and after < 5
    assert (report["action"] == "corrected").all() and (report["n_qc"] == 10).all()
    assert np.log2(corrected[qcs]).median(axis=1).to_numpy() == pytest.approx(np.log2(areas[qcs]).median(axis=1).to_numpy(), abs=0.05)


def test_batches_with_too_few_qcs_are_left_alone_and_reported() -> None:
    areas, runs = study(n_runs=24, qc_every=6, batches=2)
    corrected, report = correct_drift(areas, runs, DriftParams(min_qcs=5))
    assert (report["action"] == "too_few_qcs").all() and set(report["n_qc"]) == {2}
    pd.testing.assert_frame_equal(corrected, areas, rtol=1e-12)


def test_precise_features_and_switched_off_correction_are_not_touched() -> None:
    areas, runs = study(drift_per_run=0.0)
    _, report = correct_drift(areas, runs, DriftParams(skip_below_rsd=15))
    assert (report["action"] == "qc_rsd_below_threshold").all()
    corrected, report = correct_drift(*study(), DriftParams(correct=False))
    assert (report["action"] == "off").all()


def test_missing_areas_stay_missing() -> None:
    areas, runs = study()
    areas.iloc[0, 4] = np.nan
    corrected, _ = correct_drift(areas, runs, DriftParams())
    assert np.isnan(corrected.iloc[0, 4]) and corrected.iloc[1:].notna().all().all()
