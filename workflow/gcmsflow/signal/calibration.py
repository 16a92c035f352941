"""The study's RI calibration from its inputs: a user RT table, the ladder runs' peaks, or nothing.

Policy: a ladder run lacking more than ``max_missing`` of the configured markers stops the study,
naming the run and the missing markers; a ladder run with fewer than two markers is otherwise not
used (a warning says so); when no ladder run gives two markers the study stops, naming the first
ladder run; without ladder runs or a table the
calibration is empty and the study is aligned on retention time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..core.errors import GcmsflowError
from .ri import CALIBRATION_COLUMNS, QC_COLUMNS, RiParams, batch_ladders, find_ladder, missing_markers, table_calibration


@dataclass
class Calibration:
    """Per-batch marker table (``CALIBRATION_COLUMNS``), the ladder QC table and warnings for the log."""

    table: pd.DataFrame
    qc: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def study_calibration(
    sheet: pd.DataFrame, ladder_peaks: dict[str, tuple[str, pd.DataFrame]], params: RiParams, rt_table: pd.DataFrame | None = None
) -> Calibration:
    """Calibration for every batch of ``sheet`` (in injection order).

    ``ladder_peaks`` maps a ladder run to (its peaks file, its peaks table); ``rt_table`` (rt_s, ri[, batch])
    replaces the ladder runs when given.
    """
    batches = list(dict.fromkeys(sheet.sort_values(["injection_order", "sample"], kind="stable")["batch"]))
    if rt_table is not None:
        return Calibration(*table_calibration(rt_table, batches, str(params.rt_table)))
    if not ladder_peaks:
        return Calibration(pd.DataFrame(columns=CALIBRATION_COLUMNS), pd.DataFrame(columns=QC_COLUMNS))
    warnings, ladders = [], {}
    for run, (path, peaks) in ladder_peaks.items():
        ladders[run] = find_ladder(peaks, params)
        missing = missing_markers(ladders[run], params)
        if len(missing) > params.max_missing:
            named = ", ".join(f"C{c}" for c in missing)
            raise GcmsflowError(path, f"{len(missing)} {params.markers} markers not found ({named}); more than ri.max_missing = {params.max_missing}")
        if len(ladders[run]) < 2:
            warnings.append(f"{path}: fewer than two {params.markers} markers found; this ladder run is not used")
    if all(len(t) < 2 for t in ladders.values()):
        raise GcmsflowError(next(iter(ladder_peaks.values()))[0], f"no {params.markers} marker ladder found in the ladder run(s)")
    table, qc, more = batch_ladders(ladders, sheet["batch"].to_dict(), batches, params)
    return Calibration(table, qc, warnings + more)
