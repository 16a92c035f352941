"""Units: what a calibration curve measures (an amount in the extract or a concentration) and per-biomass conversions.

A curve in an amount unit (``pmol``, ``nmol``, ``umol`` per extract) converts to ``nmol_per_million_cells``
(sample-sheet column ``cells``), ``nmol_per_mg_protein`` (``protein_ug``) or ``uM`` (``volume_ul`` extracted);
a curve in a concentration unit (``nM``, ``uM``, ``mM``) converts only to ``uM``, without a biomass column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

AMOUNT_UNITS = {"pmol": 1e-3, "nmol": 1.0, "umol": 1e3}  # factor to nmol
CONCENTRATION_UNITS = {"nM": 1e-3, "uM": 1.0, "mM": 1e3}  # factor to µM
# target unit: (sample-sheet column it divides by, or '' for none; factor applied to nmol / column value)
TARGET_UNITS = {"nmol_per_million_cells": ("cells", 1e6), "nmol_per_mg_protein": ("protein_ug", 1e3), "uM": ("volume_ul", 1e3)}


def per_biomass(values: np.ndarray, unit: str, target: str, sheet: pd.DataFrame, samples: list[str]) -> np.ndarray:
    """``values`` (one per sample, in the curve's ``unit``) in ``target``; NaN where the sample lacks the biomass column
    or the units do not convert (a concentration curve to a per-biomass unit).

    >>> sheet = pd.DataFrame({"cells": [2e6, np.nan], "volume_ul": [np.nan, 50.0]}, index=["a", "b"])
    >>> per_biomass(np.array([3.0, 3.0]), "nmol", "nmol_per_million_cells", sheet, ["a", "b"]).tolist()
    [1.5, nan]
    >>> per_biomass(np.array([3.0, 3.0]), "nmol", "uM", sheet, ["a", "b"]).tolist()
    [nan, 60.0]
    >>> per_biomass(np.array([3.0]), "mM", "uM", sheet, ["a"]).tolist()
    [3000.0]
    """
    values = np.asarray(values, dtype=float)
    if unit in CONCENTRATION_UNITS:
        return values * CONCENTRATION_UNITS[unit] if target == "uM" else np.full(values.shape, np.nan)
    column, factor = TARGET_UNITS[target]
    if column not in sheet.columns:
        return np.full(values.shape, np.nan)
    basis = pd.to_numeric(sheet.loc[samples, column], errors="coerce").to_numpy(dtype=float)
    return values * AMOUNT_UNITS[unit] * factor / basis
