"""Tracing over a study: which feature carries each fragment, its cluster in every run, corrected distributions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import GcmsflowError
from ..core.scancube import load_cube
from ..signal.gapfill import expected_rts
from .correct import correct_cluster
from .extract import MIN_APEX_TO_FLOOR, apex_counts, clean_clusters, cluster_areas, detection_floor, overlapping_features
from .fragments import ISOTOPES, Fragment, TracingParams, matches, tracer_element

ISOTOPOLOGUE_COLUMNS = ["sample", "metabolite", "fragment_mz", "isotopologue", "area", "fraction_corrected", "feature_id", "derivative", "tracer", "overlap", "low_signal"]
ENRICHMENT_COLUMNS = ["sample", "metabolite", "fragment_mz", "fractional_enrichment", "mean_labelled_atoms", "feature_id", "derivative", "tracer", "overlap", "low_signal"]
FRAGMENT_FEATURE_COLUMNS = ["fragment_id", "name", "feature_id", "metabolite", "derivative", "fragment", "fragment_mz", "backbone"]


@dataclass
class Tracing:
    """Long tables of isotopologues and enrichment, the enrichment matrix (fragment_id x sample) and which feature carries each fragment."""

    isotopologues: pd.DataFrame
    enrichment: pd.DataFrame
    matrix: pd.DataFrame
    fragment_features: pd.DataFrame
    not_found: list[str]


def fragment_features(fragments: list[Fragment], annotations: pd.DataFrame, explicit: bool, source: str) -> tuple[pd.DataFrame, list[str]]:
    """The best-scoring annotated feature of each fragment's derivative; fragments without one are listed
    (an error when the user named them in ``tracing.fragments``)."""
    ranked = annotations.sort_values(["score", "feature_id"], ascending=[False, True], kind="stable")
    rows, not_found = [], []
    for fragment in fragments:
        hit = ranked[[matches(fragment, name) for name in ranked["name"].astype(str)]]
        if hit.empty:
            not_found.append(f"{fragment.metabolite} {fragment.derivative} (m/z {fragment.fragment_mz})")
            continue
        rows.append([fragment.fragment_id, f"{fragment.metabolite} {fragment.derivative} m/z {fragment.fragment_mz}", hit["feature_id"].iloc[0],
                     fragment.metabolite, fragment.derivative, fragment.fragment, fragment.fragment_mz, fragment.backbone])
    if explicit and not_found:
        raise GcmsflowError(source, f"no annotated feature for {', '.join(not_found)}")
    return pd.DataFrame(rows, columns=FRAGMENT_FEATURE_COLUMNS), not_found


def run_windows(table: pd.DataFrame, members: pd.DataFrame, run: str) -> pd.DataFrame:
    """Retention window (start_s, end_s) of every feature in ``run``: its own component's where detected, else
    the feature's RT shifted like the run's neighbouring features, with the feature's median width."""
    rt = table.set_index("feature_id")["rt"]
    own = members[members["sample"] == run].drop_duplicates("feature_id").set_index("feature_id")
    own_rt = rt.reindex(own.index).to_numpy()
    half = (members["rt_end"] - members["rt_start"]).groupby(members["feature_id"]).median().reindex(rt.index) / 2.0
    centre = pd.Series(expected_rts(rt.to_numpy(), own_rt, own["rt"].to_numpy() - own_rt), index=rt.index)
    start = own["rt_start"].reindex(rt.index).fillna(centre - half)
    end = own["rt_end"].reindex(rt.index).fillna(centre + half)
    return pd.DataFrame({"feature_id": rt.index, "start_s": start.to_numpy(), "end_s": end.to_numpy()}).dropna()


def run_tracers(sheet: pd.DataFrame, runs: list[str], params: TracingParams, source: str) -> dict[str, str]:
    """Labelled element of each run: from its ``tracer`` column (empty = unlabelled, read with the study tracer), else the study tracer."""
    study = tracer_element(params.tracer, "tracing.tracer")
    if "tracer" not in sheet.columns:
        return dict.fromkeys(runs, study)
    named = sheet["tracer"].fillna("").astype(str).str.strip()
    return {run: tracer_element(named[run], f"{source}: run {run}, column 'tracer'") if named[run] else study for run in runs}


def trace_study(
    table: pd.DataFrame,
    members: pd.DataFrame,
    links: pd.DataFrame,
    fragments: dict[str, Fragment],
    spectra: Mapping[str, np.ndarray],
    cubes: dict[str, str],
    tracers: dict[str, str],
    purity: float,
) -> pd.DataFrame:
    """One row per run, fragment and isotopologue: measured area and corrected fraction, with enrichment columns."""
    rows = []
    for run, path in cubes.items():
        cube = load_cube(path)
        floor = detection_floor(cube)
        windows = run_windows(table, members, run).set_index("feature_id", drop=False)
        element = tracers[run]
        for link in links.itertuples(index=False):
            fragment = fragments[link.fragment_id]
            n = fragment.tracer_atoms(element)
            if n == 0 or link.feature_id not in windows.index:
                continue
            window = windows.loc[link.feature_id]
            areas = cluster_areas(cube, fragment.fragment_mz, n + 1, window["start_s"], window["end_s"])
            corrected = correct_cluster(areas, fragment, element, purity)
            low_signal = apex_counts(cube, fragment.fragment_mz, window["start_s"], window["end_s"]) < MIN_APEX_TO_FLOOR * floor
            overlap = ";".join(overlapping_features(windows, spectra, link.feature_id, fragment.fragment_mz + np.arange(n + 1)))
            for i in range(n + 1):
                rows.append([run, fragment.metabolite, fragment.fragment_mz, i, areas[i], corrected.fractions[i], link.feature_id, fragment.derivative,
                             f"{ISOTOPES[element]}{element}", overlap, low_signal, corrected.fractional_enrichment, corrected.mean_labelled_atoms, link.fragment_id])
    return pd.DataFrame(rows, columns=[*ISOTOPOLOGUE_COLUMNS, "fractional_enrichment", "mean_labelled_atoms", "fragment_id"])


def tracing_tables(long: pd.DataFrame, links: pd.DataFrame, runs: list[str], not_found: list[str]) -> Tracing:
    """Split the long table into the contract tables and the enrichment matrix (fragment_id x run), which leaves
    out (NaN) clusters flagged as overlapped or low signal, so tests of enrichment use clean clusters only."""
    isotopologues = long[ISOTOPOLOGUE_COLUMNS].reset_index(drop=True)
    first = long[long["isotopologue"] == 0]
    enrichment = first[ENRICHMENT_COLUMNS].reset_index(drop=True)
    matrix = pd.DataFrame(np.nan, index=pd.Index(links["fragment_id"], name="fragment_id"), columns=runs)
    for row in first[clean_clusters(first)].itertuples(index=False):
        matrix.at[row.fragment_id, row.sample] = row.fractional_enrichment
    return Tracing(isotopologues, enrichment, matrix.reset_index(names="fragment_id"), links, not_found)
