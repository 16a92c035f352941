"""The annotation stage: feature spectra against a library, with target-decoy false-annotation rates."""

from __future__ import annotations

from ..core.tables import write_tsv
from ..identify.annotate import annotate
from ..identify.params import MatchParams
from ..io.library import load_library

NAMED_COLUMNS = ["feature_id", "name", "msi_level", "score", "spectral_score", "ri_delta", "qvalue"]


def run_annotate(features: str, library: str, output: str, hits: str, confidence: str, named: str, options: MatchParams) -> None:
    """Consensus spectra (MSP) + library -> all hits, best accepted hit per feature, confidence, named features."""
    entries = load_library(library, options.column_class)
    queries = load_library(features)
    result = annotate(queries.intensity, queries.ri, queries.names, entries, options)
    write_tsv(result.hits, hits)
    write_tsv(result.best, output)
    write_tsv(result.confidence, confidence)
    write_tsv(result.best.merge(result.confidence[["feature_id", "qvalue"]], on="feature_id")[NAMED_COLUMNS], named)
