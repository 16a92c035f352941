"""The internal standard among the features: by its name, else by its library spectrum and RI.

Normalisation needs the internal standard's feature. When no accepted name contains it (a weak
standard can miss the score threshold or the false-annotation rate), the features that got no
name are scored against the library entries of the standard alone; the best one whose forward
score reaches ``min_spectral`` and whose RI is within ``ri_window`` of the library's (when both
have one) becomes the standard, named as that entry. ``STANDARD_COLUMNS`` records how it was found.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.library import Library
from .params import MatchParams
from .search import pair_scores

STANDARD_COLUMNS = ["internal_standard", "found_by", "feature_id", "name", "spectral_score", "ri_delta", "score"]


def _contains(names: pd.Series, name: str) -> pd.Series:
    return names.fillna("").astype(str).str.contains(name, case=False, regex=False)


def find_standard(
    name: str | None, best: pd.DataFrame, queries: Library, library: Library, params: MatchParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The annotation table (``best``, with the standard added when it was found by search) and
    one row of ``STANDARD_COLUMNS``; ``found_by`` is ``name``, ``library search`` or ``not found``."""
    if not name:
        return best, pd.DataFrame(columns=STANDARD_COLUMNS)
    named = best[_contains(best["name"], name)]
    if not named.empty:
        row = named.sort_values("score", ascending=False, kind="stable").iloc[0]
        found = [name, "name", row["feature_id"], row["name"], row["spectral_score"], row["ri_delta"], row["score"]]
        return best, pd.DataFrame([found], columns=STANDARD_COLUMNS)
    entries = np.flatnonzero(_contains(pd.Series(library.names), name).to_numpy())
    free = np.flatnonzero(~pd.Series(queries.names).isin(best["feature_id"]).to_numpy())
    missing = pd.DataFrame([[name, "not found", "", "", np.nan, np.nan, np.nan]], columns=STANDARD_COLUMNS)
    if entries.size == 0 or free.size == 0:
        return best, missing
    rows, cols = np.repeat(free, entries.size), np.tile(entries, free.size)
    scores = pair_scores(queries.intensity, queries.ri, library.intensity, library.ri, rows, cols, params)
    ok = (scores["forward"] >= params.min_spectral) & (~scores["has_ri"] | (np.abs(np.nan_to_num(scores["delta"])) <= params.ri_window))
    if not ok.any():
        return best, missing
    pick = int(np.flatnonzero(ok)[np.argmax(scores["combined"][ok])])
    i, j = rows[pick], cols[pick]
    added = {
        "feature_id": queries.names[i], "name": library.names[j], "inchikey": library.inchikeys[j], "library_id": library.ids[j],
        "spectral_score": scores["forward"][pick], "reverse_score": scores["reverse"][pick], "matched_peaks": scores["matched"][pick],
        "ri_library": library.ri[j], "ri_delta": scores["delta"][pick], "score": scores["combined"][pick],
        "msi_level": 2 if scores["has_ri"][pick] else 3,
    }
    found = [name, "library search", added["feature_id"], added["name"], added["spectral_score"], added["ri_delta"], added["score"]]
    table = pd.concat([best, pd.DataFrame([added], columns=best.columns)], ignore_index=True) if len(best) else pd.DataFrame([added], columns=best.columns)
    return table, pd.DataFrame([found], columns=STANDARD_COLUMNS)
