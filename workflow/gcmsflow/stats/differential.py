"""Differential abundance for one contrast on log2 data, BH q-values.

Tests: limma-style moderated t (a linear model per feature, group plus covariates, with empirical
Bayes variance shrinkage, Smyth 2004), ordinary least squares via statsmodels (same design, no
shrinkage), Welch t and Mann–Whitney U (two groups, no covariates). log2fc is case minus control;
for Mann–Whitney it is the Hodges–Lehmann shift with its distribution-free 95 % interval.

A feature whose values are all equal up to rounding (within ``RELATIVE_ZERO`` of their magnitude:
identical injections, a constant imputed value) has neither a within-group variance nor a group
difference to test: it is not tested (``test`` says so), gets log2fc 0, p = q = 1, stays out of
the Benjamini–Hochberg family and out of the moderated-t variance prior, so rounding noise
(log2fc ~ 1e-16 over a variance ~ 1e-32) never turns into a small q.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..core.errors import GcmsflowError
from .ebayes import fit_f_dist as limma_fit_f_dist

STATS_COLUMNS = ["feature_id", "name", "log2fc", "ci_low", "ci_high", "pvalue", "qvalue", "test", "n_case", "n_control"]
TESTS = ("moderated_t", "ols", "welch", "mann_whitney")
MODEL_TESTS = ("moderated_t", "ols")
NOT_TESTED = "not tested: constant"
RELATIVE_ZERO = 1e-9  # spread of log2 values, relative to their magnitude, that is rounding noise


def numerically_constant(y: np.ndarray) -> np.ndarray:
    """Per row of ``y`` (features x runs, NaN = missing), whether its observed values are equal up to rounding."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        spread = np.nanmax(y, axis=1) - np.nanmin(y, axis=1)
        scale = np.maximum(np.nanmax(np.abs(y), axis=1), 1.0)
    return np.isfinite(spread) & (spread <= RELATIVE_ZERO * scale)


def fit_f_dist(variances: np.ndarray, df: np.ndarray) -> tuple[float, float]:
    """Prior degrees of freedom d0 and scale s0² by moment matching on log variances (limma's fitFDist, in ``ebayes``)."""
    scale, d0 = limma_fit_f_dist(variances, df)
    return d0, scale


def _result(fc: np.ndarray, se: np.ndarray, df: np.ndarray, ok: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = fc / se
        p = 2.0 * stats.t.sf(np.abs(t), df)
        half = stats.t.ppf(0.975, df) * se
    p = np.where(ok & np.isfinite(p), p, np.nan)
    return pd.DataFrame({"log2fc": fc, "ci_low": fc - half, "ci_high": fc + half, "pvalue": p, "n_case": n1, "n_control": n2})


def welch_test(case: np.ndarray, control: np.ndarray) -> pd.DataFrame:
    """Per-feature Welch t; rows of ``case``/``control`` are features (NaN = missing)."""
    n1, n2 = np.isfinite(case).sum(axis=1), np.isfinite(control).sum(axis=1)
    v1, v2 = np.nanvar(case, axis=1, ddof=1), np.nanvar(control, axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(v1 / n1 + v2 / n2)
        df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    fc = np.nanmean(case, axis=1) - np.nanmean(control, axis=1)
    return _result(fc, se, df, (n1 >= 2) & (n2 >= 2), n1, n2)


def mann_whitney_test(case: np.ndarray, control: np.ndarray) -> pd.DataFrame:
    """Per-feature two-sided Mann–Whitney U, Hodges–Lehmann shift and its 95 % interval (normal approximation)."""
    rows = []
    for x, y in zip(case, control):
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if x.size < 2 or y.size < 2:
            rows.append((np.nan, np.nan, np.nan, np.nan, x.size, y.size))
            continue
        diffs = np.sort(np.subtract.outer(x, y).ravel())
        m = diffs.size
        k = int(np.floor(m / 2 - stats.norm.ppf(0.975) * np.sqrt(x.size * y.size * (x.size + y.size + 1) / 12)))
        low, high = (diffs[k], diffs[m - 1 - k]) if 0 <= k < m / 2 else (diffs[0], diffs[-1])
        p = stats.mannwhitneyu(x, y, alternative="two-sided").pvalue
        rows.append((float(np.median(diffs)), float(low), float(high), float(p), x.size, y.size))
    return pd.DataFrame(rows, columns=["log2fc", "ci_low", "ci_high", "pvalue", "n_case", "n_control"])


def linear_model_fits(y: np.ndarray, design: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares fit of every row of ``y`` (features x runs, NaN = missing) on ``design`` (runs x p).

    Returns per feature the coefficient of design column 1 (the group), its unscaled variance
    ((XᵀX)⁻¹ entry), the residual variance and the residual degrees of freedom; NaN where the
    feature's observed runs leave the design rank-deficient or no residual df.
    """
    coef, unscaled, s2, df = (np.full(len(y), np.nan) for _ in range(4))
    patterns: dict[bytes, list[int]] = {}
    for i, row in enumerate(np.isfinite(y)):
        patterns.setdefault(row.tobytes(), []).append(i)
    for key, rows in patterns.items():
        observed = np.frombuffer(key, dtype=bool)
        x = design[observed]
        residual_df = x.shape[0] - x.shape[1]
        if residual_df < 1 or np.linalg.matrix_rank(x) < x.shape[1]:
            continue
        xtx_inv = np.linalg.inv(x.T @ x)
        values = y[rows][:, observed]
        beta = values @ x @ xtx_inv
        residuals = values - beta @ x.T
        coef[rows] = beta[:, 1]
        unscaled[rows] = xtx_inv[1, 1]
        s2[rows] = (residuals**2).sum(axis=1) / residual_df
        df[rows] = residual_df
    return coef, unscaled, s2, df


def moderated_t_test(y: np.ndarray, design: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> pd.DataFrame:
    """limma eBayes: residual variances shrunk towards a scaled-inverse-χ² prior fitted across features."""
    coef, unscaled, s2, d = linear_model_fits(y, design)
    ok = np.isfinite(s2)
    prior = ok & ~numerically_constant(y)  # constant features carry no variance information
    d0, s02 = fit_f_dist(np.where(prior, s2, np.nan), np.where(prior, d, 0.0))
    total_df = max(float(np.nansum(d[ok])), 1.0)
    if np.isinf(d0):
        post, df = np.full_like(s2, s02), np.full_like(s2, total_df)
    else:
        post = (d0 * s02 + d * s2) / (d0 + d)
        df = np.minimum(d + d0, total_df)
    return _result(coef, np.sqrt(post * unscaled), df, ok, n1, n2)


def ols_test(y: np.ndarray, design: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> pd.DataFrame:
    """statsmodels OLS per feature on its observed runs; t test and 95 % interval of the group coefficient."""
    import statsmodels.api as sm  # here: importing it costs every other test a second

    rows = []
    for row in y:
        observed = np.isfinite(row)
        x = design[observed]
        if x.shape[0] - x.shape[1] < 1 or np.linalg.matrix_rank(x) < x.shape[1]:
            rows.append((np.nan, np.nan, np.nan, np.nan))
            continue
        fit = sm.OLS(row[observed], x).fit()
        low, high = fit.conf_int(0.05)[1]
        rows.append((fit.params[1], low, high, fit.pvalues[1]))
    table = pd.DataFrame(rows, columns=["log2fc", "ci_low", "ci_high", "pvalue"])
    table["n_case"], table["n_control"] = n1, n2
    return table


def design_matrix(runs: pd.DataFrame, case_columns: list[str], covariates: list[str], source: str = "sample sheet") -> tuple[np.ndarray, list[str]]:
    """Design (intercept, case indicator, covariates) over case then control runs, and its column names.

    Numeric covariate columns enter as they are; others as treatment-coded dummies (first level, sorted, dropped).
    """
    columns, names = [np.ones(len(runs)), runs.index.isin(case_columns).astype(float)], ["intercept", "case"]
    for covariate in covariates:
        if covariate not in runs.columns:
            raise GcmsflowError(source, f"covariate column '{covariate}' is not in the sample sheet")
        values = runs[covariate]
        if values.isna().any():
            raise GcmsflowError(source, f"covariate column '{covariate}' is empty for {', '.join(values.index[values.isna()])}")
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().all() and covariate != "batch":
            columns.append(numeric.to_numpy(float))
            names.append(covariate)
            continue
        levels = sorted(values.astype(str).unique())
        for level in levels[1:]:
            columns.append((values.astype(str) == level).to_numpy(float))
            names.append(f"{covariate}[{level}]")
    return np.column_stack(columns), names


def bh_qvalues(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values; NaN stays NaN.

    >>> bh_qvalues(np.array([0.01, 0.04, np.nan, 0.03])).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    from statsmodels.stats.multitest import multipletests

    q = np.full(pvalues.shape, np.nan)
    ok = np.isfinite(pvalues)
    if ok.any():
        q[ok] = multipletests(pvalues[ok], method="fdr_bh")[1]
    return q


def differential(
    abundance: pd.DataFrame,
    runs: pd.DataFrame,
    case_columns: list[str],
    control_columns: list[str],
    names: pd.Series,
    test: str,
    covariates: tuple[str, ...] = (),
    id_column: str = "feature_id",
    source: str = "sample sheet",
) -> pd.DataFrame:
    """The contract stats table for one contrast, sorted by p-value then id.

    ``runs`` is the sample sheet indexed by sample (covariate columns are read from it);
    ``id_column`` names the first column (``metabolite_id`` for metabolite-level tests); ``source``
    (the sheet's path) is named in covariate errors.
    """
    if test not in TESTS:
        raise GcmsflowError("config", f"unknown test '{test}' (choose from {', '.join(TESTS)})")
    if covariates and test not in MODEL_TESTS:
        raise GcmsflowError("config", f"test '{test}' takes no covariates (use {' or '.join(MODEL_TESTS)})")
    case, control = abundance[case_columns].to_numpy(float), abundance[control_columns].to_numpy(float)
    if test == "welch":
        result = welch_test(case, control)
    elif test == "mann_whitney":
        result = mann_whitney_test(case, control)
    else:
        design, terms = design_matrix(runs.loc[case_columns + control_columns], case_columns, list(covariates), source)
        if np.linalg.matrix_rank(design) < design.shape[1]:
            raise GcmsflowError(source, f"design ~ {' + '.join(terms[1:])} is rank-deficient: a covariate is confounded with the groups or constant")
        y = np.hstack([case, control])
        n1, n2 = np.isfinite(case).sum(axis=1), np.isfinite(control).sum(axis=1)
        result = moderated_t_test(y, design, n1, n2) if test == "moderated_t" else ols_test(y, design, n1, n2)
    constant = numerically_constant(np.hstack([case, control])) & (np.isfinite(case).sum(axis=1) >= 2) & (np.isfinite(control).sum(axis=1) >= 2)
    result.loc[constant, ["log2fc", "ci_low", "ci_high"]] = 0.0
    result["qvalue"] = bh_qvalues(np.where(constant, np.nan, result["pvalue"].to_numpy()))
    result.loc[constant, ["pvalue", "qvalue"]] = 1.0
    result.insert(0, id_column, abundance.index.to_numpy())
    result.insert(1, "name", names.reindex(abundance.index).fillna("").to_numpy())
    result["test"] = np.where(constant, NOT_TESTED, test)
    result = result.sort_values(["pvalue", id_column], na_position="last", kind="stable")
    return result[[id_column, *STATS_COLUMNS[1:]]].reset_index(drop=True)
