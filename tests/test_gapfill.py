"""Gap filling re-integrates the quant ion where a feature was not detected."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import synthetic_cube
from gcmsflow.signal.detect import DetectParams
from gcmsflow.signal.gapfill import SHIFT_NEIGHBOURHOOD_S, expected_rts, fill_gaps, fill_run, integrate


def test_integrate_recovers_gaussian_area() -> None:
    cube = synthetic_cube([(130.0, 5000.0, {116: 1.0})], noise=0.0)
    area = integrate(cube, np.array([116, 245]), np.array([130.0, 130.0]), np.array([5.0, 5.0]), DetectParams())
    assert abs(area[0] - 5000.0 * np.sqrt(2 * np.pi)) / (5000.0 * np.sqrt(2 * np.pi)) < 0.03
    assert np.isnan(area[1])


def expected_rt(feature_rt: float, shifts: pd.DataFrame) -> float:
    """The rule one feature at a time, as written before it was vectorised: the run's median shift among its features nearby."""
    near = shifts[(shifts["feature_rt"] - feature_rt).abs() <= SHIFT_NEIGHBOURHOOD_S]
    return feature_rt + (float(near["shift"].median()) if len(near) else 0.0)


def test_expected_rt_follows_the_run_local_shift() -> None:
    shifts = pd.DataFrame({"feature_rt": [100.0, 120.0, 400.0], "shift": [1.0, 1.2, -3.0]})
    assert expected_rts(np.array([110.0]), shifts["feature_rt"].to_numpy(), shifts["shift"].to_numpy())[0] == 110.0 + 1.1
    assert expected_rts(np.array([1000.0]), shifts["feature_rt"].to_numpy(), shifts["shift"].to_numpy())[0] == 1000.0


def test_expected_rts_are_expected_rt_of_each() -> None:
    rng = np.random.default_rng(5)
    shifts = pd.DataFrame({"feature_rt": rng.uniform(100.0, 1000.0, 40).round(1), "shift": rng.normal(0.0, 2.0, 40)})
    rts = np.r_[rng.uniform(50.0, 1100.0, 200), shifts["feature_rt"].to_numpy() + 60.0, 2000.0]  # ends of the neighbourhood included
    many = expected_rts(rts, shifts["feature_rt"].to_numpy(), shifts["shift"].to_numpy())
    assert many.tolist() == [expected_rt(rt, shifts) for rt in rts]


def test_fill_gaps_reads_memory_mapped_cubes_and_fills_only_empty_cells(tmp_path) -> None:
    from gcmsflow.core.scancube import save_cube

    save_cube(synthetic_cube([(131.0, 5000.0, {116: 1.0}), (150.0, 3000.0, {245: 1.0})], noise=0.0), tmp_path / "s1.npz")
    table = pd.DataFrame({"feature_id": ["F1", "F2"], "rt": [130.0, 150.0], "quant_mz": [116, 245], "s1": [np.nan, 999.0], "s2": [1.0, 2.0]})
    members = pd.DataFrame(
        {"feature_id": ["F1", "F2", "F2"], "sample": ["s2", "s2", "s1"], "rt": [130.0, 150.0, 151.0], "rt_start": [127.0, 147.0, 148.0], "rt_end": [133.0, 153.0, 154.0]}
    )
    result = fill_gaps(table, members, {"s1": str(tmp_path / "s1.npz")}, DetectParams())
    direct = fill_run(table, members, "s1", synthetic_cube([(131.0, 5000.0, {116: 1.0}), (150.0, 3000.0, {245: 1.0})], noise=0.0), DetectParams())
    assert result.table["s1"].tolist() == [direct.iloc[0], 999.0] and result.table["s2"].tolist() == [1.0, 2.0]
    assert result.filled.values.tolist() == [["F1", "s1"]]
    assert table["s1"].isna().iloc[0]  # the input table is left as it was


def test_fill_run_fills_only_empty_cells() -> None:
    cube = synthetic_cube([(131.0, 5000.0, {116: 1.0}), (150.0, 3000.0, {245: 1.0})], noise=0.0)
    table = pd.DataFrame({"feature_id": ["F1", "F2"], "rt": [130.0, 150.0], "quant_mz": [116, 245], "s1": [np.nan, 999.0], "s2": [1.0, 2.0]})
    members = pd.DataFrame(
        {"feature_id": ["F1", "F2", "F2"], "sample": ["s2", "s2", "s1"], "rt": [130.0, 150.0, 151.0], "rt_start": [127.0, 147.0, 148.0], "rt_end": [133.0, 153.0, 154.0]}
    )
    filled = fill_run(table, members, "s1", cube, DetectParams())
    assert filled.index.tolist() == [0]
    assert abs(filled.iloc[0] - 5000.0 * np.sqrt(2 * np.pi)) / (5000.0 * np.sqrt(2 * np.pi)) < 0.05


def test_signal_below_detection_limit_stays_empty() -> None:
    cube = synthetic_cube([(130.0, 1.0, {116: 1.0})], noise=5.0)
    area = integrate(cube, np.array([116]), np.array([130.0]), np.array([3.0]), DetectParams())
    assert np.isnan(area[0])
