"""Library scores: forward and reverse weighted dot product, matched peaks, RI penalty and acceptance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gcmsflow.demo.simulate import load_compounds, tms_spectrum
from gcmsflow.identify.annotate import annotate
from gcmsflow.identify.params import MatchParams
from gcmsflow.identify.search import score_matrix
from gcmsflow.io.library import Library, spectra_matrix


def dense(spectra: list[dict[int, float]]) -> np.ndarray:
    return spectra_matrix([np.array(list(s)) for s in spectra], [np.array(list(s.values())) for s in spectra])


LIB = [{116: 999.0, 132: 400.0, 231: 300.0, 73: 800.0}, {245: 999.0, 156: 600.0, 347: 300.0, 73: 700.0}]


def library(ri: list[float]) -> Library:
    return Library(["Asparagine, 3TMS", "Glutamine, 3TMS"], ["L1", "L2"], ["", ""], np.array(ri), dense(LIB))


def test_identical_spectrum_scores_one() -> None:
    scores = score_matrix(dense(LIB[:1]), dense(LIB), MatchParams())
    assert scores["forward"][0, 0] == pytest.approx(1.0)
    assert scores["reverse"][0, 0] == pytest.approx(1.0)
    assert scores["matched"][0, 0] == pytest.approx(1.0)
    assert scores["forward"][0, 1] < 0.5


def test_reverse_score_ignores_query_ions_absent_from_library() -> None:
    query = dict(LIB[0]) | {400: 900.0}
    scores = score_matrix(dense([query]), dense(LIB[:1]), MatchParams())
    assert scores["reverse"][0, 0] == pytest.approx(1.0)
    assert scores["forward"][0, 0] < 0.8


def test_ri_penalty_and_window() -> None:
    params = MatchParams(ri_sigma=10.0, ri_window=30.0)
    _, best, _ = annotate(dense(LIB[:1]), np.array([1680.0]), ["F1"], library([1678.0, 1770.0]), params)
    assert best.loc[0, "name"] == "Asparagine, 3TMS" and best.loc[0, "msi_level"] == 2
    assert best.loc[0, "score"] == pytest.approx(np.exp(-0.5 * 0.04), rel=1e-6)
    hits, best, _ = annotate(dense(LIB[:1]), np.array([1750.0]), ["F1"], library([1678.0, 1770.0]), params)
    assert best.empty and not hits["accepted"].any()


def test_missing_ri_gives_level_three_with_penalty() -> None:
    _, best, _ = annotate(dense(LIB[:1]), np.array([np.nan]), ["F1"], library([1678.0, 1770.0]), MatchParams(no_ri_factor=0.85))
    assert best.loc[0, "msi_level"] == 3 and best.loc[0, "score"] == pytest.approx(0.85)


def test_a_noise_ion_at_mz_521_does_not_unname_asparagine() -> None:
    """One single-scan noise ion at m/z 521 (5 % of base, no isotope neighbours) in asparagine's
    spectrum: under (m/z)^3 it would carry most of the query's weight; it counts only where the
    library entry has it, so asparagine keeps its name."""
    compounds = load_compounds().drop_duplicates("metabolite").set_index("metabolite", drop=False)
    names = ["asparagine", "aspartate", "glutamine", "ribitol"]
    spectra = [tms_spectrum(compounds.loc[m], seed=1) for m in names]
    lib = Library(compounds.loc[names, "name"].tolist(), names, [""] * 4, compounds.loc[names, "ri"].to_numpy(float), dense(spectra))
    query = dense([spectra[0] | {521: 0.05}])
    ri = np.array([compounds.loc["asparagine", "ri"]])
    params = MatchParams()
    _, best, _ = annotate(query, ri, ["F1"], lib, params)
    assert best.loc[0, "name"] == compounds.loc["asparagine", "name"]
    assert best.loc[0, "spectral_score"] >= params.min_spectral and best.loc[0, "score"] >= params.min_score
    assert score_matrix(query, lib.intensity[:1], params)["forward"][0, 0] == pytest.approx(1.0, abs=1e-6)
    every_ion = score_matrix(query, lib.intensity[:1], MatchParams(isolated_below=0.0))["forward"][0, 0]
    assert every_ion < 0.75  # under (m/z)^3 with every ion scored, the one noise ion takes a quarter off the forward score


def massbank_record(name: str) -> dict[int, float]:
    """Peaks of the first record called ``name`` in the shared MassBank MSP (nominal m/z, base 1)."""
    lines = Path(__file__).resolve().parents[1].joinpath("..", "shared", "data", "library", "massbank_gc_ei.msp").read_text().splitlines()
    start = lines.index(f"NAME: {name}")
    first = next(i for i in range(start, len(lines)) if lines[i].lower().startswith("num peaks")) + 1
    peaks = {}
    for line in lines[first:]:
        if not line.strip():
            break
        mz, value = line.split()[:2]
        peaks[int(round(float(mz)))] = peaks.get(int(round(float(mz))), 0.0) + float(value)
    top = max(peaks.values())
    return {mz: v / top for mz, v in peaks.items()}


@pytest.mark.shared_data
def test_a_noise_ion_at_mz_521_does_not_unname_massbank_asparagine() -> None:
    """The real MassBank spectrum of asparagine 3TMS (ions up to m/z 333): one noise ion at m/z 521
    (5 % of base) halves the (m/z)^3 forward score when every ion counts, not when it counts only
    where the library has it."""
    asparagine = massbank_record("L-Asparagine (3 TMS)")
    lib = Library(["L-Asparagine (3 TMS)", *library([0.0, 0.0]).names], ["A", "L1", "L2"], ["", "", ""], np.array([1678.0, 1678.0, 1770.0]), dense([asparagine, *LIB]))
    query = dense([asparagine | {521: 0.05}])
    params = MatchParams()
    assert score_matrix(query, lib.intensity[:1], MatchParams(isolated_below=0.0))["forward"][0, 0] < params.min_spectral
    _, best, _ = annotate(query, np.array([1680.0]), ["F1"], lib, params)
    assert best.loc[0, "name"] == "L-Asparagine (3 TMS)" and best.loc[0, "score"] >= params.min_score
