"""Unmixing of overlapping components: every ion on the model peaks of a group, by non-negative least
squares, and the peak-shape test an ion must pass to join a component."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solveh_banded
from scipy.optimize import nnls


@dataclass
class Model:
    """A component's model peak: its apex scan, extent and unit-height shape over the extent."""

    apex: int
    lo: int
    hi: int
    shape: np.ndarray
    ion: int


def clusters(models: list[Model]) -> list[list[Model]]:
    """Groups of models whose extents overlap, in time order."""
    groups: list[list[Model]] = []
    for model in sorted(models, key=lambda m: m.apex):
        if groups and model.lo <= max(m.hi for m in groups[-1]):
            groups[-1].append(model)
        else:
            groups.append([model])
    return groups


def unmix(corrected: np.ndarray, noise: np.ndarray, group: list[Model]) -> tuple[np.ndarray, np.ndarray, int]:
    """Least-squares amplitudes (ions x models) of each ion of ``corrected`` (scans x ions) on the group's
    model peaks, for the ions that reach 3 x ``noise`` (per ion) in the group's window; the design
    matrix (window scans x models) and the window's first scan."""
    lo, hi = min(m.lo for m in group), max(m.hi for m in group)
    design = np.zeros((hi - lo + 1, len(group)))
    for k, m in enumerate(group):
        design[m.lo - lo : m.hi - lo + 1, k] = m.shape
    block = corrected[lo : hi + 1]
    active = np.flatnonzero(block.max(axis=0) >= 3.0 * noise)
    amplitudes = np.zeros((block.shape[1], len(group)))
    if len(group) == 1:
        d = design[:, 0]
        amplitudes[active, 0] = np.clip(d @ block[:, active] / (d @ d), 0.0, None)
    else:
        amplitudes[active] = nnls_columns(design, block[:, active]).T
    return amplitudes, design, lo


def nnls_columns(design: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Non-negative least squares ``design @ x ~ targets[:, j]`` for every column j at once: the
    unconstrained least-squares solution where it is non-negative, block principal pivoting elsewhere."""
    gram, moments = design.T @ design, design.T @ targets
    best = np.linalg.pinv(gram) @ moments
    todo = np.flatnonzero((best < 0).any(axis=0))
    best[:, todo] = _principal_pivoting(design, targets[:, todo], gram, moments[:, todo], best[:, todo] > 0)
    return best


def _principal_pivoting(design: np.ndarray, targets: np.ndarray, gram: np.ndarray, moments: np.ndarray, passive: np.ndarray, rounds: int = 50) -> np.ndarray:
    """NNLS for many columns at once by block principal pivoting (Kim & Park 2011), from the given
    passive sets.

    Each round solves every open column's normal equations on its passive set (:class:`_Banded`)
    and exchanges all variables that break feasibility: negative passive ones and held ones whose
    gradient says they would lower the residual. Where the number of such variables stops falling
    for three rounds, only the last of them is exchanged, which guarantees termination. A column is
    done when none is left (the NNLS optimum); columns still open after ``rounds`` go to scipy's nnls.
    """
    k, n = passive.shape
    solution = np.zeros((k, n))
    open_ = np.ones(n, bool)
    tolerance = 1e-10 * np.maximum(np.abs(moments).max(axis=0), 1e-300)
    fewest = np.full(n, k + 1)
    chances = np.full(n, 3)
    system = _Banded(gram)
    for _ in range(rounds):
        columns = np.flatnonzero(open_)
        if columns.size == 0:
            break
        free = passive[:, columns]
        trial = system.solve(free, moments[:, columns])
        gradient = moments[:, columns] - gram @ trial
        infeasible = np.where(free, trial < 0, gradient > tolerance[columns])
        count = infeasible.sum(axis=0)
        done = count == 0
        solution[:, columns[done]] = trial[:, done]
        open_[columns[done]] = False
        fewer = count < fewest[columns]
        fewest[columns[fewer]] = count[fewer]
        chances[columns] = np.where(fewer, 3, chances[columns] - 1)
        single = ~done & (chances[columns] < 0)
        last = k - 1 - np.argmax(infeasible[::-1, single], axis=0)
        infeasible[:, single] = False
        infeasible[last, np.flatnonzero(single)] = True
        passive[:, columns] ^= infeasible
    for j in np.flatnonzero(open_):
        solution[:, j] = nnls(design, targets[:, j])[0]
    return solution


class _Banded:
    """A banded Gram matrix whose systems restricted to passive sets are solved for many columns at
    once: as one banded system (LAPACK's banded Cholesky), block-diagonal over the columns."""

    def __init__(self, gram: np.ndarray) -> None:
        self.gram = gram
        rows, cols = np.nonzero(gram)
        self.width = int(np.abs(rows - cols).max(initial=0))

    def solve(self, free: np.ndarray, moments: np.ndarray) -> np.ndarray:
        """Solutions (k x columns) of the Gram systems on each column's passive set ``free`` (held
        variables are zero) with right-hand sides ``moments``; the system holds the free variables
        only, column after column, so that its band is no wider than the Gram matrix's."""
        k, n = free.shape
        if not free.any():
            return np.zeros((k, n))
        column, variable = np.divmod(np.flatnonzero(free.T), k)
        band = min(self.width, variable.size - 1)
        upper = np.zeros((band + 1, variable.size))
        upper[band] = self.gram[variable, variable]
        for d in range(1, band + 1):
            near = (column[d:] == column[:-d]) & (variable[d:] - variable[:-d] <= self.width)
            upper[band - d, d:] = np.where(near, self.gram[variable[:-d], variable[d:]], 0.0)
        solution = np.zeros((n, k))
        try:
            solution[free.T] = solveh_banded(upper, moments.T[free.T], overwrite_ab=True, overwrite_b=True, check_finite=False)
        except np.linalg.LinAlgError:
            solution = self._dense_pinv(free, moments)
        return np.where(free, solution.T, 0.0)

    def _dense_pinv(self, free: np.ndarray, moments: np.ndarray) -> np.ndarray:
        """Least-norm solutions (columns x k) of singular passive systems."""
        systems = self.gram * (free.T[:, :, None] & free.T[:, None, :]) + np.eye(free.shape[0]) * ~free.T[:, None, :]
        return (np.linalg.pinv(systems) @ (moments * free).T[:, :, None])[:, :, 0]


def shape_correlation(residual: np.ndarray, shape: np.ndarray, amplitudes: np.ndarray) -> np.ndarray:
    """Per ion (column), the Pearson correlation with the model peak ``shape`` of the ion's own part
    of the signal: the fit's ``residual`` plus the model's share ``shape x amplitudes`` (over the
    model's extent)."""
    own = residual + np.outer(shape, amplitudes)
    own -= own.mean(axis=0)
    centred = shape - shape.mean()
    norm = np.linalg.norm(own, axis=0) * np.linalg.norm(centred)
    return np.divide(centred @ own, norm, out=np.zeros(own.shape[1]), where=norm > 0)
