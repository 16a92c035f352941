"""Sample sheet: read, check row by row with messages naming row and column, resolve file paths.

The one place the sheet's rules live (columns, run types, sample ids, optional groups); the Snakefile,
the stages and config/schemas/samples.schema.yaml (documentation, checked against these) use them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import GcmsflowError
from .tables import read_tsv

COLUMNS = ("sample", "file", "group", "type", "batch", "injection_order")
TYPES = ("sample", "qc", "blank", "alkane", "calibrant", "medium_blank")
STUDY_TYPES = ("sample", "qc", "blank")  # runs aligned into the feature table (ladder runs only calibrate RI)
GROUPLESS_TYPES = ("qc", "blank", "alkane")  # a group means nothing for these: an empty cell reads as the type
# optional columns: a calibrant's ``level`` (required for calibrants), biomass per run, and what was extracted
BIOMASS_COLUMNS = ("cells", "protein_ug", "volume_ul")
MATRICES = ("cells", "medium")
OPTIONAL_COLUMNS = ("level", *BIOMASS_COLUMNS, "matrix")  # checked when present (the schema documents them too)
SAMPLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def load_sheet(path: str | os.PathLike, check_files: bool = False) -> pd.DataFrame:
    """The checked sample sheet, indexed by sample, with ``path`` resolved against the sheet's folder.

    ``check_files``: also require every raw file to exist (done once when the workflow starts, not in every job).

    ``group`` may be empty for rows of a type in ``GROUPLESS_TYPES``; it then reads as the type.
    Raises :class:`GcmsflowError` naming the row (1 = first data row) and column of the first problem.
    """
    path = Path(path)
    sheet = read_tsv(path, required=COLUMNS)
    sheet = sheet.astype({c: "string" for c in ("sample", "file", "group", "type")})
    seen: dict[str, int] = {}
    for row, record in enumerate(sheet.itertuples(index=False), start=1):

        def fail(column: str, cause: str) -> GcmsflowError:
            return GcmsflowError(path, f"row {row}, column '{column}': {cause}")

        for column in COLUMNS:
            if _empty(getattr(record, column)) and not (column == "group" and str(record.type) in GROUPLESS_TYPES):
                raise fail(column, "empty cell" + (" (a group is needed for rows of type sample)" if column == "group" else ""))
        if not SAMPLE_ID.match(record.sample):
            raise fail("sample", f"'{record.sample}' may hold only letters, digits, '_', '.', '-'")
        if record.sample in seen:
            raise fail("sample", f"duplicate sample '{record.sample}' (first in row {seen[record.sample]})")
        seen[record.sample] = row
        if record.type not in TYPES:
            raise fail("type", f"unknown type '{record.type}' (expected one of {', '.join(TYPES)})")
        if check_files and not (path.parent / record.file).exists():
            raise fail("file", f"file '{record.file}' not found (paths are relative to the sheet's folder)")
        try:
            order = float(record.injection_order)
        except (TypeError, ValueError):
            raise fail("injection_order", f"'{record.injection_order}' is not a whole number") from None
        if not order.is_integer() or order < 0:
            raise fail("injection_order", f"'{record.injection_order}' is not a whole number of 0 or more")
        _check_optional(sheet.iloc[row - 1], fail)
    sheet["group"] = [record_type if _empty(group) else group for group, record_type in zip(sheet["group"], sheet["type"])]
    sheet["group"] = sheet["group"].astype("string")
    sheet["injection_order"] = sheet["injection_order"].astype(int)
    sheet["batch"] = sheet["batch"].astype(str)
    if "level" in sheet.columns:
        sheet["level"] = [level_label(v) for v in sheet["level"]]
    sheet["path"] = [os.path.normpath(path.parent / f) for f in sheet["file"]]
    sheet.index = pd.Index(sheet["sample"].tolist())
    return sheet


def _empty(value: object) -> bool:
    return bool(pd.isna(value)) or str(value).strip() == ""


def level_label(value: object) -> str:
    """A calibration level as text ('' when empty); whole numbers lose a trailing '.0' so 1, 1.0 and '1' agree.

    >>> [level_label(v) for v in (1, 2.0, " L3 ", float("nan"), 0.5)]
    ['1', '2', 'L3', '', '0.5']
    """
    if pd.isna(value):
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value).strip()
    return str(int(number)) if number.is_integer() else str(number)


def _check_optional(record: pd.Series, fail) -> None:
    """A calibrant needs a level; biomass columns hold positive numbers; matrix is cells or medium."""
    if record["type"] == "calibrant" and level_label(record.get("level", "")) == "":
        raise fail("level", "a calibrant needs a calibration level")
    for column in BIOMASS_COLUMNS:
        value = record.get(column)
        if value is None or pd.isna(value) or str(value).strip() == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise fail(column, f"'{value}' is not a number") from None
        if not number > 0:
            raise fail(column, f"{number:g} is not positive")
    matrix = record.get("matrix")
    if matrix is not None and not pd.isna(matrix) and str(matrix).strip() not in ("", *MATRICES):
        raise fail("matrix", f"unknown matrix '{matrix}' (expected one of {', '.join(MATRICES)})")


def check_contrasts(sheet: pd.DataFrame, contrasts: list[dict], source: str = "config") -> None:
    """Every contrast's case and control groups must have at least one sample of type ``sample``."""
    groups = set(sheet.loc[runs_of_type(sheet, "sample"), "group"])
    for contrast in contrasts:
        for role in ("case", "control"):
            if contrast[role] not in groups:
                raise GcmsflowError(
                    source,
                    f"contrast '{contrast['name']}': {role} group '{contrast[role]}' has no samples of type 'sample' "
                    f"(groups: {', '.join(sorted(groups)) or 'none'})",
                )


def runs_of_type(sheet: pd.DataFrame, *types: str, among: Iterable[str] | None = None) -> list[str]:
    """Sample ids of the given types (only those ``among`` the given names, when given), in injection order.

    >>> sheet = pd.DataFrame({"sample": ["s1", "q1", "b1"], "type": ["sample", "qc", "blank"], "injection_order": [3, 1, 2]})
    >>> runs_of_type(sheet, "sample", "qc"), runs_of_type(sheet, *TYPES, among=["s1", "b1"])
    (['q1', 's1'], ['b1', 's1'])
    """
    chosen = sheet[sheet["type"].isin(types)]
    if among is not None:
        chosen = chosen[chosen["sample"].isin(set(among))]
    return chosen.sort_values(["injection_order", "sample"], kind="stable")["sample"].tolist()


def columns_of_type(sheet: pd.DataFrame, columns: Iterable[str], *types: str) -> list[str]:
    """The ``columns`` (in their order) that are runs of the given types; other columns (``feature_id``, runs
    the sheet does not list) are left out. ``sheet`` is indexed by sample.

    >>> sheet = pd.DataFrame({"type": ["sample", "qc"]}, index=["s1", "q1"])
    >>> columns_of_type(sheet, ["feature_id", "s1", "q1", "x9"], "sample", "qc")
    ['s1', 'q1']
    """
    kinds = sheet["type"]
    return [c for c in columns if c in kinds.index and kinds[c] in types]
