"""Calibration per analyte from the calibrant runs, then concentrations with flags, per biomass, against fresh medium, and between groups.

Flags: ``not_detected`` (no positive analyte area, or no internal-standard area), ``below_lod``,
``below_loq`` (below the LOQ or the lowest accepted level, whichever is higher), ``above_range``
(above the highest accepted level), else ``ok``. A level is accepted into the range when its mean
back-calculated error is within ``max_bias_pct``. Groups are compared by Welch's t on the
concentrations (``stats.differential.welch_test``), BH-adjusted over analytes per contrast and matrix.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import GcmsflowError
from ..stats.differential import bh_qvalues, welch_test
from .curves import Curve, detection_limits, fit_curve
from .standards import QuantParams
from .units import per_biomass

QUANTIFIED_TYPES = ("sample", "qc", "blank", "medium_blank")
CALIBRATION_COLUMNS = ["analyte", "fit", "weighting", "slope", "intercept", "curvature", "r2", "lod", "loq", "range_low", "range_high",
                       "n_levels", "n_points", "unit", "lod_method", "feature_id", "quant_mz", "internal_standard"]
LEVEL_COLUMNS = ["analyte", "sample", "level", "concentration", "response", "back_calculated", "error_pct", "accepted"]
CONCENTRATION_COLUMNS = ["sample", "analyte", "inchikey", "concentration", "unit", "flag", "type", "group", "response"]
TEST_COLUMNS = ["contrast", "analyte", "matrix", "unit", "mean_case", "mean_control", "difference", "ci_low", "ci_high", "ratio",
                "pvalue", "qvalue", "n_case", "n_control", "test"]


@dataclass
class Calibration:
    """One analyte's curve with its limits, range and unit."""

    curve: Curve
    lod: float
    loq: float
    range_low: float
    range_high: float
    unit: str


def calibrate(responses: pd.DataFrame, standards: pd.DataFrame, sheet: pd.DataFrame, params: QuantParams) -> tuple[dict[str, Calibration], pd.DataFrame, pd.DataFrame]:
    """Curves by analyte, the calibration table and the back-calculated error of every calibrant point."""
    calibrants = sheet.loc[sheet["type"] == "calibrant", "level"]
    blanks = set(sheet.index[sheet["type"] == "blank"])
    found, table, levels = {}, [], []
    for analyte, rows in standards.groupby("analyte", sort=False):
        own = responses[responses["analyte"] == analyte].set_index("sample")
        points = pd.DataFrame({"sample": calibrants.index, "level": calibrants.to_numpy()})
        points = points.merge(rows[["level", "concentration"]], on="level").merge(own[["response"]], left_on="sample", right_index=True)
        usable = int(np.isfinite(points["response"]).sum())
        if usable < (3 if params.fit == "quadratic" else 2):
            raise GcmsflowError(params.standards, f"{analyte}: {usable} calibrant run(s) with a response, too few for a {params.fit} fit")
        curve = fit_curve(points["concentration"].to_numpy(), points["response"].to_numpy(), params.fit, params.weighting)
        blank = own.loc[own.index.isin(blanks), "response"].to_numpy()
        if params.lod == "blank" and blank.size < 2:
            raise GcmsflowError("quantification: lod", f"'blank' needs at least 2 runs of type blank ({blank.size} in the sheet)")
        lod, loq, lod_method = detection_limits(curve, blank, params.lod, params.lod_k, params.loq_k)
        points["back_calculated"] = curve.concentration(points["response"].to_numpy())
        points["error_pct"] = 100.0 * (points["back_calculated"] / points["concentration"] - 1.0)
        bias = points.groupby("level")["error_pct"].mean().abs()
        accepted = points["level"].map(bias <= params.max_bias_pct).fillna(False).astype(bool)
        points["accepted"] = accepted
        points.insert(0, "analyte", analyte)
        in_range = points.loc[accepted, "concentration"]
        low, high = (float(in_range.min()), float(in_range.max())) if len(in_range) else (np.nan, np.nan)
        unit = str(rows["unit"].iloc[0])
        found[analyte] = Calibration(curve, lod, loq, low, high, unit)
        first = own.iloc[0] if len(own) else pd.Series({"feature_id": "", "quant_mz": np.nan})
        table.append([analyte, params.fit, params.weighting, curve.slope, curve.intercept, curve.curvature, curve.r2, lod, loq, low, high,
                      int(points["level"].nunique()), curve.n_points, unit, lod_method, first["feature_id"], first["quant_mz"],
                      str(rows["internal_standard"].iloc[0])])
        levels.append(points[LEVEL_COLUMNS])
    return found, pd.DataFrame(table, columns=CALIBRATION_COLUMNS), pd.concat(levels, ignore_index=True)


def flag_of(area: float, response: float, concentration: float, calibration: Calibration) -> str:
    """The flag of one measured cell.

    >>> cal = Calibration(Curve("linear", "none", 0.0, 1.0, 0.0, 1.0, 0.1, 6), 1.0, 3.0, 2.0, 100.0, "nmol")
    >>> [flag_of(a, r, r, cal) for a, r in ((0.0, 0.0), (5.0, 0.5), (5.0, 2.5), (5.0, 50.0), (5.0, 200.0))]
    ['not_detected', 'below_lod', 'below_loq', 'ok', 'above_range']
    """
    if not (area > 0) or not np.isfinite(response) or not np.isfinite(concentration):
        return "not_detected"
    if concentration < calibration.lod:
        return "below_lod"
    if concentration < np.nanmax([calibration.loq, calibration.range_low]):
        return "below_loq"
    if concentration > calibration.range_high:
        return "above_range"
    return "ok"


def concentrations(responses: pd.DataFrame, calibrations: dict[str, Calibration], standards: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """One row per quantified run (sample, qc, blank, medium_blank) and analyte: concentration in the curve's unit (empty when
    not detected), flag."""
    runs = sheet[sheet["type"].isin(QUANTIFIED_TYPES)].sort_values(["injection_order", "sample"], kind="stable").index
    keys = standards.drop_duplicates("analyte").set_index("analyte")["inchikey"]
    rows = []
    for analyte, calibration in calibrations.items():
        own = responses[responses["analyte"] == analyte].set_index("sample")
        for run in runs:
            if run not in own.index:
                continue
            area, response = own.at[run, "area"], own.at[run, "response"]
            value = float(calibration.curve.concentration(response)) if np.isfinite(response) else np.nan
            flag = flag_of(area, response, value, calibration)
            rows.append([run, analyte, keys[analyte], np.nan if flag == "not_detected" else value, calibration.unit, flag,
                         sheet.at[run, "type"], sheet.at[run, "group"], response])
    return pd.DataFrame(rows, columns=CONCENTRATION_COLUMNS)


def matrix_of(sheet: pd.DataFrame) -> pd.Series:
    """Each run's matrix: the sheet's ``matrix`` column where given, else medium for fresh-medium runs and cells otherwise."""
    default = pd.Series(np.where(sheet["type"] == "medium_blank", "medium", "cells"), index=sheet.index)
    if "matrix" not in sheet.columns:
        return default
    given = sheet["matrix"].fillna("").astype(str).str.strip()
    return given.where(given != "", default)


def biomass_table(table: pd.DataFrame, sheet: pd.DataFrame, params: QuantParams) -> pd.DataFrame:
    """Concentrations in the unit configured for each run's matrix, for the rows whose biomass column is given."""
    out = table.copy()
    out["matrix"] = matrix_of(sheet).reindex(out["sample"]).to_numpy()
    out["unit"] = out["matrix"].map(params.units)
    values = np.full(len(out), np.nan)
    for (unit, target), rows in out.groupby([table["unit"], out["unit"]], sort=False):
        values[rows.index] = per_biomass(rows["concentration"].to_numpy(), unit, target, sheet, rows["sample"].tolist())
    out["concentration"] = values
    return out[np.isfinite(values)].reset_index(drop=True)


def reported(table: pd.DataFrame, biomass: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """Per run and analyte the value to compare: per biomass where given, else the curve's concentration; with the matrix."""
    chosen = table.set_index(["sample", "analyte"])
    chosen.update(biomass.set_index(["sample", "analyte"])[["concentration", "unit"]])
    chosen = chosen.reset_index()
    chosen["matrix"] = matrix_of(sheet).reindex(chosen["sample"]).to_numpy()
    chosen.loc[chosen["flag"] == "not_detected", "concentration"] = np.nan
    return chosen


def consumption(values: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """Spent-medium samples against fresh medium (``medium_blank`` runs of the same group, else all of them):
    release = spent - fresh (negative: consumed), in the reported unit."""
    medium = values[(values["matrix"] == "medium") & (values["type"] == "sample")]
    fresh = values[values["type"] == "medium_blank"]
    rows = []
    for row in medium.itertuples(index=False):
        same = fresh[(fresh["analyte"] == row.analyte) & (fresh["unit"] == row.unit)]
        ref = same[same["group"] == row.group] if (same["group"] == row.group).any() else same
        if ref.empty:
            continue
        base = float(ref["concentration"].mean())
        rows.append([row.sample, row.analyte, row.group, row.concentration, base, row.concentration - base, base - row.concentration, row.unit, len(ref)])
    columns = ["sample", "analyte", "group", "concentration", "fresh_concentration", "release", "consumption", "unit", "n_fresh"]
    return pd.DataFrame(rows, columns=columns)


def group_tests(values: pd.DataFrame, contrasts: list[dict]) -> pd.DataFrame:
    """Welch's t of concentrations, case vs control, per contrast, analyte and matrix (study samples only)."""
    study = values[values["type"] == "sample"]
    frames = []
    for contrast in contrasts:
        for (matrix, unit), part in study.groupby(["matrix", "unit"], sort=True):
            wide = part.pivot_table(index="analyte", columns="sample", values="concentration", aggfunc="first", dropna=False)
            groups = part.drop_duplicates("sample").set_index("sample")["group"]
            case = wide[[s for s in wide.columns if groups[s] == contrast["case"]]].to_numpy(dtype=float)
            control = wide[[s for s in wide.columns if groups[s] == contrast["control"]]].to_numpy(dtype=float)
            if case.shape[1] == 0 or control.shape[1] == 0:
                continue
            with warnings.catch_warnings():  # an analyte not detected in a group has no mean
                warnings.simplefilter("ignore", RuntimeWarning)
                result = welch_test(case, control).rename(columns={"log2fc": "difference"})
                means = np.nanmean(case, axis=1), np.nanmean(control, axis=1)
            result.insert(0, "mean_control", means[1])
            result.insert(0, "mean_case", means[0])
            result.insert(0, "unit", unit)
            result.insert(0, "matrix", matrix)
            result.insert(0, "analyte", wide.index.to_numpy())
            result.insert(0, "contrast", contrast["name"])
            with np.errstate(divide="ignore", invalid="ignore"):
                result["ratio"] = means[0] / means[1]
            result["qvalue"] = bh_qvalues(result["pvalue"].to_numpy())
            result["test"] = "welch"
            frames.append(result[TEST_COLUMNS])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TEST_COLUMNS)
