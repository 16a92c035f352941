"""Library scores: forward and reverse weighted dot product, matched peaks, RI penalty and acceptance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA
from gcmsflow.demo.simulate import load_compounds, tms_spectrum
from gcmsflow.identify.annotate import annotate
from gcmsflow.identify.decoys import compound_keys
from gcmsflow.identify.masscheck import high_ions, mass_consistent
from gcmsflow.identify.params import MatchParams
from gcmsflow.identify.search import score_matrix
from gcmsflow.io.library import Library, load_library, spectra_matrix


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


def test_mass_check_wants_each_sides_molecular_ion_region_in_the_other() -> None:
    entry = {83: 100.0, 84: 6.0, 55: 42.0, 97: 42.0, 98: 49.0, 41: 43.0}  # 2-methylcyclopent-2-en-1-ol-like: M 98, M-1 97
    query = {83: 100.0, 55: 80.0, 98: 45.0, 97: 1.0, 84: 7.0}  # methylcyclohexane-like: M 98, no M-1
    queries, entries = dense([query, query | {97: 30.0}, entry | {112: 30.0}]), dense([entry, entry, entry])
    assert mass_consistent(queries, entries, 5.0, 20.0, 0.15).tolist() == [False, True, False]  # 97 lacked; fine; 112 lacked by the entry
    assert high_ions(dense([entry]), 5.0, 20.0)[0].nonzero()[0].tolist() == [83, 84, 97, 98]
    below = dense([{60: 100.0, 98: 50.0}]), dense([{41: 100.0, 60: 100.0, 98: 50.0}])  # the entry's m/z 41 is below the query's scan range
    assert mass_consistent(*below, 50.0, 100.0, 0.15).tolist() == [True]


def many_features(n: int, seed: int = 5) -> tuple[np.ndarray, Library]:
    """``n`` distinct TMS-like library entries and a slightly noisy query spectrum of each."""
    rng = np.random.default_rng(seed)
    spectra = [{73: 900.0, 147: 300.0} | {int(m): float(rng.uniform(50, 999)) for m in rng.choice(np.arange(150, 500), 6, replace=False)} for _ in range(n)]
    lib = Library([f"Compound {k}, 2TMS" for k in range(n)], [f"L{k}" for k in range(n)], [""] * n, np.full(n, np.nan), dense(spectra))
    return lib.intensity * rng.uniform(0.9, 1.1, lib.intensity.shape), lib


def test_too_few_candidates_make_the_rate_not_estimable() -> None:
    queries, lib = many_features(12)
    _, best, confidence = annotate(queries, np.full(12, np.nan), [f"F{k}" for k in range(12)], lib, MatchParams())
    assert (confidence["accepted_by"] == "strict_score").all() and confidence["qvalue"].isna().all()
    assert len(best) == 12 and (best["score"] >= 0.8).all()
    _, best, confidence = annotate(queries, np.full(12, np.nan), [f"F{k}" for k in range(12)], lib, MatchParams(strict_min_score=0.9))
    assert best.empty  # no RI: at most 0.85, below the strict score


def test_enough_candidates_get_a_conservative_rate() -> None:
    queries, lib = many_features(30)
    _, best, confidence = annotate(queries, np.full(30, np.nan), [f"F{k}" for k in range(30)], lib, MatchParams())
    assert (confidence["accepted_by"] == "target_decoy").all() and len(best) == 30
    assert confidence["qvalue"].min() == pytest.approx(1 / 30)  # (0 decoys + 1) / 30 targets, never 0


# methylcyclohexane- and 1,2-dimethylcyclohexane-like spectra as acquired from m/z 50 (gasoline
# hydrocarbons MassBank lacks), relative %: their best MassBank hits are isobaric cyclopentenols
GASOLINE_LIKE = [
    {50: 3, 51: 4, 53: 6, 54: 7, 55: 80, 56: 30, 57: 4, 67: 5, 68: 5, 69: 17, 70: 18, 81: 3, 82: 4, 83: 100, 84: 7, 97: 1, 98: 45, 99: 3},
    {53: 5, 54: 4, 55: 75, 56: 25, 57: 5, 67: 10, 68: 6, 69: 30, 70: 15, 81: 10, 82: 6, 83: 10, 95: 3, 97: 100, 98: 8, 111: 1, 112: 30, 113: 2.5},
]


@pytest.mark.shared_data
def test_isobaric_look_alikes_from_massbank_are_not_named() -> None:
    lib = load_library(SHARED_DATA / "library" / "massbank_gc_ei.msp", "semi-standard non-polar")
    queries = dense([{k: float(v) for k, v in s.items()} for s in GASOLINE_LIKE])
    unchecked = MatchParams(mass_check_percent=None, min_candidates=1, strict_min_score=0.6)
    _, best, confidence = annotate(queries, np.full(2, np.nan), ["F1", "F2"], lib, unchecked)
    assert confidence["best_target"].tolist() == ["2-Methylcyclopent-2-en-1-ol", "2,3-Dimethylcyclopent-2-en-1-ol"]
    assert confidence["passes_thresholds"].all()  # without the check both pass the score thresholds
    _, best, confidence = annotate(queries, np.full(2, np.nan), ["F1", "F2"], lib, MatchParams())
    assert not confidence["mass_consistent"].any() and not confidence["passes_thresholds"].any() and best.empty


@pytest.mark.shared_data
def test_mass_check_keeps_same_compound_hits_and_refuses_look_alikes_on_massbank() -> None:
    lib = load_library(SHARED_DATA / "library" / "massbank_gc_ei.msp")
    acquired = lib.intensity.copy()
    acquired[:, :50] = 0
    keys = compound_keys(lib.inchikeys, lib.names)
    forward = score_matrix(acquired, lib.intensity, MatchParams())["forward"]
    np.fill_diagonal(forward, -1.0)
    same = keys[:, None] == keys[None, :]
    rates = []
    for pool in (same, ~same):
        best = np.argmax(np.where(pool, forward, -1.0), axis=1)
        rows = np.flatnonzero(forward[np.arange(len(best)), best] >= 0.7)
        rates.append(mass_consistent(acquired[rows], lib.intensity[best[rows]], 5.0, 20.0, 0.15, entry_percent=10.0).mean())
    assert rates[0] > 0.9 and rates[1] < 0.65, rates  # measured: 0.950 kept, 0.367 refused


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


def test_mass_check_takes_a_labelled_runs_isotopologues_for_the_entrys_ions() -> None:
    entry = {73: 100.0, 147: 40.0, 218: 30.0, 190: 10.0}  # alanine 2TMS-like: M-15 at 218
    labelled = entry | {218: 15.0, 219: 5.0, 220: 4.0, 221: 12.0}  # half the M-15 fragment carries three 13C
    assert mass_consistent(dense([labelled]), dense([entry]), 5.0, 20.0, 0.15)[0]
    stray = entry | {229: 20.0}  # a high ion 11 above the entry's: not an isotopologue of it
    assert not mass_consistent(dense([stray]), dense([entry]), 5.0, 20.0, 0.15)[0]


def test_mass_check_does_not_demand_an_entrys_isotope_peaks() -> None:
    entry = {73: 100.0, 147: 40.0, 218: 30.0, 219: 6.0, 220: 3.5, 190: 10.0}  # M-15 at 218 with its 29Si/30Si/13C peaks
    sparse = {73: 100.0, 147: 40.0, 218: 30.0, 190: 10.0, 100: 2.0}  # the feature kept only 218 of the cluster (and an ion at 2 %)
    assert mass_consistent(dense([sparse]), dense([entry]), 5.0, 20.0, 0.15)[0]
    stronger_above = {73: 100.0, 147: 40.0, 218: 30.0, 219: 45.0}  # 219 is stronger than 218: a fragment, not an isotope peak
    assert not mass_consistent(dense([sparse]), dense([stronger_above]), 5.0, 20.0, 0.15)[0]
    three_above = {73: 100.0, 147: 40.0, 218: 30.0, 221: 12.0}  # 3 above: beyond the isotope span
    assert not mass_consistent(dense([sparse]), dense([three_above]), 5.0, 20.0, 0.15)[0]


def test_mass_check_does_not_demand_entry_ions_weaker_than_the_querys_weakest() -> None:
    entry = {73: 100.0, 147: 60.0, 298: 8.0, 306: 34.0}  # serine 3TMS-like: a weak 298 beside M-15 306
    sparse = {73: 100.0, 147: 55.0, 204: 20.0, 306: 35.0}  # weakest recorded ion at 20 % of base: an 8 % ion cannot show
    assert mass_consistent(dense([sparse]), dense([entry]), 5.0, 20.0, 0.15)[0]
    full = sparse | {100: 2.0}  # an ion at 2 % recorded: the 8 % ion would have been seen
    assert not mass_consistent(dense([full]), dense([entry]), 5.0, 20.0, 0.15)[0]


def test_mass_check_asks_of_the_query_only_the_entrys_ions_at_entry_percent() -> None:
    entry = {73: 100.0, 147: 60.0, 204: 95.0, 298: 8.0, 306: 34.0}  # serine 3TMS-like: 298 at 8 % beside M-15 306
    coeluted = {73: 100.0, 147: 55.0, 204: 90.0, 205: 2.0, 306: 35.0}  # 298 lost under a co-eluting compound, 205 kept at 2 %
    assert not mass_consistent(dense([coeluted]), dense([entry]), 5.0, 20.0, 0.15)[0]
    assert mass_consistent(dense([coeluted]), dense([entry]), 5.0, 20.0, 0.15, entry_percent=10.0)[0]
    lacking_m15 = {73: 100.0, 147: 55.0, 204: 90.0, 205: 2.0}  # the entry's 34 % M-15 is still asked for
    assert not mass_consistent(dense([lacking_m15]), dense([entry]), 5.0, 20.0, 0.15, entry_percent=10.0)[0]
