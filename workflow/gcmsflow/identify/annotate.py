"""Library matching of feature spectra: weighted dot product, reverse match, matched peaks and RI.

Spectra are weighted as (m/z)^a x I^b (Stein & Scott 1994 defaults a = 3, b = 0.6) and compared
by cosine (forward; a weak query ion with no neighbour at m/z +- 1, as a noise spike is, counts
only where the library spectrum has it), by cosine restricted to the library spectrum's ions (reverse), and by the
fraction of library ions (>= 1 % of base) present in the query. The spectral match is
0.5 forward + 0.3 reverse + 0.2 matched fraction. With an RI on both sides it is multiplied by
exp(-ΔRI² / 2σ²); without, by ``no_ri_factor``. A best hit is accepted when its score reaches
``min_score``, its forward score ``min_spectral`` and, with RIs, |ΔRI| <= ``ri_window``; the
best-scoring accepted hit among the top k is the feature's name.

A best hit must also be mass-consistent with the feature (:mod:`masscheck`: neither spectrum lacks
a strong ion of the other's molecular-ion region), so isobaric look-alikes are not named on a few
high ions. Each feature is also searched against decoy spectra made from the library
(:mod:`decoys`); the false-annotation rate of the accepted names is estimated by target–decoy
competition ((decoys + 1) / targets) and a name is kept only where its q-value is at most
``max_fdr``. With fewer than ``min_candidates`` features passing the thresholds the rate is not
estimable (q-values stay empty) and names are given only where the score reaches
``strict_min_score``; the confidence table's ``accepted_by`` says which rule applied. Other
features stay unknown.

MSI level (Sumner et al. 2007): 2 when spectrum and library RI agree; 3 when only the spectrum
could be compared (no RI on one side). Level 1 needs an in-house standard and is never claimed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..io.library import Library
from .decoys import target_decoy_qvalues
from .masscheck import mass_consistent
from .params import MatchParams
from .prepared import library_decoys
from .search import isolated_ions, top_hits

ANNOTATION_COLUMNS = [
    "feature_id", "name", "inchikey", "library_id", "spectral_score", "reverse_score",
    "matched_peaks", "ri_library", "ri_delta", "score", "msi_level",
]


CONFIDENCE_COLUMNS = [
    "feature_id", "best_target", "target_score", "decoy_score", "winner", "mass_consistent", "passes_thresholds", "qvalue", "accepted", "accepted_by",
]


def _mass_consistent(queries: np.ndarray, spectra: np.ndarray, best: np.ndarray, params: MatchParams) -> np.ndarray:
    """Per query, whether its best hit ``spectra[best]`` is mass-consistent with it (all True when the check is off);
    the query's isolated ions (noise spikes, as the search treats them) are not asked of the entry."""
    if params.mass_check_percent is None:
        return np.ones(len(queries), dtype=bool)
    noise = isolated_ions(queries, params.isolated_below)
    return mass_consistent(
        queries, spectra[best], params.mass_check_percent, params.mass_check_window_mz, params.mass_check_ratio, noise, params.mass_check_entry_percent
    )


def _best_passes(scores: dict[str, np.ndarray], consistent: np.ndarray, params: MatchParams) -> np.ndarray:
    """Per query, whether its best hit (column 0 of a top-hits table, mass-consistent or not) meets the
    acceptance criteria (before the false-annotation rate)."""
    return (
        consistent
        & (scores["combined"][:, 0] >= params.min_score)
        & (scores["forward"][:, 0] >= params.min_spectral)
        & (~scores["has_ri"][:, 0].astype(bool) | (np.abs(np.nan_to_num(scores["delta"][:, 0])) <= params.ri_window))
    )


class Annotation(NamedTuple):
    """All top-k hits (with ``accepted``), the best accepted hit per feature, and the target–decoy table."""

    hits: pd.DataFrame
    best: pd.DataFrame
    confidence: pd.DataFrame


def annotate(
    queries: np.ndarray, query_ri: np.ndarray, feature_ids: list[str], library: Library, params: MatchParams, decoys: np.ndarray | None = None
) -> Annotation:
    """Top-k hits per feature (with ``accepted``), the best accepted hit per feature (``ANNOTATION_COLUMNS``)
    and the target–decoy table (``CONFIDENCE_COLUMNS``: per feature best target and decoy scores, winner, mass
    consistency, q-value, accepted, and the rule names were given by: ``target_decoy`` or ``strict_score``).
    ``decoys``: the library's decoy spectra when already made (a prepared library), else they are made here."""
    n = len(feature_ids)
    if n == 0:
        empty = pd.DataFrame(columns=CONFIDENCE_COLUMNS)
        return Annotation(pd.DataFrame(columns=["feature_id", "rank", *ANNOTATION_COLUMNS[1:], "qvalue", "accepted"]), pd.DataFrame(columns=ANNOTATION_COLUMNS), empty)
    entries, target = top_hits(queries, query_ri, library.intensity, library.ri, params, params.top_k)
    decoy_spectra = library_decoys(library, params) if decoys is None else decoys
    decoy_entries, decoy = top_hits(queries, query_ri, decoy_spectra, library.ri, params, 1)
    target_score, decoy_score = target["combined"][:, 0], decoy["combined"][:, 0]
    consistent = _mass_consistent(queries, library.intensity, entries[:, 0], params)
    decoy_passes = _best_passes(decoy, _mass_consistent(queries, decoy_spectra, decoy_entries[:, 0], params), params)
    target_wins, passes, qvalues = target_decoy_qvalues(target_score, decoy_score, _best_passes(target, consistent, params), decoy_passes)
    if passes.sum() >= params.min_candidates:
        accepted_by, accepted_feature = "target_decoy", passes & target_wins & (qvalues <= params.max_fdr)
    else:  # too few candidates for a rate: none is claimed, names only at the strict score
        accepted_by, accepted_feature = "strict_score", passes & target_wins & (target_score >= params.strict_min_score)
        qvalues = np.full(n, np.nan)
    confidence = pd.DataFrame({
        "feature_id": feature_ids, "best_target": [library.names[j] for j in entries[:, 0]], "target_score": target_score,
        "decoy_score": decoy_score, "winner": np.where(target_wins, "target", "decoy"), "mass_consistent": consistent,
        "passes_thresholds": passes, "qvalue": qvalues, "accepted": accepted_feature, "accepted_by": accepted_by,
    }, columns=CONFIDENCE_COLUMNS)
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
