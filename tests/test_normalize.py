"""Internal-standard and PQN normalisation, blank filter, imputation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.stats.filters import FilterParams
from gcmsflow.stats.normalize import (
    NormalizeParams,
    blank_filter,
    normalize,
    pqn_factors,
)

RUNS = pd.DataFrame(
    {"type": ["sample", "sample", "sample", "qc", "blank"], "group": ["g", "g", "g", "pool", "blank"], "batch": "1", "injection_order": [1, 2, 3, 4, 5]},
    index=["s1", "s2", "s3", "q1", "b1"],
)


def areas() -> pd.DataFrame:
    base = np.array([100.0, 200.0, 400.0, 800.0, 50.0])
    dilution = {"s1": 1.0, "s2": 0.5, "s3": 2.0, "q1": 1.0}
    table = pd.DataFrame({s: base * d for s, d in dilution.items()}, index=["F1", "F2", "F3", "F4", "IS"])
    table.loc["IS"] = [50.0, 50.0, 50.0, 50.0]
    table["b1"] = [0.0, 0.0, 300.0, 0.0, 50.0]
    return table


ANNOTATIONS = pd.DataFrame({"feature_id": ["IS", "F1"], "name": ["Ribitol, 5TMS", "Lactate, 2TMS"]})


def test_pqn_recovers_dilution() -> None:
    factors = pqn_factors(areas().drop(index="IS")[["s1", "s2", "s3", "q1"]], ["q1"])
    assert factors.to_dict() == pytest.approx({"s1": 1.0, "s2": 0.5, "s3": 2.0, "q1": 1.0})


def test_blank_filter_keeps_the_internal_standard() -> None:
    result = blank_filter(areas(), ["b1"], ["s1", "s2", "s3"], 0.3, keep=("IS",)).set_index("feature_id")
    assert result["removed"].to_dict() == {"F1": False, "F2": False, "F3": True, "F4": False, "IS": False}


def test_normalize_removes_dilution_and_drops_standard() -> None:
    result = normalize(areas(), ANNOTATIONS, RUNS, NormalizeParams(methods=("internal_standard", "pqn")))
    assert result.abundance.index.tolist() == ["F1", "F2", "F4"]
    assert np.allclose(result.abundance.std(axis=1), 0.0)
    assert result.abundance.loc["F1", "s1"] == pytest.approx(np.log2(100.0))
    assert result.imputed.empty and result.factors["internal_standard_feature"].eq("IS").all()
    assert (result.drift["action"] == "too_few_qcs").all() and result.precision.empty


def test_missing_cells_are_imputed_and_flagged() -> None:
    table = areas()
    table.loc["F2", "s3"] = np.nan
    result = normalize(table, ANNOTATIONS, RUNS, NormalizeParams(methods=("median",)), filters=FilterParams(group_presence=None, max_missing=None))
    abundance, imputed = result.abundance, result.imputed
    assert imputed.values.tolist() == [["F2", "s3"]]
    observed = 2 ** abundance.loc["F2", ["s1", "s2", "q1"]]
    assert 2 ** abundance.loc["F2", "s3"] == pytest.approx(0.2 * observed.min())


def test_missing_standard_is_a_clear_error() -> None:
    with pytest.raises(GcmsflowError, match="internal standard 'myristate'"):
        normalize(areas(), ANNOTATIONS, RUNS, NormalizeParams(internal_standard="myristate"))


def drifting_study() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six QCs and twelve varying samples whose areas fall 4 % per injection."""
    rng = np.random.default_rng(2)
    names = [f"r{i:02d}" for i in range(18)]
    types = ["qc" if i % 3 == 0 else "sample" for i in range(18)]
    runs = pd.DataFrame(
        {"type": types, "group": ["pool" if t == "qc" else ("a" if i % 2 else "b") for i, t in enumerate(types)], "batch": "1", "injection_order": range(1, 19)},
        index=names,
    )
    logs = rng.uniform(10, 16, (30, 1)) - 0.06 * np.arange(18) + rng.normal(0, 0.02, (30, 18))
    logs[:, runs["type"].to_numpy() == "sample"] += rng.normal(0, 0.5, (30, 12))  # biological variation
    table = pd.DataFrame(2.0**logs, index=[f"F{i}" for i in range(30)], columns=names)
    table.insert(0, "rt", np.arange(30.0))
    return table, runs


def test_drift_correction_and_filters_in_the_chain() -> None:
    table, runs = drifting_study()
    table.loc["F5", [c for c in runs.index if runs.at[c, "type"] == "sample"][:6]] = np.nan
    annotations = pd.DataFrame({"feature_id": ["F0"], "name": ["Ribitol, 5TMS"]})
    result = normalize(table, annotations, runs, NormalizeParams(methods=("pqn",)))
    precision = result.precision.set_index("stage")["median_qc_rsd_percent"]
    assert precision["raw"] > 15 > 5 > precision["drift_corrected"]
    assert (result.drift["action"] == "corrected").all()
    assert result.filters.set_index("feature_id").loc["F5", "removed_by"] == "missingness"
    assert "F5" not in result.abundance.index and len(result.abundance) == 29
    assert "rt" not in result.abundance.columns and "rt" not in result.drift_corrected.columns
