"""The quantification stage: calibration curves from the calibrant runs, concentrations with flags, per biomass,
spent against fresh medium and between groups; and its figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..core.config import runs_by_name
from ..core.errors import GcmsflowError
from ..core.samplesheet import load_sheet, runs_of_type
from ..core.scancube import load_cube
from ..core.tables import read_tsv, write_tsv
from ..quantify.concentrations import QUANTIFIED_TYPES, biomass_table, calibrate, group_tests, reported
from ..quantify.concentrations import concentrations as concentration_table
from ..quantify.concentrations import consumption as consumption_table
from ..quantify.responses import RESPONSE_COLUMNS, Target, feature_extent, run_responses
from ..quantify.standards import QuantParams, check_levels, load_standards, match_features
from ..report.calibration_plots import calibration_panels, concentration_boxes


def targets_of(standards: pd.DataFrame, features: pd.DataFrame, members: pd.DataFrame, found: dict[str, tuple[str, str]], params: QuantParams) -> list[Target]:
    """What to read per analyte: its feature, ion (the standards' ``quant_mz`` or the feature's), the standard's shift, RT and extent."""
    by_id = features.assign(feature_id=features["feature_id"].astype(str)).set_index("feature_id")
    out = []
    for analyte, rows in standards.groupby("analyte", sort=False):
        feature = found[analyte][0]
        given = pd.to_numeric(rows["quant_mz"], errors="coerce").dropna()
        mz = int(given.iloc[0]) if len(given) else int(by_id.at[feature, "quant_mz"])
        standard = rows["internal_standard"].iloc[0]
        before, after = feature_extent(members, feature)
        out.append(Target(analyte, feature, mz, int(params.internal_standards[standard]) if standard else 0, float(by_id.at[feature, "rt"]), before, after))
    return out


def run_quantify(
    samples: str, table: str, members: str, annotations: str, hits: str, cubes: list[str], calibration: str, levels: str, concentrations: str,
    biomass: str, consumption: str, tests: str, responses: str, contrasts: str, options: QuantParams,
) -> None:
    """Feature table, members, annotations (and library hits, for analytes inside mixed spectra) and the scan cubes of the calibrant and study runs -> the quantification tables."""
    if options.standards is None:
        raise GcmsflowError("--options", "quantification.standards is not set")
    sheet = load_sheet(samples)
    standards = load_standards(options.standards, options)
    check_levels(standards, sheet, options.standards, samples)
    features = read_tsv(table, ["feature_id", "rt", "quant_mz"])
    areas = features.set_index(features["feature_id"].astype(str))[[c for c in features.columns if c in sheet.index]]
    candidates = read_tsv(hits, ["feature_id", "name", "reverse_score"]) if hits else None
    found = match_features(standards, read_tsv(annotations, ["feature_id", "name"]), areas, options.standards, candidates, options.min_reverse)
    membership = read_tsv(members, ["feature_id", "sample", "rt", "rt_start", "rt_end"])
    targets = targets_of(standards, features, membership, found, options)
    by_run = runs_by_name(cubes, ".npz")
    runs = runs_of_type(sheet, "calibrant", *QUANTIFIED_TYPES)
    missing = [run for run in runs if run not in by_run]
    if missing:
        raise GcmsflowError("--cubes", f"no scan cube for run(s) {', '.join(missing)}")
    rows = []
    for run in runs:
        own = membership[membership["sample"] == run].drop_duplicates("feature_id")
        rows += run_responses(load_cube(by_run[run]), run, targets, dict(zip(own["feature_id"].astype(str), own["rt"])))
    measured = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    curves, calibration_table, level_table = calibrate(measured, standards, sheet, options)
    calibration_table["matched_by"] = [found[analyte][1] for analyte in calibration_table["analyte"]]
    found_table = concentration_table(measured, curves, standards, sheet)
    per_biomass = biomass_table(found_table, sheet, options)
    values = reported(found_table, per_biomass, sheet)
    try:
        planned = json.loads(contrasts) if contrasts else []
    except json.JSONDecodeError as err:
        raise GcmsflowError("--contrasts", f"not JSON ({err})") from None
    write_tsv(measured, responses)
    write_tsv(calibration_table, calibration)
    write_tsv(level_table, levels)
    write_tsv(found_table, concentrations)
    write_tsv(per_biomass, biomass)
    write_tsv(consumption_table(values, sheet), consumption)
    write_tsv(group_tests(values, planned), tests)


def run_quant_plots(samples: str, calibration: str, levels: str, concentrations: str, biomass: str, curves: str, boxes: str) -> None:
    """The calibration panels and the concentration box plots (per biomass where given)."""
    sheet = load_sheet(samples)
    found = read_tsv(concentrations, ["sample", "analyte", "concentration", "unit", "flag", "type", "group", "response"])
    calibration_panels(read_tsv(calibration, ["analyte", "fit", "slope", "intercept", "curvature", "r2", "lod", "loq"]),
                       read_tsv(levels, ["analyte", "concentration", "response", "accepted"]), found, curves)
    found["concentration"] = found["concentration"].astype(float)
    values = reported(found, read_tsv(biomass, ["sample", "analyte", "concentration", "unit"]), sheet)
    concentration_boxes(values[np.isfinite(values["concentration"])], boxes)
