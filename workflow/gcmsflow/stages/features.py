"""Study stages that build the feature table: RI calibration, alignment, gap filling."""

from __future__ import annotations

import sys

import pandas as pd

from ..core.config import runs_by_name
from ..core.samplesheet import STUDY_TYPES, load_sheet, runs_of_type
from ..core.tables import read_tsv, write_tsv
from ..io.msp import write_msp
from ..signal.align import AlignParams, align, consensus_spectra
from ..signal.calibration import study_calibration
from ..signal.detect import DetectParams
from ..signal.gapfill import fill_gaps
from ..signal.ri import RiParams, ri_for_batch


def run_ri(samples: str, peaks: list[str], output: str, qc: str, options: RiParams) -> None:
    """Ladder-run peaks (or ``options.rt_table``) -> per-batch calibration and ladder QC; warnings go to stderr."""
    sheet = load_sheet(samples)
    rt_table = read_tsv(options.rt_table, ["rt_s", "ri"]) if options.rt_table else None
    ladders = {run: (path, read_tsv(path, ["rt", "sn", "spectrum"])) for run, path in runs_by_name(peaks, ".tsv").items()} if rt_table is None else {}
    calibration = study_calibration(sheet, ladders, options, rt_table)
    for warning in calibration.warnings:
        print(f"gcmsflow ri: warning: {warning}", file=sys.stderr)
    write_tsv(calibration.table, output)
    write_tsv(calibration.qc, qc)


def run_align(samples: str, calibration: str, peaks: list[str], output: str, members: str, msp: str, corrections: str, options: AlignParams) -> None:
    """Components of the study runs (sample, qc, blank), each with its batch's RIs -> features, consensus spectra
    and the per-run retention correction."""
    sheet = load_sheet(samples)
    markers = read_tsv(calibration, ["batch", "carbon", "ri", "rt"])
    peaks_by_run = runs_by_name(peaks, ".tsv")
    runs = runs_of_type(sheet, *STUDY_TYPES, among=peaks_by_run)
    frames = []
    for run in runs:
        table = read_tsv(peaks_by_run[run], ["component_id", "rt", "rt_start", "rt_end", "quant_mz", "area", "spectrum"])
        frames.append(table.assign(sample=run, ri=ri_for_batch(table["rt"].to_numpy(), sheet.loc[run, "batch"], markers)))
    features, membership, warps = align(pd.concat(frames, ignore_index=True), runs, len(markers) >= 2, options)
    write_tsv(features, output)
    write_tsv(membership, members)
    write_msp(consensus_spectra(features, membership), msp)
    write_tsv(warps, corrections)


def run_gapfill(table: str, members: str, cubes: list[str], output: str, filled: str, options: DetectParams) -> None:
    """Feature table + scan cubes -> the table with re-integrated cells, and the list of filled cells."""
    features = read_tsv(table, ["feature_id", "rt", "quant_mz"])
    membership = read_tsv(members, ["feature_id", "sample", "rt", "rt_start", "rt_end"])
    result = fill_gaps(features, membership, runs_by_name(cubes, ".npz"), options, source=table)
    write_tsv(result.table, output)
    write_tsv(result.filled, filled)
