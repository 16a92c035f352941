"""The detection rules that real chromatography needs: spikes are noise, a tailing peak is one
component, an ion joins a component only with the component's peak shape, noise is local."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED_DATA, gaussian, synthetic_cube
from gcmsflow.core.scancube import ScanCube
from gcmsflow.core.spectra import parse_spectrum
from gcmsflow.signal.detect import DetectParams, build_models, detect_components, find_apexes, loose_clusters, perceive, perceive_components
from gcmsflow.signal.traces import block_noise, preprocess, remove_spikes

A = {116: 1.0, 132: 0.5, 231: 0.3, 73: 0.9, 188: 0.2, 217: 0.15, 290: 0.1}
B = {245: 1.0, 156: 0.6, 289: 0.3, 73: 0.8, 188: 0.4}


def emg(times_s: np.ndarray, apex_s: float, sigma_s: float, tau_s: float) -> np.ndarray:
    """Unit-height exponentially modified Gaussian (a Gaussian convolved with an exponential tail)."""
    step = 0.01
    grid = np.arange(times_s[0] - 10 * sigma_s, times_s[-1] + step, step)
    profile = np.convolve(gaussian(grid, apex_s, sigma_s), np.exp(-np.arange(0.0, 10 * tau_s, step) / tau_s))[: grid.size]
    return np.interp(times_s, grid, profile / profile.max())


def with_spikes(cube: ScanCube, fraction: float, seed: int = 2) -> ScanCube:
    """``cube`` with single-scan spikes (log-uniform 40-1000 counts) in ``fraction`` of its cells."""
    rng = np.random.default_rng(seed)
    intensity = cube.intensity.copy()
    hit = rng.random(intensity.shape) < fraction
    intensity[hit] += np.exp(rng.uniform(np.log(40.0), np.log(1000.0), size=int(hit.sum()))).astype(np.float32)
    return ScanCube(cube.times_s, cube.mz, intensity, cube.metadata)


def spectrum_mz(row) -> set[int]:
    return set(parse_spectrum(row.spectrum)[0].tolist())


def test_single_scan_spike_is_flattened_and_a_narrow_peak_is_not() -> None:
    scans = np.arange(60.0)
    peak = 500.0 * np.exp(-0.5 * ((scans - 30) / 3.2) ** 2)  # sigma 0.8 s at 4 Hz
    raw = np.vstack([np.full(60, 20.0), peak + 20.0])
    raw[0, 10] = 900.0
    raw[0, 40:42] = 700.0  # two scans wide: 0.5 s, still a spike
    before = raw[1].copy()
    assert remove_spikes(raw, np.full((1, 2), 5.0), 60, max_width_scans=3, ratio=2.0) == 3
    assert raw[0].max() == 20.0 and np.array_equal(raw[1], before)


def test_spikes_alone_give_no_component_and_leave_a_peak_alone() -> None:
    assert detect_components(with_spikes(synthetic_cube([], noise=5.0), 0.03)).empty
    clean = detect_components(synthetic_cube([(130.0, 5000.0, A)]))
    spiky = detect_components(with_spikes(synthetic_cube([(130.0, 5000.0, A)]), 0.03))
    assert len(clean) == len(spiky) == 1
    assert abs(spiky.iloc[0].rt - clean.iloc[0].rt) < 0.05 and spectrum_mz(spiky.iloc[0]) <= set(A)
    assert abs(spiky.iloc[0].area - clean.iloc[0].area) / clean.iloc[0].area < 0.03


@pytest.mark.parametrize("tau_s", [0.5, 1.0, 2.0])
def test_tailing_peak_with_counting_noise_is_one_component(tau_s: float) -> None:
    rng = np.random.default_rng(5)
    times = np.arange(100.0, 180.0, 0.25)
    mz = np.arange(50, 301, dtype=np.int32)
    signal = np.zeros((times.size, mz.size))
    profile = emg(times, 130.0, 1.0, tau_s)
    for ion, rel in A.items():
        signal[:, ion - 50] += 2e5 * rel * profile
    intensity = rng.poisson(signal) + np.abs(rng.normal(0.0, 12.0, size=signal.shape))
    peaks = detect_components(ScanCube(times, mz, intensity.astype(np.float32), {}))
    assert len(peaks) == 1
    assert spectrum_mz(peaks.iloc[0]) <= set(A) and peaks.iloc[0].quant_mz == 116


def test_an_ion_without_the_peak_shape_does_not_join() -> None:
    cube = synthetic_cube([(130.0, 10000.0, A)])
    ramp = np.clip((cube.times_s - 126.0) * 300.0, 0.0, 3000.0)  # a rising step under the peak, no peak shape
    cube.intensity[:, 260 - 50] += ramp.astype(np.float32)
    cube.intensity[:, 270 - 50] += (3000.0 * gaussian(cube.times_s, 133.0, 1.0)).astype(np.float32)  # another peak, 3 s off
    row = detect_components(cube).iloc[0]
    assert abs(row.rt - 130.0) < 0.1
    assert spectrum_mz(row) <= set(A) and {116, 132, 231} <= spectrum_mz(row)


def long_cube(seed: int = 3) -> ScanCube:
    """A 600 s run at 4 Hz with a compound every 20 s, noisier from 400 s on (bleed-like, all ions)."""
    rng = np.random.default_rng(seed)
    times = np.arange(100.0, 700.0, 0.25)
    mz = np.arange(50, 301, dtype=np.int32)
    noise = np.where(times >= 400.0, 60.0, 5.0)[:, None]
    intensity = np.abs(rng.normal(0.0, 1.0, size=(times.size, mz.size))) * noise
    for k, apex in enumerate(np.arange(110.0, 690.0, 20.0)):
        ions = rng.choice(np.arange(80, 300), size=8, replace=False)
        for ion, rel in zip(ions, rng.uniform(0.1, 1.0, size=8)):
            intensity[:, ion - 50] += 3000.0 * (0.2 + k % 4) * rel * emg(times, apex, 1.0, 0.8)
    return ScanCube(times, mz, intensity.astype(np.float32), {})


def test_noise_is_local_so_cutting_the_run_keeps_the_components_before_the_cut() -> None:
    cube, params = long_cube(), DetectParams()
    full = detect_components(cube, params)
    n = 1400  # cut at 450 s: the whole-run noise would be that of the quiet part
    cut = detect_components(ScanCube(cube.times_s[:n], cube.mz, cube.intensity[:n], {}), params)
    block_start_s = cube.times_s[0] + (n // 240) * params.noise_window_s  # the cut lies in the block from here
    columns = ["rt", "rt_start", "rt_end", "quant_mz", "area", "height", "sn", "n_ions", "spectrum"]
    before = full[full.rt_end < block_start_s][columns].reset_index(drop=True)
    assert len(before) == 15
    assert before.equals(cut[cut.rt_end < block_start_s][columns].reset_index(drop=True))


def test_block_noise_follows_each_part_of_the_run() -> None:
    rng = np.random.default_rng(1)
    raw = np.abs(np.concatenate([rng.normal(0.0, 5.0, 240), rng.normal(0.0, 50.0, 240)]))[None, :]
    noise = block_noise(raw, 240)[:, 0]
    assert 2.0 < noise[0] < 6.0 and 20.0 < noise[1] < 60.0 and noise[1] > 8 * noise[0]


@pytest.mark.shared_data
def test_agilent_run_cut_short_keeps_the_components_of_the_part_that_remains() -> None:
    from gcmsflow.io.importer import import_run

    cube = import_run(SHARED_DATA / "gcms" / "agilent" / "GC01_0812_066.D")
    full = detect_components(cube)
    n = int(0.6 * cube.times_s.size)
    part = detect_components(ScanCube(cube.times_s[:n], cube.mz, cube.intensity[:n], cube.metadata))
    inside = full[full.rt_end < cube.times_s[n - 1]]
    kept = [((part.quant_mz == r.quant_mz) & ((part.rt - r.rt).abs() <= 0.5)).any() for r in inside.itertuples()]
    assert len(inside) > 100 and np.mean(kept) >= 0.98


def test_loose_clusters_take_three_apexes_spread_over_four_scans_but_not_two_or_a_wider_spread() -> None:
    assert loose_clusters(np.array([100.0, 102.8, 103.4]), 3, 3.0).tolist() == [101.7]
    assert loose_clusters(np.array([100.0, 103.4]), 3, 3.0).size == 0
    assert loose_clusters(np.array([100.0, 103.0, 106.5]), 3, 3.0).size == 0
    assert loose_clusters(np.array([100.0, 101.0, 102.0, 140.0, 141.0, 145.0]), 3, 3.0).tolist() == [101.0, 142.5]


def test_a_weak_compound_whose_ion_apexes_scatter_over_four_scans_is_one_component() -> None:
    rng = np.random.default_rng(4)
    times = np.arange(100.0, 160.0, 0.25)
    mz = np.arange(50, 301, dtype=np.int32)
    intensity = np.abs(rng.normal(0.0, 12.0, size=(times.size, mz.size)))
    weak = {174: (0.0, 150.0), 248: (-0.5, 120.0), 276: (0.35, 110.0)}  # ion: (apex offset s, height ~10x noise)
    for ion, (offset, height) in weak.items():
        intensity[:, ion - 50] += height * emg(times, 130.0 + offset, 0.8, 0.3)
    intensity[intensity < 40.0] = 0.0  # the centroiding threshold
    peaks = detect_components(ScanCube(times, mz, intensity.astype(np.float32), {}))
    assert len(peaks) == 1 and abs(peaks.iloc[0].rt - 130.2) < 0.6
    assert spectrum_mz(peaks.iloc[0]) == set(weak)


def test_a_weaker_compound_on_the_flank_of_a_stronger_ones_apexes_is_perceived_and_modelled_on_its_own_ion() -> None:
    strong = [121.1] * 6 + [121.7] * 6 + [122.3] * 5 + [122.9] * 7  # a strong compound's ion apexes, scattered
    weak = [123.8, 124.0, 124.1, 124.1, 123.9, 124.2]  # on the flank of the strong compound's apex density: no peak of it
    position = np.array(strong + weak)
    centres, _ = perceive(position, 300, DetectParams(loose_tolerance_scans=0.0))
    assert centres.tolist() == [122.0, 124.0]
    assert perceive(position[:-2], 300, DetectParams(loose_tolerance_scans=0.0))[0].tolist() == [122.0]  # 4 apexes: noise-scattered, no centre
    assert perceive_components(position, 300, 3, 0.4).tolist() == [122]
    rng = np.random.default_rng(6)
    times = np.arange(100.0, 160.0, 0.25)
    mz = np.arange(50, 301, dtype=np.int32)
    intensity = np.abs(rng.normal(0.0, 12.0, size=(times.size, mz.size)))
    ions = [int(m) for m in rng.choice(np.arange(120, 280), size=24, replace=False) if m not in (113, 169, 191, 237, 251, 289)]
    for k, ion in enumerate(ions):  # strong ion apexes at 0-0.45 s; the strong ions apexing last lie within the weak centre's window
        intensity[:, ion - 50] += 20000.0 * (1.0 - k / 40.0) * emg(times, 130.0 + 0.15 * (k % 4), 0.8, 0.3)
    weak_ions = {169: 900.0, 191: 600.0, 237: 450.0, 251: 300.0, 113: 700.0, 289: 500.0}
    for ion, height in weak_ions.items():
        intensity[:, ion - 50] += height * emg(times, 130.75, 0.8, 0.3)
    params = DetectParams()
    traces = preprocess(intensity, 0.25, params)
    apexes = find_apexes(traces, params.min_ion_sn, params.min_prominence, 40)
    centres, tolerance = perceive(apexes[0], times.size, params)
    models = build_models(traces, centres, tolerance, apexes, params, mz)
    assert len(models) == 2 and abs(models[1].apex - 124) <= 1 and int(mz[models[1].ion]) in weak_ions
