"""The batched NNLS of a big group of overlapping model peaks against scipy's nnls, column by column."""

from __future__ import annotations

import numpy as np
from gcmsflow.signal.unmix import nnls_columns
from scipy.optimize import nnls


def banded_problem(rng: np.random.Generator, models: int = 60, columns: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """A chain of ``models`` model peaks, each 9 scans wide and 2-3 scans after the one before (the
    design matrix is banded), and ion columns with sparse non-negative amplitudes plus noise."""
    apexes = np.cumsum(rng.integers(2, 4, size=models)) + 6
    scans = np.arange(apexes[-1] + 7)
    design = np.exp(-0.5 * ((scans[:, None] - apexes) / 1.5) ** 2) * (np.abs(scans[:, None] - apexes) <= 4)
    amplitudes = rng.exponential(100.0, size=(models, columns)) * (rng.random((models, columns)) < 0.4)
    return design, design @ amplitudes + rng.normal(scale=5.0, size=(scans.size, columns))


def agrees(solution: np.ndarray, expected: np.ndarray) -> bool:
    """Whether every column agrees to 1e-9 relative to the column's largest amplitude."""
    return bool(np.all(np.abs(solution - expected).max(axis=0) <= 1e-9 * np.abs(expected).max(axis=0)))


def test_nnls_columns_of_a_big_banded_group_equal_scipy_column_by_column() -> None:
    design, targets = banded_problem(np.random.default_rng(7))
    expected = np.stack([nnls(design, t, maxiter=50 * design.shape[1])[0] for t in targets.T], axis=1)
    unconstrained = np.linalg.lstsq(design, targets, rcond=None)[0]
    assert (unconstrained < 0).any(axis=0).all()  # every column needs the pivoting
    assert agrees(nnls_columns(design, targets), expected)
    assert not agrees(np.clip(unconstrained, 0.0, None), expected)  # the comparison can fail


def test_nnls_columns_with_one_or_no_passive_variable_equal_scipy() -> None:
    design = np.array([[1.0, 0.0], [0.8, 0.3], [0.3, 0.8], [0.0, 1.0]])  # two overlapping model peaks
    targets = design @ np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]])  # one, the other, none positive
    expected = np.stack([nnls(design, t)[0] for t in targets.T], axis=1)
    assert all(agrees(nnls_columns(design, targets[:, [j]]), expected[:, [j]]) for j in range(3))
    assert (expected[:, 2] == 0).all() and (expected[:, :2] > 0).sum() == 2
