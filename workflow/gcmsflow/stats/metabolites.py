"""Metabolite-level table: features that are forms of one metabolite, grouped by a stated rule.

Library names of derivatised compounds read "<metabolite>, <derivative>" (e.g. "Serine, 2TMS",
"Glucose, MeOX 5TMS (BP)"). Features whose names share the metabolite part are one metabolite:

- ``TMS derivative forms``: the derivatives differ in the number of TMS groups (serine 2TMS/3TMS);
- ``MeOX isomers``: the derivatives differ only by an isomer mark ((BP), syn/anti, isomer n), the
  two methoxime peaks of a reducing sugar;
- ``same library name``: several features carry the very same name (a split or tailing peak).

Pyroglutamate is kept as its own metabolite and flagged: it forms from glutamine and glutamate
during derivatisation and cannot be given back to either. Abundance of a metabolite is the sum of
its forms' normalised (linear) abundances, reported in log2; only forms kept by the feature filters count.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.names import split_name

ISOMER_MARK = re.compile(r"\s*(\(BP\)|\bsyn\b|\banti\b|\bisomer\s*\d+\b|\(\d\)|\bmajor\b|\bminor\b)", re.IGNORECASE)
TMS_COUNT = re.compile(r"(\d*)\s*TMS", re.IGNORECASE)
ARTEFACTS = {"pyroglutamate": "cyclisation artefact of glutamine and glutamate (derivatisation); not assigned to either"}
METABOLITE_COLUMNS = ["metabolite_id", "name", "features", "n_features", "forms", "rule", "note"]


def _tms_groups(derivative: str) -> str:
    """The TMS part of a derivative string ('3TMS'), '' when it has none."""
    match = TMS_COUNT.search(derivative)
    return match.group(0).replace(" ", "").upper() if match else ""


def grouping_rule(derivatives: list[str]) -> str:
    """The rule that joins these derivative strings of one metabolite."""
    if len(derivatives) == 1:
        return "single form"
    rules = []
    if len(set(derivatives)) < len(derivatives):
        rules.append("same library name")
    if len({ISOMER_MARK.sub("", d).strip() for d in derivatives}) < len(set(derivatives)):
        rules.append("MeOX isomers")
    if len({_tms_groups(d) for d in derivatives}) > 1:
        rules.append("TMS derivative forms")
    return "; ".join(rules) or "same metabolite name"


class Metabolites(NamedTuple):
    """The metabolite table (``METABOLITE_COLUMNS``) and summed abundances (log2) by metabolite id."""

    table: pd.DataFrame
    abundance: pd.DataFrame


def metabolite_table(annotations: pd.DataFrame, abundance: pd.DataFrame) -> Metabolites:
    """The metabolite table (``METABOLITE_COLUMNS``) and metabolite log2 abundances (metabolite_id x runs).

    ``annotations`` holds feature_id and name of the named features; ``abundance`` the log2 normalised
    feature table indexed by feature_id.
    """
    annotations = annotations.assign(name=annotations["name"].fillna("").astype(str))  # an empty table reads as float
    named = annotations[annotations["name"] != ""].copy()
    parts = named["name"].map(split_name)
    named["metabolite"] = [p[0] for p in parts]
    named["derivative"] = [p[1] for p in parts]
    named["key"] = [m.lower() for m in named["metabolite"]]
    rows, sums = [], []
    for k, (key, group) in enumerate(sorted(named.groupby("key", sort=False), key=lambda item: item[0]), start=1):
        group = group.sort_values("feature_id")
        metabolite_id = f"M{k:04d}"
        rows.append({
            "metabolite_id": metabolite_id, "name": group["metabolite"].iloc[0], "features": "|".join(group["feature_id"]),
            "n_features": len(group), "forms": "|".join(group["derivative"].replace("", "underivatised")),
            "rule": grouping_rule(group["derivative"].tolist()), "note": ARTEFACTS.get(key, ""),
        })
        kept = [f for f in group["feature_id"] if f in abundance.index]
        if kept:
            sums.append(pd.Series(np.log2((2.0 ** abundance.loc[kept]).sum(axis=0)), name=metabolite_id))
    table = pd.DataFrame(rows, columns=METABOLITE_COLUMNS)
    values = pd.DataFrame(sums) if sums else pd.DataFrame(columns=abundance.columns)
    return Metabolites(table, values)
