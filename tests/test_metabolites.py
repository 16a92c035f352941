"""Grouping features into metabolites."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gcmsflow.core.names import split_name
from gcmsflow.stats.metabolites import grouping_rule, metabolite_table


def test_names_split_into_metabolite_and_derivative() -> None:
    assert split_name("Glucose, MeOX 5TMS (BP)") == ("Glucose", "MeOX 5TMS (BP)")
    assert split_name("Urea") == ("Urea", "")


@pytest.mark.parametrize(
    ("forms", "rule"),
    [
        (["2TMS", "3TMS"], "TMS derivative forms"),
        (["MeOX 5TMS", "MeOX 5TMS (BP)"], "MeOX isomers"),
        (["MeOX syn 5TMS", "MeOX anti 5TMS"], "MeOX isomers"),
        (["1TMS", "1TMS"], "same library name"),
        (["3TMS"], "single form"),
    ],
)
def test_grouping_rules(forms: list[str], rule: str) -> None:
    assert grouping_rule(forms) == rule


def test_table_sums_forms_and_flags_pyroglutamate() -> None:
    annotations = pd.DataFrame({
        "feature_id": ["F1", "F2", "F3", "F4", "F5"],
        "name": ["Serine, 2TMS", "serine, 3TMS", "Pyroglutamate, 2TMS", "Glutamine, 3TMS", ""],
    })
    abundance = pd.DataFrame(np.log2([[4.0, 8.0], [4.0, 8.0], [2.0, 2.0]]), index=["F1", "F2", "F3"], columns=["s1", "s2"])
    table, values = metabolite_table(annotations, abundance)
    assert table["name"].tolist() == ["Glutamine", "Pyroglutamate", "Serine"]
    serine = table.set_index("name").loc["Serine"]
    assert serine["features"] == "F1|F2" and serine["rule"] == "TMS derivative forms"
    assert "artefact" in table.set_index("name").loc["Pyroglutamate", "note"]
    assert values.loc[serine["metabolite_id"]].tolist() == pytest.approx([3.0, 4.0])
    assert table.set_index("name").loc["Glutamine", "metabolite_id"] not in values.index  # filtered out of abundance


def test_no_names_gives_an_empty_table() -> None:
    annotations = pd.DataFrame({"feature_id": pd.Series(dtype=object), "name": pd.Series(dtype=float)})
    table, values = metabolite_table(annotations, pd.DataFrame(np.zeros((1, 2)), index=["F1"], columns=["s1", "s2"]))
    assert table.empty and values.empty
