"""Quantification settings and the standards table: checked row by row, against the sample sheet, and matched to features.

The standards table (TSV) has one row per analyte and calibration level: ``analyte``, ``level``,
``concentration`` (> 0), ``unit`` (one per analyte), optionally ``inchikey``, ``internal_standard``
(a labelled standard named in ``internal_standards`` of the settings, with its m/z shift),
``quant_mz`` (the analyte's ion; default the feature's quant ion) and ``derivative`` (the form to
quantify, as in the library names after the comma, e.g. ``2TMS``; default any form).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.config import settings_from_json
from ..core.errors import GcmsflowError
from ..core.names import split_name
from ..core.samplesheet import level_label
from ..core.tables import read_tsv
from .curves import FITS, LOD_METHODS, WEIGHTINGS
from .units import AMOUNT_UNITS, CONCENTRATION_UNITS, TARGET_UNITS

STANDARD_COLUMNS = ("analyte", "level", "concentration", "unit")


@dataclass(frozen=True)
class QuantParams:
    """The ``quantification:`` config block; ``standards`` None switches quantification off."""

    standards: str | None = None
    fit: str = "linear"
    weighting: str = "1/x"
    lod: str = "blank"
    lod_k: float = 3.0
    loq_k: float = 10.0
    max_bias_pct: float = 20.0
    units: dict[str, str] = field(default_factory=lambda: {"cells": "nmol_per_million_cells", "medium": "uM"})
    internal_standards: dict[str, float] = field(default_factory=dict)
    min_reverse: float = 0.9

    def __post_init__(self) -> None:
        for name, value, allowed in (("fit", self.fit, FITS), ("weighting", self.weighting, WEIGHTINGS), ("lod", self.lod, LOD_METHODS)):
            if value not in allowed:
                raise GcmsflowError("quantification", f"{name} '{value}' is not one of {', '.join(allowed)}")
        for matrix, unit in self.units.items():
            if unit not in TARGET_UNITS:
                raise GcmsflowError("quantification", f"units: '{unit}' for {matrix} is not one of {', '.join(TARGET_UNITS)}")


def load_standards(path: str | os.PathLike, params: QuantParams) -> pd.DataFrame:
    """The checked standards table with ``level`` as text, ``concentration`` as float and empty optional columns filled."""
    table = read_tsv(path, STANDARD_COLUMNS)
    for column in ("inchikey", "internal_standard", "quant_mz", "derivative"):
        if column not in table.columns:
            table[column] = np.nan
    units, seen = {}, {}
    for row, record in enumerate(table.to_dict("records"), start=1):

        def fail(column: str, cause: str) -> GcmsflowError:
            return GcmsflowError(path, f"row {row}, column '{column}': {cause}")

        for column in STANDARD_COLUMNS:
            if pd.isna(record[column]) or str(record[column]).strip() == "":
                raise fail(column, "empty cell")
        analyte, level = str(record["analyte"]).strip(), level_label(record["level"])
        try:
            concentration = float(record["concentration"])
        except ValueError:
            raise fail("concentration", f"'{record['concentration']}' is not a number") from None
        if not concentration > 0:
            raise fail("concentration", f"{concentration:g} is not positive")
        unit = str(record["unit"]).strip()
        if unit not in (*AMOUNT_UNITS, *CONCENTRATION_UNITS):
            raise fail("unit", f"unknown unit '{unit}' (expected one of {', '.join([*AMOUNT_UNITS, *CONCENTRATION_UNITS])})")
        if units.setdefault(analyte, (unit, row))[0] != unit:
            raise fail("unit", f"'{unit}' for {analyte}, which row {units[analyte][1]} gives in '{units[analyte][0]}' (one unit per analyte)")
        if (analyte, level) in seen:
            raise fail("level", f"level '{level}' of {analyte} again (first in row {seen[analyte, level]})")
        seen[analyte, level] = row
        standard = record["internal_standard"]
        if not pd.isna(standard) and str(standard).strip() not in params.internal_standards:
            raise fail("internal_standard", f"'{standard}' has no m/z shift in quantification.internal_standards")
    table["analyte"] = table["analyte"].astype(str).str.strip()
    table["level"] = [level_label(v) for v in table["level"]]
    table["concentration"] = table["concentration"].astype(float)
    table["internal_standard"] = table["internal_standard"].astype("string").fillna("").str.strip().astype(str)
    for column in ("inchikey", "derivative"):
        table[column] = table[column].astype("string").fillna("").str.strip().astype(str)
    needed = 3 if params.fit == "quadratic" else 2
    for analyte, levels in table.groupby("analyte", sort=False)["level"]:
        if levels.size < needed:
            raise GcmsflowError(path, f"{analyte}: {levels.size} level(s), a {params.fit} fit needs at least {needed}")
    return table


def check_levels(standards: pd.DataFrame, sheet: pd.DataFrame, standards_path: str | os.PathLike, sheet_path: str | os.PathLike) -> None:
    """Every level of the standards has a calibrant run, and every calibrant's level is in the standards."""
    calibrants = sheet[sheet["type"] == "calibrant"]
    in_sheet = set(calibrants["level"]) if "level" in sheet.columns else set()
    for row, (analyte, level) in enumerate(zip(standards["analyte"], standards["level"]), start=1):
        if level not in in_sheet:
            raise GcmsflowError(standards_path, f"row {row}, column 'level': level '{level}' of {analyte} has no calibrant run in the sample sheet")
    known = set(standards["level"])
    rows = {sample: k for k, sample in enumerate(sheet.index, start=1)}
    for sample, level in zip(calibrants.index, calibrants.get("level", pd.Series(dtype=str))):
        if level not in known:
            raise GcmsflowError(sheet_path, f"row {rows[sample]}, column 'level': level '{level}' of calibrant {sample} is not in the standards table")


def check_quantification(block: dict, sheet: pd.DataFrame, sheet_path: str | os.PathLike) -> QuantParams:
    """The settings of a config ``quantification:`` block, its standards table and levels checked against the sheet (before any job)."""
    params = settings_from_json(json.dumps(block), QuantParams, "config: quantification")
    if params.standards is not None:
        check_levels(load_standards(params.standards, params), sheet, params.standards, sheet_path)
    return params


def _candidates(table: pd.DataFrame, record, key: str) -> pd.DataFrame:
    """Rows of ``table`` (annotations or hits) for one analyte: same InChIKey first block when given, else same metabolite
    name; of the standards' derivative when given (the library name after its comma, case-insensitive)."""
    parts = table["name"].astype(str).map(split_name)
    if key:
        blocks = table["inchikey"].fillna("").astype(str).str.split("-").str[0] if "inchikey" in table else pd.Series("", index=table.index)
        keep = (blocks == key).to_numpy()
    else:
        keep = (parts.str[0].str.lower() == record.analyte.lower()).to_numpy()
    if record.derivative:
        keep = keep & (parts.str[1].str.lower() == record.derivative.lower()).to_numpy()
    return table[keep]


def match_features(
    standards: pd.DataFrame, annotations: pd.DataFrame, areas: pd.DataFrame, source: str | os.PathLike,
    hits: pd.DataFrame | None = None, min_reverse: float = 0.9,
) -> dict[str, tuple[str, str]]:
    """The feature of each analyte and how it was matched: an annotated feature with the same InChIKey first block when the
    standards give one, else the same metabolite name (``annotation``); failing that, a library hit of the feature whose
    reverse score is at least ``min_reverse`` (``reverse_hit``: the analyte's spectrum inside a mixed one, as when its
    labelled standard co-elutes), the best-scoring one. Among several annotated features (derivative forms), the one with
    the largest median area in ``areas``."""
    median = areas.median(axis=1, skipna=True)
    found = {}
    for record in standards.drop_duplicates("analyte").itertuples(index=False):
        key = record.inchikey.split("-")[0]
        hit, how = _candidates(annotations, record, key), "annotation"
        if hit.empty and hits is not None:
            hit, how = _candidates(hits[hits["reverse_score"].astype(float) >= min_reverse], record, key), "reverse_hit"
            if not hit.empty:  # the best-scoring such hit (its score carries the RI agreement)
                best = hit.sort_values(["score", "feature_id"], ascending=[False, True], kind="stable")
                found[record.analyte] = (str(best["feature_id"].iloc[0]), how)
                continue
        if hit.empty:
            by = (f"InChIKey block {key}" if key else "name") + (f", derivative {record.derivative}" if record.derivative else "")
            row_of = int(np.flatnonzero(standards["analyte"].to_numpy() == record.analyte)[0]) + 1
            raise GcmsflowError(source, f"row {row_of}, column 'analyte': {record.analyte} matches no annotated feature "
                                        f"nor a library hit with reverse score >= {min_reverse:g} (by {by})")
        ids = sorted(set(hit["feature_id"].astype(str)))
        found[record.analyte] = (max(ids, key=lambda f: (np.nan_to_num(median.get(f, np.nan), nan=-1.0), f)), how)
    return found
