"""Differential abundance between two groups on log2 data: moderated t (limma eBayes) or Welch t, BH q-values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

STATS_COLUMNS = ["feature_id", "name", "log2fc", "ci_low", "ci_high", "pvalue", "qvalue", "test", "n_case", "n_control"]
TESTS = ("moderated_t", "welch")


def trigamma_inverse(x: float) -> float:
    """Solve trigamma(y) = x by Newton's method on 1/trigamma (limma's trigammaInverse)."""
    if x > 1e7:
        return 1.0 / np.sqrt(x)
    if x < 1e-6:
        return 1.0 / x
    y = 0.5 + 1.0 / x
    for _ in range(50):
        tri = special.polygamma(1, y)
        step = tri * (1.0 - tri / x) / special.polygamma(2, y)
        y += step
        if -step / y < 1e-8:
            break
    return float(y)


def fit_f_dist(variances: np.ndarray, df: np.ndarray) -> tuple[float, float]:
    """Prior degrees of freedom d0 and scale s0² by moment matching on log variances (Smyth 2004)."""
    ok = np.isfinite(variances) & (df > 0)
    s2, d = variances[ok], df[ok]
    if s2.size < 2:
        return 0.0, float(np.nanmean(s2)) if s2.size else np.nan
    s2 = np.maximum(s2, 1e-5 * np.median(s2[s2 > 0]) if np.any(s2 > 0) else 1e-12)
    e = np.log(s2) - special.digamma(d / 2) + np.log(d / 2)
    e_mean = e.mean()
    rhs = np.sum((e - e_mean) ** 2) / (e.size - 1) - np.mean(special.polygamma(1, d / 2))
    if rhs > 0:
        d0 = 2.0 * trigamma_inverse(rhs)
        return d0, float(np.exp(e_mean + special.digamma(d0 / 2) - np.log(d0 / 2)))
    return np.inf, float(np.mean(s2))


def two_group_test(case: np.ndarray, control: np.ndarray, test: str) -> pd.DataFrame:
    """Per-feature log2fc, 95 % CI and p-value; rows of ``case``/``control`` are features (NaN = missing)."""
    n1, n2 = np.isfinite(case).sum(axis=1), np.isfinite(control).sum(axis=1)
    m1, m2 = np.nanmean(case, axis=1), np.nanmean(control, axis=1)
    v1, v2 = np.nanvar(case, axis=1, ddof=1), np.nanvar(control, axis=1, ddof=1)
    fc = m1 - m2
    testable = (n1 >= 2) & (n2 >= 2)
    if test == "welch":
        se = np.sqrt(v1 / n1 + v2 / n2)
        df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    elif test == "moderated_t":
        d = (n1 + n2 - 2).astype(float)
        s2 = ((n1 - 1) * v1 + (n2 - 1) * v2) / d
        d0, s02 = fit_f_dist(np.where(testable, s2, np.nan), d)
        if np.isinf(d0):
            post, df = np.full_like(s2, s02), np.full_like(s2, np.nansum(d[testable]))
        else:
            post = (d0 * s02 + d * s2) / (d0 + d)
            df = np.minimum(d + d0, max(np.nansum(d[testable]), 1.0))
        se = np.sqrt(post * (1.0 / n1 + 1.0 / n2))
    else:
        raise ValueError(f"unknown test '{test}' (choose from {', '.join(TESTS)})")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = fc / se
        p = 2.0 * stats.t.sf(np.abs(t), df)
        half = stats.t.ppf(0.975, df) * se
    p = np.where(testable & np.isfinite(p), p, np.nan)
    return pd.DataFrame({"log2fc": fc, "ci_low": fc - half, "ci_high": fc + half, "pvalue": p, "n_case": n1, "n_control": n2})


def bh_qvalues(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values; NaN stays NaN."""
    q = np.full(pvalues.shape, np.nan)
    ok = np.isfinite(pvalues)
    if ok.any():
        q[ok] = multipletests(pvalues[ok], method="fdr_bh")[1]
    return q


def differential(abundance: pd.DataFrame, case_columns: list[str], control_columns: list[str], names: pd.Series, test: str) -> pd.DataFrame:
    """The contract stats table for one contrast, sorted by p-value then feature id."""
    result = two_group_test(abundance[case_columns].to_numpy(float), abundance[control_columns].to_numpy(float), test)
    result.insert(0, "feature_id", abundance.index.to_numpy())
    result.insert(1, "name", names.reindex(abundance.index).fillna("").to_numpy())
    result["qvalue"] = bh_qvalues(result["pvalue"].to_numpy())
    result["test"] = test
    result = result.sort_values(["pvalue", "feature_id"], na_position="last", kind="stable")
    return result[STATS_COLUMNS].reset_index(drop=True)
