"""The annotation stage: feature spectra against a library, with target-decoy false-annotation rates;
and the library's preparation (parsed spectra and decoys) once per library and settings."""

from __future__ import annotations

from ..core.tables import write_tsv
from ..identify.annotate import annotate
from ..identify.internal_standard import find_standard
from ..identify.params import MatchParams
from ..identify.prepared import load_prepared, prepare_library, save_prepared
from ..io.library import load_library, read_msp_library

NAMED_COLUMNS = ["feature_id", "name", "msi_level", "score", "spectral_score", "ri_delta", "qvalue"]


def run_prepare_library(library: str, output: str, options: MatchParams) -> None:
    """Library -> its prepared form (parsed spectra, decoys, checksum and settings key) as one .npz."""
    save_prepared(prepare_library(library, options), output)


def run_annotate(
    features: str, library: str, output: str, hits: str, confidence: str, named: str, internal_standard: str, standard_qc: str, prepared: str,
    options: MatchParams,
) -> None:
    """Consensus spectra (MSP) + library -> all hits, best accepted hit per feature, confidence, named features;
    with ``internal_standard``, the standard is searched for by spectrum and RI when it got no name
    (how it was found goes to ``standard_qc``). With ``prepared`` (from ``prepare-library``; refused when made
    from another library file or settings) the library is not parsed nor its decoys made again."""
    if prepared:
        ready = load_prepared(prepared, library, options)
        entries, decoys = ready.library, ready.decoys
    else:
        entries, decoys = load_library(library, options.column_class), None
    queries = read_msp_library(features)
    result = annotate(queries.intensity, queries.ri, queries.names, entries, options, decoys)
    best, standard = find_standard(internal_standard, result.best, queries, entries, options)
    write_tsv(result.hits, hits)
    write_tsv(best, output)
    write_tsv(result.confidence, confidence)
    write_tsv(best.merge(result.confidence[["feature_id", "qvalue"]], on="feature_id")[NAMED_COLUMNS], named)
    if standard_qc:
        write_tsv(standard, standard_qc)
