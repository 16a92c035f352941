"""Empirical Bayes moderation of linear model fits, as limma 3.54 does it (Smyth 2004; Phipson et al. 2016).

``squeeze_var`` fits a scaled F prior to the residual variances (``fitFDist``, or ``fitFDistRobustly``
when ``robust``: Winsorised log-variances, a prior df matched to their variance, and each outlying
variance given a smaller prior df), ``ebayes`` gives moderated t and p per coefficient and
``moderated_f`` the moderated F over several (``classifyTestsF``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

WINSOR_TAIL_P = (0.05, 0.1)  # limma's default lower and upper Winsorisation tails (robust = TRUE)


@dataclass(frozen=True)
class Moderated:
    """Per feature: moderated t and two-sided p (features x coefficients), prior df, total df, prior and posterior variance."""

    t: np.ndarray
    pvalue: np.ndarray
    df_prior: np.ndarray
    df_total: np.ndarray
    s2_prior: np.ndarray
    s2_post: np.ndarray


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


def fit_f_dist(x: np.ndarray, df1: np.ndarray) -> tuple[float, float]:
    """Scale s0² and prior df d0 of a scaled F fitted to variances ``x`` on ``df1`` df by moments of log x (limma's fitFDist)."""
    df1 = np.broadcast_to(np.asarray(df1, float), x.shape)
    ok = np.isfinite(df1) & (df1 > 1e-15) & np.isfinite(x) & (x > -1e-15)
    if ok.sum() == 0:
        return np.nan, np.nan
    x, df1 = np.maximum(x[ok], 0.0), df1[ok]
    if x.size == 1:
        return float(x[0]), 0.0
    m = np.median(x)
    x = np.maximum(x, 1e-5 * (m if m > 0 else 1.0))
    e = np.log(x) - special.digamma(df1 / 2) + np.log(df1 / 2)
    e_mean = e.mean()
    e_var = np.sum((e - e_mean) ** 2) / (x.size - 1) - np.mean(special.polygamma(1, df1 / 2))
    if e_var > 0:
        d0 = 2.0 * trigamma_inverse(e_var)
        return float(np.exp(e_mean + special.digamma(d0 / 2) - np.log(d0 / 2))), d0
    return float(np.mean(x)), np.inf


def _f_ppf(p: np.ndarray, df1: float, df2: float, upper: bool = False) -> np.ndarray:
    """Quantile of F(df1, df2) at lower-tail probability ``p`` (upper-tail when ``upper``)."""
    if np.isinf(df2):
        return (stats.chi2.isf(p, df1) if upper else stats.chi2.ppf(p, df1)) / df1
    return stats.f.isf(p, df1, df2) if upper else stats.f.ppf(p, df1, df2)


def _f_pdf(x: np.ndarray, df1: float, df2: float) -> np.ndarray:
    return df1 * stats.chi2.pdf(df1 * x, df1) if np.isinf(df2) else stats.f.pdf(x, df1, df2)


def f_sf(x: np.ndarray, df1: float, df2: np.ndarray, log: bool = False) -> np.ndarray:
    """Upper tail of F(df1, df2), elementwise in ``df2`` (infinite df2: χ²(df1)/df1)."""
    x, df2 = np.broadcast_arrays(np.asarray(x, float), np.asarray(df2, float))
    out = np.full(x.shape, np.nan)
    finite, infinite = np.isfinite(df2), np.isinf(df2)
    chi, fdist = (stats.chi2.logsf, stats.f.logsf) if log else (stats.chi2.sf, stats.f.sf)
    out[infinite] = chi(df1 * x[infinite], df1)
    out[finite] = fdist(x[finite], df1, df2[finite])
    return out


def _winsorized_moments(df1: float, df2: float, tail_p: tuple[float, float], nodes: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Mean and variance of log F(df1, df2) Winsorised at the ``tail_p`` quantiles (Gauss quadrature on F/(1+F))."""
    fq = _f_ppf(np.array([tail_p[0], 1 - tail_p[1]]), df1, df2)
    zq, q = np.log(fq), fq / (1 + fq)
    at = q[0] + (q[1] - q[0]) * nodes
    f_at = at / (1 - at)
    density = _f_pdf(f_at, df1, df2) / (1 - at) ** 2
    mean = (q[1] - q[0]) * np.sum(weights * density * np.log(f_at)) + np.sum(zq * np.array(tail_p))
    var = (q[1] - q[0]) * np.sum(weights * density * (np.log(f_at) - mean) ** 2) + np.sum((zq - mean) ** 2 * np.array(tail_p))
    return float(mean), float(var)


def _shrunk_df_outliers(fstat: np.ndarray, df1: float, df2: float) -> np.ndarray:
    """Per-variance prior df: d0 for typical variances, less for those more extreme than their rank predicts."""
    n = fstat.size
    log_tail = f_sf(fstat, df1, df2, log=True)
    log_not_outlier = np.minimum(log_tail - (np.log(n - stats.rankdata(fstat) + 0.5) - np.log(n)), 0.0)
    if not np.any(log_not_outlier < 0):
        return np.full(n, df2)
    not_outlier, outlier = np.exp(log_not_outlier), -np.expm1(log_not_outlier)
    if log_tail.min() == -np.inf:
        shrunk = not_outlier * df2
    else:
        df2_outlier = np.log(0.5) / log_tail.min() * df2
        df2_outlier = np.log(0.5) / f_sf(fstat.max(), df1, df2_outlier, log=True).item() * df2_outlier
        shrunk = not_outlier * df2 + outlier * df2_outlier
    order = np.argsort(log_tail, kind="stable")
    ordered = shrunk[order]
    running = np.cumsum(ordered) / np.arange(1, n + 1)
    lowest = int(np.argmin(running))
    ordered[: lowest + 1] = running[lowest]
    shrunk[order] = np.maximum.accumulate(ordered)
    return shrunk


def fit_f_dist_robustly(x: np.ndarray, df1: np.ndarray, tail_p: tuple[float, float] = WINSOR_TAIL_P) -> tuple[float, float, np.ndarray]:
    """Scale, prior df and per-variance shrunk prior df, robust to outlying variances (limma's fitFDistRobustly)."""
    n = x.size
    df1 = np.broadcast_to(np.asarray(df1, float), x.shape).copy()
    if n < 2:
        return np.nan, np.nan, np.full(n, np.nan)
    if n == 2:
        scale, df2 = fit_f_dist(x, df1)
        return scale, df2, np.full(n, df2)
    ok = ~np.isnan(x) & np.isfinite(df1) & (df1 > 1e-6)
    if not ok.all():
        scale, df2, shrunk_ok = fit_f_dist_robustly(x[ok], df1[ok], tail_p)
        shrunk = np.full(n, df2)
        shrunk[ok] = shrunk_ok
        return scale, df2, shrunk
    m = np.median(x)
    if m <= 0:
        raise ValueError("variances are mostly <= 0")
    x = np.where(x < m * 1e-12, m * 1e-12, x)
    scale0, df2_0 = fit_f_dist(x, df1)
    if all(p < 1 / n for p in tail_p):
        return scale0, df2_0, np.full(n, df2_0)
    df1_max = df1.max()
    lower_df = df1 < df1_max - 1e-14
    if lower_df.any():  # variances on fewer df mapped to df1_max by their tail probability
        f, d = x[lower_df] / scale0, df1[lower_df]
        if np.isfinite(df2_0):
            upper_p, lower_p = stats.f.logsf(f, d, df2_0), stats.f.logcdf(f, d, df2_0)
        else:
            upper_p, lower_p = stats.chi2.logsf(f * d, d), stats.chi2.logcdf(f * d, d)
        up = upper_p < lower_p
        f[up] = _f_ppf(np.exp(upper_p[up]), df1_max, df2_0, upper=True)
        f[~up] = _f_ppf(np.exp(lower_p[~up]), df1_max, df2_0)
        x = x.copy()
        x[lower_df] = f * scale0
    df1 = float(df1_max)
    z = np.log(x)
    z_trend = stats.trim_mean(z, tail_p[1])
    z_resid = z - z_trend
    z_low, z_high = np.quantile(z_resid, [tail_p[0], 1 - tail_p[1]])
    z_wins = np.clip(z_resid, z_low, z_high)
    z_wmean = z_wins.mean()
    z_wvar = np.mean((z_wins - z_wmean) ** 2) * n / (n - 1)
    nodes, weights = np.polynomial.legendre.leggauss(128)
    nodes, weights = (nodes + 1) / 2, weights / 2

    def moments(df2: float) -> tuple[float, float]:
        return _winsorized_moments(df1, df2, tail_p, nodes, weights)

    value_inf = np.log(z_wvar / moments(np.inf)[1])
    if value_inf <= 0:
        s20 = np.exp(z_trend + z_wmean - moments(np.inf)[0])
        fstat = np.exp(z - np.log(s20))
        tail = stats.chi2.sf(fstat * df1, df1)
        not_outlier = np.minimum(tail / ((n - stats.rankdata(fstat) + 0.5) / n), 1.0)
        shrunk = np.full(n, np.inf)
        outlying = not_outlier < 1
        if outlying.any():
            shrunk[outlying] = not_outlier[outlying] * n * df1
            order = np.argsort(tail, kind="stable")
            shrunk[order] = np.maximum.accumulate(shrunk[order])
        return float(s20), np.inf, shrunk
    if np.isinf(df2_0):
        return scale0, df2_0, np.full(n, df2_0)

    def gap(u: float) -> float:
        return value_inf if u >= 1 else float(np.log(z_wvar / moments(u / (1 - u))[1]))

    low = df2_0 / (1 + df2_0)
    value_low = gap(low)
    df2 = df2_0
    if value_low < 0:
        root = optimize.brentq(gap, low, 1.0, xtol=1e-12, rtol=4 * np.finfo(float).eps)
        df2 = root / (1 - root)
    s20 = np.exp(z_trend + z_wmean - moments(df2)[0])
    return float(s20), float(df2), _shrunk_df_outliers(np.exp(z - np.log(s20)), df1, df2)


def squeeze_var(var: np.ndarray, df: np.ndarray, robust: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior variances, prior df (per feature) and prior variance (limma's squeezeVar)."""
    var = np.where(df == 0, 0.0, var)
    if robust:
        scale, _, df_prior = fit_f_dist_robustly(var, df)
    else:
        scale, d0 = fit_f_dist(var, df)
        df_prior = np.full(var.shape, d0)
    if np.isnan(df_prior).any():
        raise ValueError("could not estimate the prior df")
    finite = np.isfinite(df_prior)
    post = np.full(var.shape, scale)
    post[finite] = (df[finite] * var[finite] + df_prior[finite] * scale) / (df[finite] + df_prior[finite])
    return post, df_prior, np.full(var.shape, scale)


def ebayes(coefficients: np.ndarray, stdev_unscaled: np.ndarray, sigma: np.ndarray, df_residual: np.ndarray, robust: bool = False) -> Moderated:
    """Moderated t statistics of every coefficient (features x coefficients), as limma's eBayes."""
    s2_post, df_prior, s2_prior = squeeze_var(sigma**2, df_residual, robust)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = coefficients / stdev_unscaled / np.sqrt(s2_post)[:, None]
    df_total = np.minimum(df_residual + df_prior, np.nansum(df_residual))
    pvalue = 2 * stats.t.sf(np.abs(t), df_total[:, None])
    return Moderated(t, pvalue, df_prior, df_total, s2_prior, s2_post)


def moderated_f(t: np.ndarray, cov_coefficients: np.ndarray, df2: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Moderated F over the columns of ``t`` with their correlation from ``cov_coefficients``; F, df1 and p (limma's classifyTestsF)."""
    if t.shape[1] == 1:
        fstat, rank = t[:, 0] ** 2, 1
    else:
        cov = cov_coefficients.copy()
        diagonal = np.diag(cov).copy()
        diagonal[diagonal == 0] = 1.0
        np.fill_diagonal(cov, diagonal)
        scale = np.sqrt(diagonal)
        values, vectors = np.linalg.eigh(cov / np.outer(scale, scale))
        values, vectors = values[::-1], vectors[:, ::-1]
        rank = int(np.sum(values / values[0] > 1e-8))
        q = vectors[:, :rank] / np.sqrt(values[:rank]) / np.sqrt(rank)
        fstat = ((t @ q) ** 2).sum(axis=1)
    return fstat, rank, f_sf(fstat, rank, df2)
