"""Shared fixtures: paths, a small simulated study, synthetic cubes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gcmsflow.core.scancube import ScanCube

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
BIN = Path(sys.executable).parent


def slurm_answers() -> bool:
    """True when a SLURM controller answers ``sinfo`` on this machine."""
    if shutil.which("sinfo") is None:
        return False
    return subprocess.run(["sinfo", "-h"], capture_output=True, timeout=30).returncode == 0


def limma_available() -> bool:
    """True when Rscript loads limma and statmod (Debian r-bioc-limma, r-cran-statmod)."""
    if shutil.which("Rscript") is None:
        return False
    return subprocess.run(["Rscript", "-e", "library(limma); library(statmod)"], capture_output=True, timeout=120).returncode == 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``shared_data`` and ``slurm`` tests skip where their resource is absent, except in CI where they must run."""
    missing = {}
    if not SHARED_DATA.is_dir():
        missing["shared_data"] = f"{SHARED_DATA} not present"
    if any("slurm" in item.keywords for item in items) and not slurm_answers():
        missing["slurm"] = "no SLURM controller answers sinfo (CI starts one with .ci/local-slurm start)"
    if any("limma" in item.keywords for item in items) and not limma_available():
        missing["limma"] = "Rscript with limma and statmod not installed (Debian r-base-core r-bioc-limma r-cran-statmod; CI installs them)"
    if shutil.which("chromium") is None:
        missing["browser"] = "chromium not installed (Debian package chromium; CI installs it)"
    if missing and os.environ.get("CI"):
        raise pytest.UsageError("CI needs these for its tests: " + "; ".join(missing.values()))
    for item in items:
        for marker, reason in missing.items():
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the repository's workflow in ``workdir`` on 2 cores with this interpreter's tools on PATH."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    command = [str(BIN / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), "--cores", "2", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The embedded demo study, simulated as `make demo` does: its folder and its --config arguments."""
    from gcmsflow.demo.simulate import Design, simulate_study

    out = tmp_path_factory.mktemp("demo")
    simulate_study(out, Design())
    return out, ["--config", f"samples={out / 'samples.tsv'}", f"library={out / 'library.msp'}"]


@pytest.fixture(scope="session")
def demo_run(demo: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo study run locally, with its HTML report: the working directory."""
    workdir = tmp_path_factory.mktemp("demo_run")
    for extra in ([], ["--report", "results/report.html"]):
        result = snakemake(workdir, *demo[1], *extra)
        assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.fixture(scope="session")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated study with 3 samples per group (11 runs) and its truth tables."""
    from gcmsflow.demo.simulate import Design, simulate_study

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


@pytest.fixture(scope="session")
def small_run(small_study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small study run through the whole workflow (shared by the tests that read its results): the working directory."""
    workdir = tmp_path_factory.mktemp("run")
    result = snakemake(workdir, "--config", f"samples={small_study / 'samples.tsv'}", f"library={small_study / 'library.msp'}")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir
