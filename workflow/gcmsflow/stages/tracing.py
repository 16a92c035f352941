"""The tracing stage: isotopologue distributions of known fragments in every study run, corrected by IsoCor."""

from __future__ import annotations

import sys

from ..core.config import runs_by_name
from ..core.samplesheet import load_sheet, runs_of_type
from ..core.tables import read_tsv, write_tsv
from ..io.library import load_library
from ..tracing.fragments import TracingParams, load_fragments, select_fragments
from ..tracing.study import fragment_features, run_tracers, trace_study, tracing_tables


def run_trace(
    samples: str,
    table: str,
    members: str,
    annotations: str,
    features: str,
    cubes: list[str],
    isotopologues: str,
    enrichment: str,
    matrix: str,
    fragments: str,
    options: TracingParams,
) -> None:
    """Feature table, members, annotations, consensus spectra (MSP) and scan cubes -> isotopologues, enrichment,
    the enrichment matrix for the statistics and the feature that carries each fragment."""
    sheet = load_sheet(samples)
    by_run = runs_by_name(cubes, ".npz")
    runs = runs_of_type(sheet, "sample", "qc", among=by_run)
    wanted = select_fragments(load_fragments(options.table), options.fragments)
    links, not_found = fragment_features(wanted, read_tsv(annotations, ["feature_id", "name", "score"]), bool(options.fragments), annotations)
    for missing in not_found:
        print(f"gcmsflow trace: warning: {missing} is not among the annotated features; not traced", file=sys.stderr)
    consensus = load_library(features)
    spectra = dict(zip(consensus.names, consensus.intensity))
    long = trace_study(
        read_tsv(table, ["feature_id", "rt"]),
        read_tsv(members, ["feature_id", "sample", "rt", "rt_start", "rt_end"]),
        links,
        {f.fragment_id: f for f in wanted},
        spectra,
        {run: by_run[run] for run in runs},
        run_tracers(sheet, runs, options, samples),
        options.purity,
    )
    result = tracing_tables(long, links, runs, not_found)
    write_tsv(result.isotopologues, isotopologues)
    write_tsv(result.enrichment, enrichment)
    write_tsv(result.matrix, matrix)
    write_tsv(result.fragment_features, fragments)
