"""Within-block correlation of repeated measures, as limma's ``duplicateCorrelation`` estimates it.

Per feature, REML variance components of a random block intercept (statmod's ``mixedModel2Fit``:
residuals projected off the design, rotated so that they are independent with variance
σ²_residual + σ²_block·d_j, then a gamma GLM with identity link fitted by damped Fisher scoring,
statmod's ``glmgam.fit``); the consensus is the tanh of the 15 %-trimmed mean of atanh(ρ).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .linfit import estimable_columns

TRIM = 0.15  # limma's default trim of the atanh correlations
RHO_MAX = 0.99


def _gamma_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    if np.any(mu < 0):
        return np.inf
    both_zero = (y < 1e-15) & (mu < 1e-15)
    if both_zero.all():
        return 0.0
    y, mu = y[~both_zero], mu[~both_zero]
    with np.errstate(divide="ignore"):
        return float(2 * np.sum((y - mu) / mu - np.log(y / mu)))


def glmgam_fit(x: np.ndarray, y: np.ndarray, start: np.ndarray, tol: float = 1e-6, maxit: int = 20) -> np.ndarray | None:
    """Gamma GLM with identity link by Levenberg-damped Fisher scoring from ``start`` (statmod's glmgam.fit); None if the start is invalid."""
    beta = start.astype(float)
    mu = x @ beta
    if np.any(mu < 0):
        return None
    dev, p = _gamma_deviance(y, mu), x.shape[1]
    iteration, damping = 0, 0.0
    while True:
        iteration += 1
        v = mu**2
        v = np.maximum(v, v.max() / 1e3)
        info = x.T @ (x / v[:, None])
        max_info = np.diag(info).max()
        if iteration == 1:
            damping = abs(np.mean(np.diag(info))) / p
        score = x.T @ ((y - mu) / v)
        beta_old, dev_old, tries = beta, dev, 0
        while True:
            tries += 1
            lower = np.linalg.cholesky(info + damping * np.eye(p))
            step = np.linalg.solve(lower.T, np.linalg.solve(lower, score))
            beta = beta_old + step
            mu = x @ beta
            dev = _gamma_deviance(y, mu)
            if dev <= dev_old or dev / mu.max() < 1e-15:
                break
            if damping / max_info > 1e15:
                beta = beta_old
                break
            damping *= 2
        if damping / max_info > 1e15:
            break
        if tries == 1:
            damping /= 10
        if score @ step < tol or dev / mu.max() < 1e-15:
            break
        if iteration > maxit:
            break
    return beta


def block_variance_components(y: np.ndarray, design: np.ndarray, blocks: np.ndarray) -> tuple[float, float]:
    """REML (σ²_residual, σ²_block) of a random block intercept (statmod's mixedModel2Fit, only.varcomp); NaN when not estimable."""
    x = design[:, estimable_columns(design)]
    levels = np.unique(blocks)
    z = (blocks[:, None] == levels[None, :]).astype(float)
    q = np.linalg.qr(x, mode="complete")[0][:, x.shape[1] :]
    if q.shape[1] == 0:
        return np.nan, np.nan
    u, singular, _ = np.linalg.svd(q.T @ z, full_matrices=True)
    rotated = u.T @ (q.T @ y)
    d = np.zeros(q.shape[1])
    d[: singular.size] = singular**2
    dx, dy = np.column_stack([np.ones_like(d), d]), rotated**2
    if not (q.shape[1] > 2 and np.sum(np.abs(d) > 1e-15) > 1 and np.var(d, ddof=1) > 1e-15):
        if estimable_columns(dx).all():
            components = np.linalg.lstsq(dx, dy, rcond=None)[0]
            return float(components[0]), float(components[1])
        return np.nan, np.nan
    start = np.linalg.lstsq(dx, dy, rcond=None)[0]
    if np.any(dx @ start < 0):
        start = np.array([dy.mean(), 0.0])
    components = glmgam_fit(dx, dy, start)
    return (np.nan, np.nan) if components is None else (float(components[0]), float(components[1]))


def duplicate_correlation(y: np.ndarray, design: np.ndarray, blocks: np.ndarray) -> tuple[float, np.ndarray]:
    """Consensus within-block correlation and the per-feature correlations (features x runs ``y``, NaN = missing)."""
    largest = max(np.unique(blocks, return_counts=True)[1])
    if largest == 1:
        return 0.0, np.zeros(len(y))
    dummies = (blocks[:, None] == np.unique(blocks)[None, 1:]).astype(float)
    kept = design[:, estimable_columns(design)]
    residual = dummies - kept @ np.linalg.lstsq(kept, dummies, rcond=None)[0]
    if np.abs(residual).max() < 1e-8:  # the block is already a fixed effect of the design
        return 0.0, np.zeros(len(y))
    rho = np.full(len(y), np.nan)
    n_coef = design.shape[1]
    for i, row in enumerate(y):
        observed = np.isfinite(row)
        n_obs, n_blocks = int(observed.sum()), np.unique(blocks[observed]).size
        if n_obs > n_coef + 2 and 1 < n_blocks < n_obs - 1:
            residual_var, block_var = block_variance_components(row[observed], design[observed], blocks[observed])
            rho[i] = block_var / (residual_var + block_var)
    rho_min = 1 / (1 - largest) + 0.01
    rho = np.where(rho < rho_min, rho_min, rho)
    rho = np.where(rho > RHO_MAX, RHO_MAX, rho)
    z = np.arctanh(rho)
    finite = z[np.isfinite(z)]
    return (float(np.tanh(stats.trim_mean(finite, TRIM))) if finite.size else 0.0), rho
