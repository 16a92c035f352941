"""Tracing: the fragment table, tracers, cluster extraction, IsoCor correction against an independent isotope model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.core.formula import nominal_mass, parse_formula
from gcmsflow.core.scancube import ScanCube
from gcmsflow.demo.labelling import CLUSTER_FLOOR, LABELLING, cluster, fragment_isotopologues, positions, with_clusters
from gcmsflow.tracing.correct import correct_cluster, corrector
from gcmsflow.tracing.extract import cluster_areas, overlapping_features
from gcmsflow.tracing.fragments import load_fragments, select_fragments, tracer_element
from gcmsflow.tracing.study import fragment_features

FRAGMENTS = load_fragments()
ISSUE_METABOLITES = ["asparagine", "aspartate", "glutamine", "glutamate", "serine", "glycine", "alanine", "lactate", "pyruvate",
                     "citrate", "malate", "fumarate", "succinate"]


def test_fragment_table_is_consistent_and_covers_the_pathway() -> None:
    assert {f.metabolite for f in FRAGMENTS} >= set(ISSUE_METABOLITES)
    for f in FRAGMENTS:
        whole = parse_formula(f.metabolite_formula) + parse_formula(f.derivative_formula)
        assert nominal_mass(whole) == f.fragment_mz, f.fragment_id
        assert parse_formula(f.metabolite_formula)["C"] == len(positions(f.backbone)), f.fragment_id
    header = (Path(__file__).parents[1] / "workflow/gcmsflow/tracing/tms_fragments.tsv").read_text()
    assert "Sources:" in header


def test_bad_fragment_tables_are_named(tmp_path: Path) -> None:
    columns = "metabolite\tderivative\tfragment\tfragment_mz\tformula\tmetabolite_formula\tderivative_formula\tbackbone\n"
    cases = {
        "alanine\t2TMS\tM-117\t116\tC5H14NSi\tC2H5Nx\tC3H9Si\tC2-C3\n": "row 1.*unknown element .Nx.",
        "alanine\t2TMS\tM-117\t117\tC5H14NSi\tC2H5N\tC3H9Si\tC2-C3\n": "row 1.*nominal mass 116",
        "alanine\t2TMS\tM-117\t116\tC5H14NSi\tC2H5N\tC3H8Si\tC2-C3\n": "row 1.*is not C5H14NSi",
    }
    for k, (row, message) in enumerate(cases.items()):
        path = tmp_path / f"fragments{k}.tsv"
        path.write_text(columns + row)
        with pytest.raises(GcmsflowError, match=message):
            load_fragments(str(path))
    with pytest.raises(GcmsflowError, match="not in the fragment table"):
        select_fragments(FRAGMENTS, ("asparagine 999",))


def test_tracers() -> None:
    assert [tracer_element(t) for t in ("13C", "13C5-glutamine", "15N-amide-glutamine", "2H-water")] == ["C", "C", "N", "H"]
    for bad in ("glucose", "14C-glucose", "13X"):
        with pytest.raises(GcmsflowError, match="unknown tracer"):
            tracer_element(bad)


def test_simulator_refuses_a_tracer_it_does_not_model(tmp_path: Path) -> None:
    from gcmsflow.demo.simulate import Design, simulate_study

    with pytest.raises(GcmsflowError, match="not '13C-citrate'"):
        simulate_study(tmp_path / "out", Design(per_group=2, tracer="13C-citrate"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("tracer", sorted(LABELLING))
def test_correction_recovers_the_independent_model(tracer: str) -> None:
    """Clusters from demo.labelling's convolution of IUPAC abundances, corrected by IsoCor, give back the true fractions."""
    element = tracer_element(tracer)
    worst = 0.0
    for f in FRAGMENTS:
        n = f.tracer_atoms(element)
        if n == 0:
            continue
        for group in ("control", "asn_deprived"):
            truth = fragment_isotopologues(f, tracer, group)
            measured = cluster(f, element, truth)[: n + 1] * 1e5
            result = correct_cluster(measured, f, element, 0.99)
            worst = max(worst, np.abs(result.fractions - truth).max())
            direct = corrector(f.metabolite_formula, f.derivative_formula, element, 0.99).correct(measured.tolist())[1]
            assert np.allclose(result.fractions, direct, atol=1e-12)
            assert result.fractional_enrichment == pytest.approx(float(np.dot(np.arange(n + 1), truth)) / n, abs=1e-6)
    assert worst < 1e-6


def test_natural_abundance_is_removed_and_nothing_invented() -> None:
    for f in FRAGMENTS:
        measured = cluster(f, "C", np.eye(f.tracer_atoms("C") + 1)[0])[: f.tracer_atoms("C") + 1]
        result = correct_cluster(measured, f, "C", 0.99)
        assert result.fractions[0] >= 0.98 and abs(result.fractional_enrichment) <= 0.02, f.fragment_id
    assert np.isnan(correct_cluster(np.zeros(3), FRAGMENTS[4], "C", 0.99).fractional_enrichment)


def test_spectra_get_the_fragment_clusters() -> None:
    alanine = [f for f in FRAGMENTS if f.metabolite == "alanine"]
    spectrum = {116: 1.0, 117: 0.5, 218: 0.3, 147: 0.2}
    natural = with_clusters(spectrum, alanine, "", "")
    assert natural[116] == 1.0 and natural[117] == pytest.approx(cluster(alanine[1], "C", [1, 0, 0])[1] / cluster(alanine[1], "C", [1, 0, 0])[0])
    labelled = with_clusters(spectrum, alanine, "13C6-glucose", "control")
    assert labelled[116] < natural[116] and labelled[118] > natural[118]
    total = sum(labelled[m] for m in range(116, 125) if m in labelled)
    # labelling moves intensity within the cluster; only ions under the writing floor may differ
    assert total == pytest.approx(sum(natural[m] for m in range(116, 125) if m in natural), abs=9 * CLUSTER_FLOOR)


def test_a_separate_fragment_beyond_the_natural_cluster_is_kept_under_labelling() -> None:
    oxoglutarate = [f for f in FRAGMENTS if f.metabolite == "2-oxoglutarate"]
    spectrum = {304: 1.0, 310: 0.2}  # 310: another fragment, six above M0, beyond the natural cluster's floor
    natural = with_clusters(spectrum, oxoglutarate, "", "")
    labelled = with_clusters(spectrum, oxoglutarate, "13C6-glucose", "control")
    assert natural[310] == 0.2 and 0.2 < labelled[310] < 0.2 + 0.01
    assert labelled[309] > natural[309]  # the labelled cluster itself still reaches M+5


def test_clusters_are_read_from_raw_traces_with_overlaps_flagged() -> None:
    times = np.arange(400) * 0.25
    peak = np.exp(-0.5 * ((times - 50.0) / 1.0) ** 2)
    mz = np.arange(100, 130)
    intensity = np.full((times.size, mz.size), 20.0)
    truth = cluster(FRAGMENTS[4], "C", [0.5, 0.1, 0.4])  # alanine m/z 116, 13C
    for j, share in enumerate(truth[:6]):
        intensity[:, 116 - 100 + j] += 1e5 * share * peak
    cube = ScanCube(times, mz, intensity.astype(np.float32), {})
    areas = cluster_areas(cube, 116, 3, 46.0, 54.0)
    result = correct_cluster(areas, FRAGMENTS[4], "C", 0.99)
    assert np.abs(result.fractions - [0.5, 0.1, 0.4]).max() < 0.01
    windows = pd.DataFrame({"feature_id": ["F1", "F2", "F3"], "start_s": [46.0, 53.0, 80.0], "end_s": [54.0, 58.0, 85.0]})
    spectra = {"F2": np.eye(200)[117] * 50 + np.eye(200)[150], "F3": np.eye(200)[117]}
    assert overlapping_features(windows, spectra, "F1", np.array([116, 117, 118])) == ["F2"]


def test_features_are_found_by_name_and_a_named_fragment_must_be() -> None:
    annotations = pd.DataFrame({"feature_id": ["F1", "F2"], "name": ["L-Alanine, 2TMS", "Alanine, 2TMS"], "score": [0.7, 0.9]})
    links, missing = fragment_features(select_fragments(FRAGMENTS, ("alanine 116", "lactate 117")), annotations, False, "a.tsv")
    assert links["feature_id"].tolist() == ["F2"] and missing == ["lactate 2TMS (m/z 117)"]
    with pytest.raises(GcmsflowError, match="a.tsv: no annotated feature for lactate"):
        fragment_features(select_fragments(FRAGMENTS, ("lactate 117",)), annotations, True, "a.tsv")
