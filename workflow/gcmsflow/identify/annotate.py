"""Library matching of feature spectra: weighted dot product, reverse match, matched peaks and RI.

Spectra are weighted as (m/z)^a x I^b (Stein & Scott 1994 defaults a = 3, b = 0.6) and compared
by cosine (forward; a weak query ion with no neighbour at m/z +- 1, as a noise spike is, counts
only where the library spectrum has it), by cosine restricted to the library spectrum's ions (reverse), and by the
fraction of library ions (>= 1 % of base) present in the query. The spectral match is
0.5 forward + 0.3 reverse + 0.2 matched fraction. With an RI on both sides it is multiplied by
exp(-ΔRI² / 2σ²); without, by ``no_ri_factor``. A best hit is accepted when its score reaches
``min_score``, its forward score ``min_spectral`` and, with RIs, |ΔRI| <= ``ri_window``; the
best-scoring accepted hit among the top k is the feature's name.

Each feature is also searched against decoy spectra made from the library (:mod:`gcmsflow.decoys`);
the false-annotation rate of the accepted names is estimated by target–decoy competition and a
name is kept only where its q-value is at most ``max_fdr``; other features stay unknown.

MSI level (Sumner et al. 2007): 2 when spectrum and library RI agree; 3 when only the spectrum
could be compared (no RI on one side). Level 1 needs an in-house standard and is never claimed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..io.library import Library
from .decoys import compound_keys, make_decoys, target_decoy_qvalues
from .params import MatchParams
from .search import top_hits

ANNOTATION_COLUMNS = [
    "feature_id", "name", "inchikey", "library_id", "spectral_score", "reverse_score",
    "matched_peaks", "ri_library", "ri_delta", "score", "msi_level",
]


def _best_passes(scores: dict[str, np.ndarray], params: MatchParams) -> np.ndarray:
    """Per query, whether its best hit (column 0 of a top-hits table) meets the acceptance criteria
    (before the false-annotation rate)."""
    return (
        (scores["combined"][:, 0] >= params.min_score)
        & (scores["forward"][:, 0] >= params.min_spectral)
        & (~scores["has_ri"][:, 0].astype(bool) | (np.abs(np.nan_to_num(scores["delta"][:, 0])) <= params.ri_window))
    )


class Annotation(NamedTuple):
    """All top-k hits (with ``accepted``), the best accepted hit per feature, and the target–decoy table."""

    hits: pd.DataFrame
    best: pd.DataFrame
    confidence: pd.DataFrame


def annotate(queries: np.ndarray, query_ri: np.ndarray, feature_ids: list[str], library: Library, params: MatchParams) -> Annotation:
    """Top-k hits per feature (with ``accepted``), the best accepted hit per feature (``ANNOTATION_COLUMNS``)
    and the target–decoy table (per feature: best target and decoy scores, winner, q-value, accepted)."""
    n = len(feature_ids)
    if n == 0:
        empty = pd.DataFrame(columns=["feature_id", "best_target", "target_score", "decoy_score", "winner", "passes_thresholds", "qvalue", "accepted"])
        return Annotation(pd.DataFrame(columns=["feature_id", "rank", *ANNOTATION_COLUMNS[1:], "qvalue", "accepted"]), pd.DataFrame(columns=ANNOTATION_COLUMNS), empty)
    entries, target = top_hits(queries, query_ri, library.intensity, library.ri, params, params.top_k)
    keys = compound_keys(library.inchikeys, library.names)
    decoy_spectra = make_decoys(library.intensity, keys, params.mz_power, params.intensity_power, params.decoy_seed, params.decoy_share)
    _, decoy = top_hits(queries, query_ri, decoy_spectra, library.ri, params, 1)
    target_score, decoy_score = target["combined"][:, 0], decoy["combined"][:, 0]
    target_wins, passes, qvalues = target_decoy_qvalues(target_score, decoy_score, _best_passes(target, params), _best_passes(decoy, params))
    accepted_feature = passes & target_wins & (qvalues <= params.max_fdr)
    confidence = pd.DataFrame({
        "feature_id": feature_ids, "best_target": [library.names[j] for j in entries[:, 0]], "target_score": target_score,
        "decoy_score": decoy_score, "winner": np.where(target_wins, "target", "decoy"), "passes_thresholds": passes,
        "qvalue": qvalues, "accepted": accepted_feature,
    })
    hits = []
    for i, fid in enumerate(feature_ids):
        for rank, j in enumerate(entries[i], start=1):
            c = rank - 1
            hits.append(
                {
                    "feature_id": fid, "rank": rank, "name": library.names[j], "inchikey": library.inchikeys[j],
                    "library_id": library.ids[j], "spectral_score": target["forward"][i, c],
                    "reverse_score": target["reverse"][i, c], "matched_peaks": target["matched"][i, c],
                    "ri_library": library.ri[j], "ri_delta": target["delta"][i, c], "score": target["combined"][i, c],
                    "msi_level": 2 if target["has_ri"][i, c] else 3, "qvalue": qvalues[i] if rank == 1 else np.nan,
                    "accepted": bool(rank == 1 and accepted_feature[i]),
                }
            )
    hit_table = pd.DataFrame(hits, columns=["feature_id", "rank", *ANNOTATION_COLUMNS[1:], "qvalue", "accepted"])
    best = hit_table[hit_table["accepted"]]
    return Annotation(hit_table, best[ANNOTATION_COLUMNS].reset_index(drop=True), confidence)
