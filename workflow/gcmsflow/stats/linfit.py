"""Linear model fits of every feature, as limma's ``lmFit`` makes them, and ``contrasts.fit``.

Each feature is fitted on its observed runs (NaN = missing). Design columns that the observed runs
leave aliased are dropped in order, as R's ``lm.fit`` (LINPACK ``dqrdc2``, tolerance 1e-7) drops
them, and get NaN. With a within-block correlation the fit is generalised least squares on the
whitened data (limma's ``gls.series``). The coefficient covariance that ``contrasts.fit`` and the
moderated F use comes from the complete design, as in limma, also for features with missing runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALIAS_TOLERANCE = 1e-7  # R lm.fit: a column whose remaining norm is below this share of its own is aliased


@dataclass(frozen=True)
class LinearFit:
    """Per feature: coefficients and their unscaled standard deviations (features x columns), residual SD and df.

    ``cov_coefficients`` is the unscaled covariance of the coefficients under the complete design.
    """

    coefficients: np.ndarray
    stdev_unscaled: np.ndarray
    sigma: np.ndarray
    df_residual: np.ndarray
    cov_coefficients: np.ndarray


def estimable_columns(x: np.ndarray) -> np.ndarray:
    """Mask of the design columns that are not aliased with earlier kept columns (limited pivoting as in ``dqrdc2``)."""
    keep = np.zeros(x.shape[1], dtype=bool)
    for j in range(x.shape[1]):
        column = x[:, j]
        norm = np.linalg.norm(column)
        if norm == 0:
            continue
        if keep.any():
            basis = x[:, keep]
            column = column - basis @ np.linalg.lstsq(basis, column, rcond=None)[0]
        keep[j] = np.linalg.norm(column) >= ALIAS_TOLERANCE * norm
    return keep


def block_correlation_matrix(blocks: np.ndarray, correlation: float) -> np.ndarray:
    """Runs x runs correlation: ``correlation`` within a block, 1 on the diagonal, 0 between blocks."""
    same = blocks[:, None] == blocks[None, :]
    matrix = np.where(same, correlation, 0.0)
    np.fill_diagonal(matrix, 1.0)
    return matrix


def _whiten(by_run: np.ndarray, correlation: np.ndarray | None) -> np.ndarray:
    """Rows (runs) decorrelated by the inverse Cholesky factor of ``correlation``."""
    return by_run if correlation is None else np.linalg.solve(np.linalg.cholesky(correlation), by_run)


def lm_fit(y: np.ndarray, design: np.ndarray, correlation: np.ndarray | None = None) -> LinearFit:
    """Fit every row of ``y`` (features x runs) on ``design`` (runs x columns); ``correlation`` (runs x runs) for GLS."""
    n_features, n_coef = len(y), design.shape[1]
    coefficients, stdev = np.full((n_features, n_coef), np.nan), np.full((n_features, n_coef), np.nan)
    sigma, df = np.full(n_features, np.nan), np.zeros(n_features)
    patterns: dict[bytes, list[int]] = {}
    for i, row in enumerate(np.isfinite(y)):
        patterns.setdefault(row.tobytes(), []).append(i)
    for key, rows in patterns.items():
        observed = np.frombuffer(key, dtype=bool)
        if not observed.any():
            continue
        sub_correlation = None if correlation is None else correlation[np.ix_(observed, observed)]
        x, values = _whiten(design[observed], sub_correlation), _whiten(y[rows][:, observed].T, sub_correlation).T
        keep = estimable_columns(x)
        xk = x[:, keep]
        xtx_inv = np.linalg.inv(xk.T @ xk)
        beta = values @ xk @ xtx_inv
        coefficients[np.ix_(rows, np.flatnonzero(keep))] = beta
        stdev[np.ix_(rows, np.flatnonzero(keep))] = np.sqrt(np.diag(xtx_inv))
        residual_df = x.shape[0] - int(keep.sum())
        df[rows] = residual_df
        if residual_df > 0:
            sigma[rows] = np.sqrt(((values - beta @ xk.T) ** 2).sum(axis=1) / residual_df)
    x_full = _whiten(design, correlation)
    return LinearFit(coefficients, stdev, sigma, df, np.linalg.inv(x_full.T @ x_full))


def _cov_to_cor(cov: np.ndarray) -> np.ndarray:
    scale = np.sqrt(np.diag(cov))
    return cov / np.outer(scale, scale)


def contrasts_fit(fit: LinearFit, contrasts: np.ndarray) -> LinearFit:
    """The fit re-expressed as the columns of ``contrasts`` (coefficients x contrasts), as limma's ``contrasts.fit``."""
    used = np.abs(contrasts).sum(axis=1) > 0
    c = contrasts[used]
    cormatrix = _cov_to_cor(fit.cov_coefficients)[np.ix_(used, used)]
    coef, stdev = fit.coefficients[:, used].copy(), fit.stdev_unscaled[:, used].copy()
    missing = np.isnan(coef)
    coef[missing], stdev[missing] = 0.0, 1e30
    new_coef = coef @ c
    orthogonal = cormatrix.size < 2 or bool(np.all(np.abs(cormatrix[np.tril_indices_from(cormatrix, -1)]) < 1e-14))
    if orthogonal:
        new_stdev = np.sqrt(stdev**2 @ c**2)
    else:
        upper = np.linalg.cholesky(cormatrix).T
        scaled = np.einsum("ab,ibk->iak", upper, stdev[:, :, None] * c)
        new_stdev = np.sqrt((scaled**2).sum(axis=1))
    huge = new_stdev > 1e20
    new_coef[huge], new_stdev[huge] = np.nan, np.nan
    return LinearFit(new_coef, new_stdev, fit.sigma, fit.df_residual, contrasts.T @ fit.cov_coefficients @ contrasts)


def contrast_weights(design: np.ndarray, observed: np.ndarray, contrast: np.ndarray) -> np.ndarray:
    """Least-squares weight of each observed run in the estimate of ``contrast`` (runs outside ``observed`` get 0)."""
    weights = np.zeros(len(design))
    x = design[observed]
    weights[observed] = x @ np.linalg.pinv(x.T @ x) @ contrast
    return weights
