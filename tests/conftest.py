"""Shared fixtures: paths, a small simulated study, synthetic cubes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gcmsflow.scancube import ScanCube

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``shared_data`` skip where ../shared/data is absent, except in CI where they must run."""
    if SHARED_DATA.is_dir():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI needs {SHARED_DATA} for the shared_data tests")
    skip = pytest.mark.skip(reason=f"{SHARED_DATA} not present")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated study with 3 samples per group (11 runs) and its truth tables."""
    from gcmsflow.simulate import Design, simulate_study

    out = tmp_path_factory.mktemp("study")
    simulate_study(out, Design(per_group=3, qc_every=2))
    return out


def gaussian(times_s: np.ndarray, apex_s: float, sigma_s: float) -> np.ndarray:
    """Unit-height Gaussian peak."""
    return np.exp(-0.5 * ((times_s - apex_s) / sigma_s) ** 2)


def synthetic_cube(peaks: list[tuple[float, float, dict[int, float]]], noise: float = 5.0, seed: int = 1) -> ScanCube:
    """A 4 Hz cube (m/z 50-300) with Gaussian peaks ``(apex_s, height, {mz: relative intensity})``."""
    rng = np.random.default_rng(seed)
    times = np.arange(100.0, 160.0, 0.25)
    mz = np.arange(50, 301, dtype=np.int32)
    intensity = np.abs(rng.normal(0.0, noise, size=(times.size, mz.size)))
    for apex, height, spectrum in peaks:
        profile = gaussian(times, apex, 1.0)
        for ion, rel in spectrum.items():
            intensity[:, ion - 50] += height * rel * profile
    return ScanCube(times, mz, intensity.astype(np.float32), {"source": "synthetic"})
