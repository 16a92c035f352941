"""Internal-standard and PQN normalisation, blank filter, imputation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gcmsflow.errors import GcmsflowError
from gcmsflow.normalize import NormalizeParams, blank_filter, normalize, pqn_factors

COLUMNS = {"sample": ["s1", "s2", "s3"], "qc": ["q1"], "blank": ["b1"]}


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
    result = blank_filter(areas(), ["b1"], COLUMNS["sample"], 0.3, keep=("IS",)).set_index("feature_id")
    assert result["removed"].to_dict() == {"F1": False, "F2": False, "F3": True, "F4": False, "IS": False}


def test_normalize_removes_dilution_and_drops_standard() -> None:
    abundance, factors, imputed, blanks = normalize(areas(), ANNOTATIONS, COLUMNS, NormalizeParams(methods=("internal_standard", "pqn")))
    assert abundance.index.tolist() == ["F1", "F2", "F4"]
    assert np.allclose(abundance.std(axis=1), 0.0)
    assert abundance.loc["F1", "s1"] == pytest.approx(np.log2(100.0))
    assert imputed.empty and factors["internal_standard_feature"].eq("IS").all()


def test_missing_cells_are_imputed_and_flagged() -> None:
    table = areas()
    table.loc["F2", "s3"] = np.nan
    abundance, _, imputed, _ = normalize(table, ANNOTATIONS, COLUMNS, NormalizeParams(methods=("median",)))
    assert imputed.values.tolist() == [["F2", "s3"]]
    observed = 2 ** abundance.loc["F2", ["s1", "s2", "q1"]]
    assert 2 ** abundance.loc["F2", "s3"] == pytest.approx(0.2 * observed.min())


def test_missing_standard_is_a_clear_error() -> None:
    with pytest.raises(GcmsflowError, match="internal standard 'myristate'"):
        normalize(areas(), ANNOTATIONS, COLUMNS, NormalizeParams(internal_standard="myristate"))
