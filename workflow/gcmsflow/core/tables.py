"""Deterministic TSV reading and writing: fixed float format, fixed row order, atomic writes."""

from __future__ import annotations

import os

import pandas as pd

from .atomic import atomic_path
from .errors import GcmsflowError

FLOAT_FORMAT = "%.6g"


def write_tsv(frame: pd.DataFrame, target: str | os.PathLike) -> None:
    """Write ``frame`` as TSV (no index, empty cells for NaN, 6 significant digits), atomically."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, sep="\t", index=False, float_format=FLOAT_FORMAT, na_rep="", lineterminator="\n")


def read_tsv(path: str | os.PathLike, required: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a TSV written by gcmsflow (or a user), checking that ``required`` columns exist."""
    try:
        frame = pd.read_csv(path, sep="\t", keep_default_na=True)
    except FileNotFoundError:
        raise GcmsflowError(path, "file not found") from None
    except pd.errors.EmptyDataError:
        raise GcmsflowError(path, "file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise GcmsflowError(path, f"not a readable TSV table ({err})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise GcmsflowError(path, f"missing column(s) {', '.join(missing)}")
    return frame
