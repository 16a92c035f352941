"""Sample sheet: read, check row by row with messages naming row and column, resolve file paths."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from .errors import GcmsflowError
from .tables import read_tsv

COLUMNS = ("sample", "file", "group", "type", "batch", "injection_order")
TYPES = ("sample", "qc", "blank", "alkane")
SAMPLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def load_sheet(path: str | os.PathLike, check_files: bool = False) -> pd.DataFrame:
    """The checked sample sheet, indexed by sample, with ``path`` resolved against the sheet's folder.

    ``check_files``: also require every raw file to exist (done once when the workflow starts, not in every job).

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
            if pd.isna(getattr(record, column)) or str(getattr(record, column)).strip() == "":
                raise fail(column, "empty cell")
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
        if not order.is_integer():
            raise fail("injection_order", f"'{record.injection_order}' is not a whole number")
    sheet["injection_order"] = sheet["injection_order"].astype(int)
    sheet["batch"] = sheet["batch"].astype(str)
    sheet["path"] = [os.path.normpath(path.parent / f) for f in sheet["file"]]
    sheet.index = pd.Index(sheet["sample"].tolist())
    return sheet


def check_contrasts(sheet: pd.DataFrame, contrasts: list[dict], source: str = "config") -> None:
    """Every contrast's case and control groups must have at least one sample of type ``sample``."""
    groups = set(sheet.loc[sheet["type"] == "sample", "group"])
    for contrast in contrasts:
        for role in ("case", "control"):
            if contrast[role] not in groups:
                raise GcmsflowError(
                    source,
                    f"contrast '{contrast['name']}': {role} group '{contrast[role]}' has no samples of type 'sample' "
                    f"(groups: {', '.join(sorted(groups)) or 'none'})",
                )


def runs_of_type(sheet: pd.DataFrame, *types: str) -> list[str]:
    """Sample ids of the given types, in injection order."""
    chosen = sheet[sheet["type"].isin(types)].sort_values(["injection_order", "sample"], kind="stable")
    return chosen["sample"].tolist()
