"""Unmixing of overlapping components: every ion on the model peaks of a group, by non-negative least
squares, and the peak-shape test an ion must pass to join a component."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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
    unconstrained least-squares solution where it is non-negative, active-set steps elsewhere."""
    gram, moments = design.T @ design, design.T @ targets
    best = np.linalg.pinv(gram) @ moments
    todo = np.flatnonzero((best < 0).any(axis=0))
    best[:, todo] = _active_sets(design, targets[:, todo], gram, moments[:, todo], best[:, todo] > 0)
    return best


def _active_sets(design: np.ndarray, targets: np.ndarray, gram: np.ndarray, moments: np.ndarray, passive: np.ndarray, rounds: int = 10) -> np.ndarray:
    """NNLS for many columns at once by active-set steps, starting from the given passive sets.

    Each round solves every open column's normal equations on its passive set (one batched solve),
    drops the variables that turned negative and, where none did, adds the one that most violates
    the optimality (KKT) conditions. A column is done when its solution is non-negative and meets
    KKT, which makes it the NNLS optimum; columns still open after ``rounds`` go to scipy's nnls.
    """
    k, n = passive.shape
    solution = np.zeros((k, n))
    open_ = np.ones(n, bool)
    tolerance = 1e-10 * np.maximum(np.abs(moments).max(axis=0), 1e-300)
    diagonal = np.arange(k)
    for _ in range(rounds):
        columns = np.flatnonzero(open_)
        if columns.size == 0:
            break
        free = passive[:, columns].T  # open columns x variables
        systems = gram[None, :, :] * (free[:, :, None] & free[:, None, :])
        systems[:, diagonal, diagonal] += ~free  # variables held at zero: identity rows
        rhs = (moments[:, columns].T * free)[:, :, None]
        try:
            trial = np.linalg.solve(systems, rhs)[:, :, 0].T
        except np.linalg.LinAlgError:
            trial = (np.linalg.pinv(systems) @ rhs)[:, :, 0].T
        trial[~free.T] = 0.0
        negative = (trial < 0) & free.T
        gradient = np.where(free.T, -np.inf, moments[:, columns] - gram @ trial)
        violated = gradient.max(axis=0) > tolerance[columns]
        done = ~negative.any(axis=0) & ~violated
        solution[:, columns[done]] = trial[:, done]
        open_[columns[done]] = False
        shrink = negative.any(axis=0)
        passive[:, columns[shrink]] &= ~negative[:, shrink]
        grow = ~shrink & violated
        passive[np.argmax(gradient[:, grow], axis=0), columns[grow]] = True
    for j in np.flatnonzero(open_):
        solution[:, j] = nnls(design, targets[:, j])[0]
    return solution


def shape_correlation(residual: np.ndarray, shape: np.ndarray, amplitudes: np.ndarray) -> np.ndarray:
    """Per ion (column), the Pearson correlation with the model peak ``shape`` of the ion's own part
    of the signal: the fit's ``residual`` plus the model's share ``shape x amplitudes`` (over the
    model's extent)."""
    own = residual + np.outer(shape, amplitudes)
    own -= own.mean(axis=0)
    centred = shape - shape.mean()
    norm = np.linalg.norm(own, axis=0) * np.linalg.norm(centred)
    return np.divide(centred @ own, norm, out=np.zeros(own.shape[1]), where=norm > 0)
