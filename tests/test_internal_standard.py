"""The internal standard found by its library spectrum and RI when it got no name."""

from __future__ import annotations

import numpy as np
import pandas as pd
from gcmsflow.demo.simulate import load_compounds, tms_spectrum
from gcmsflow.identify.annotate import annotate
from gcmsflow.identify.internal_standard import find_standard
from gcmsflow.identify.params import MatchParams
from gcmsflow.io.library import Library, spectra_matrix
from gcmsflow.report.summary import standard_summary
from gcmsflow.stats.normalize import NormalizeParams, normalize

COMPOUNDS = load_compounds().drop_duplicates("metabolite").set_index("metabolite", drop=False)
METABOLITES = ["lactate", "alanine", "asparagine", "ribitol", "glutamate"]


def spectrum(metabolite: str) -> dict[int, float]:
    return tms_spectrum(COMPOUNDS.loc[metabolite], seed=1)


def dense(spectra: list[dict[int, float]]) -> np.ndarray:
    return spectra_matrix([np.array(list(s)) for s in spectra], [np.array(list(s.values())) for s in spectra])


def library() -> Library:
    names = COMPOUNDS.loc[METABOLITES, "name"].tolist()
    ri = COMPOUNDS.loc[METABOLITES, "ri"].to_numpy(float)
    return Library(names, [f"L{i}" for i in range(len(names))], [""] * len(names), ri, dense([spectrum(m) for m in METABOLITES]))


def weak(spec: dict[int, float]) -> dict[int, float]:
    """A spectrum at a lower amount: ions under 8 % of base lost in the noise."""
    return {mz: v for mz, v in spec.items() if v >= 0.08}


def test_two_batch_lower_amount_study_where_ribitol_is_not_named_normalizes() -> None:
    lib = library()
    ids = ["F1", "F2", "F3", "F4", "F5"]
    queries = Library(ids, ids, [""] * 5, COMPOUNDS.loc[METABOLITES, "ri"].to_numpy(float) + [0, 1, -1, 22, 0],
                      dense([spectrum(m) for m in METABOLITES[:3]] + [weak(spectrum("ribitol")), spectrum("glutamate")]))
    params = MatchParams()
    best = annotate(queries.intensity, queries.ri, ids, lib, params).best
    assert "F4" not in set(best["feature_id"])  # ribitol 22 RI off at a low amount: no name
    annotations, found = find_standard("ribitol", best, queries, lib, params)
    assert found.loc[0, "found_by"] == "library search" and found.loc[0, "feature_id"] == "F4"
    assert annotations.set_index("feature_id").loc["F4", "name"] == COMPOUNDS.loc["ribitol", "name"]
    assert "was not named" in standard_summary(found)

    runs = pd.DataFrame({"type": ["sample"] * 4 + ["qc", "qc"], "group": ["a", "b", "a", "b", "pool", "pool"],
                         "batch": ["1", "1", "2", "2", "1", "2"], "injection_order": range(1, 7)}, index=["s1", "s2", "s3", "s4", "q1", "q2"])
    rng = np.random.default_rng(0)
    areas = pd.DataFrame(rng.uniform(500.0, 1000.0, (5, 6)), index=ids, columns=runs.index)
    result = normalize(areas, annotations[["feature_id", "name"]], runs, NormalizeParams())
    assert result.factors["internal_standard_feature"].eq("F4").all()
    assert "F4" not in result.abundance.index


def test_a_named_standard_is_taken_by_name_and_a_missing_one_is_said() -> None:
    lib = library()
    queries = Library(["F1"], ["F1"], [""], np.array([COMPOUNDS.loc["ribitol", "ri"]]), dense([spectrum("ribitol")]))
    best = annotate(queries.intensity, queries.ri, ["F1"], lib, MatchParams()).best
    _, found = find_standard("ribitol", best, queries, lib, MatchParams())
    assert found.loc[0, "found_by"] == "name" and found.loc[0, "feature_id"] == "F1"
    other = Library(["F1"], ["F1"], [""], np.array([COMPOUNDS.loc["lactate", "ri"]]), dense([spectrum("lactate")]))
    _, found = find_standard("ribitol", pd.DataFrame(columns=best.columns), other, lib, MatchParams())
    assert found.loc[0, "found_by"] == "not found" and "was not found" in standard_summary(found)
