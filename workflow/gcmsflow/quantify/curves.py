"""Calibration curves: weighted least-squares fits of response on concentration, their inverse, LOD and LOQ.

Fits (as in Skyline): ``linear`` (y = a + b x), ``linear_through_zero`` (y = b x) and ``quadratic``
(y = a + b x + c x^2); weights ``none``, ``1/x`` or ``1/x2`` (x = the level's concentration) multiply
the squared residuals. ``r2`` is the weighted R^2 statsmodels' WLS reports (uncentred for the fit through zero).
LOD and LOQ: ``blank`` back-calculates the blank runs' responses, LOD = mean + k SD (k = ``lod_k``),
LOQ = mean + ``loq_k`` SD; ``curve`` uses the residual SD of the response at the lowest level, s, as
LOD = ``lod_k`` s / b and LOQ = ``loq_k`` s / b (ICH Q2 with k = 3.3 and 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FITS = ("linear", "linear_through_zero", "quadratic")
WEIGHTINGS = ("none", "1/x", "1/x2")
LOD_METHODS = ("blank", "curve")


def weights_of(x: np.ndarray, weighting: str) -> np.ndarray:
    """Per-point weights of a weighting scheme on concentrations ``x`` (all > 0)."""
    return {"none": np.ones_like(x), "1/x": 1.0 / x, "1/x2": 1.0 / x**2}[weighting]


def design_matrix(x: np.ndarray, fit: str) -> np.ndarray:
    """Columns of the model: [1, x] (linear), [x] (through zero) or [1, x, x^2] (quadratic)."""
    x = np.asarray(x, dtype=float)
    columns = {"linear": [np.ones_like(x), x], "linear_through_zero": [x], "quadratic": [np.ones_like(x), x, x**2]}[fit]
    return np.column_stack(columns)


@dataclass(frozen=True)
class Curve:
    """A fitted curve: intercept a, slope b, curvature c (0 unless quadratic), weighted R^2, residual SD at the lowest level."""

    fit: str
    weighting: str
    intercept: float
    slope: float
    curvature: float
    r2: float
    sd_low: float
    n_points: int

    def response(self, x: np.ndarray | float) -> np.ndarray:
        """The response the curve predicts at concentration ``x``."""
        x = np.asarray(x, dtype=float)
        return self.intercept + self.slope * x + self.curvature * x**2

    def concentration(self, y: np.ndarray | float) -> np.ndarray:
        """Back-calculated concentration of response ``y`` (quadratic: the root on the curve's rising branch; NaN if none).

        >>> Curve("linear", "none", 1.0, 2.0, 0.0, 1.0, 0.0, 6).concentration([1.0, 5.0]).tolist()
        [0.0, 2.0]
        >>> round(float(Curve("quadratic", "none", 0.0, 1.0, 0.5, 1.0, 0.0, 6).concentration(4.0)), 6)
        2.0
        """
        y = np.asarray(y, dtype=float)
        if self.curvature == 0.0:
            return (y - self.intercept) / self.slope
        discriminant = self.slope**2 - 4.0 * self.curvature * (self.intercept - y)
        root = np.sqrt(np.where(discriminant >= 0, discriminant, np.nan))
        return 2.0 * (y - self.intercept) / (self.slope + root)  # (-b + sqrt(D)) / 2c, stable for small c


def fit_curve(x: np.ndarray, y: np.ndarray, fit: str, weighting: str) -> Curve:
    """Weighted least squares of responses ``y`` on concentrations ``x`` (points with a non-finite y are left out)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(y) & np.isfinite(x)
    x, y = x[keep], y[keep]
    design = design_matrix(x, fit)
    w = weights_of(x, weighting)
    root = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)
    residuals = y - design @ coef
    ssr = float(np.sum(w * residuals**2))
    if fit == "linear_through_zero":
        tss = float(np.sum(w * y**2))
    else:
        tss = float(np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2))
    dof = max(x.size - design.shape[1], 1)
    sd_low = float(np.sqrt(ssr / dof / w[np.argmin(x)])) if x.size else np.nan
    full = (0.0, coef[0], 0.0) if fit == "linear_through_zero" else (*coef, 0.0)[:3]
    return Curve(fit, weighting, float(full[0]), float(full[1]), float(full[2]), 1.0 - ssr / tss if tss > 0 else np.nan, sd_low, int(x.size))


def detection_limits(curve: Curve, blank_responses: np.ndarray, method: str, lod_k: float, loq_k: float) -> tuple[float, float, str]:
    """(LOD, LOQ) in concentration units, never below zero, and the method used.

    ``blank``: mean + k SD of the blanks back-calculated; where the blanks do not vary (no blank has the
    analyte's signal) it says nothing of the noise, and the ``curve`` method is used: k x residual SD at the
    lowest level / slope.

    >>> curve = Curve("linear", "none", 0.0, 2.0, 0.0, 1.0, 0.5, 6)
    >>> detection_limits(curve, np.array([]), "curve", 3.3, 10.0)
    (0.825, 2.5, 'curve')
    >>> detection_limits(curve, np.array([np.nan, np.nan, np.nan]), "blank", 3.3, 10.0)
    (0.825, 2.5, 'curve')
    """
    if method == "blank":
        blanks = curve.concentration(np.nan_to_num(blank_responses, nan=0.0))
        mean, sd = float(np.mean(blanks)), float(np.std(blanks, ddof=1))
        if sd > 0:
            return max(mean + lod_k * sd, 0.0), max(mean + loq_k * sd, 0.0), "blank"
    return max(lod_k * curve.sd_low / curve.slope, 0.0), max(loq_k * curve.sd_low / curve.slope, 0.0), "curve"
