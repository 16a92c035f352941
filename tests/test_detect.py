"""Detection and deconvolution on synthetic cubes with known peaks."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import synthetic_cube
from gcmsflow.core.spectra import format_spectrum, parse_spectrum
from gcmsflow.signal.detect import DetectParams, build_models, detect_components, peak_extent, without_twins
from gcmsflow.signal.traces import Traces
from gcmsflow.signal.unmix import Model, nnls_columns
from scipy.optimize import nnls
from scipy.signal import savgol_filter

A = {116: 1.0, 132: 0.5, 231: 0.3, 73: 0.9, 188: 0.2}
B = {245: 1.0, 156: 0.6, 289: 0.3, 73: 0.8, 188: 0.4}


def spectrum_of(row) -> dict[int, float]:
    mz, values = parse_spectrum(row.spectrum)
    return dict(zip(mz.tolist(), values.tolist()))


def test_single_peak_rt_area_quant_ion() -> None:
    cube = synthetic_cube([(130.0, 10000.0, A)])
    peaks = detect_components(cube)
    assert len(peaks) == 1
    row = peaks.iloc[0]
    assert abs(row.rt - 130.0) < 0.1
    assert row.quant_mz == 116
    true_area = 10000.0 * np.sqrt(2 * np.pi) * 1.0
    assert abs(row.area - true_area) / true_area < 0.05
    assert row.sn > 100


def test_quant_ion_avoids_ubiquitous_tms_ions() -> None:
    cube = synthetic_cube([(130.0, 10000.0, {73: 1.0, 147: 0.8, 204: 0.4, 218: 0.3})])
    assert detect_components(cube).iloc[0].quant_mz == 204


def test_coeluting_pair_is_resolved_and_shared_ion_split() -> None:
    cube = synthetic_cube([(130.0, 10000.0, A), (131.5, 6000.0, B)])
    peaks = detect_components(cube)
    assert len(peaks) == 2
    first, second = peaks.iloc[0], peaks.iloc[1]
    assert abs(first.rt - 130.0) < 0.2 and abs(second.rt - 131.5) < 0.2
    assert (first.quant_mz, second.quant_mz) == (116, 245)
    unit = np.sqrt(2 * np.pi)
    shared_a, shared_b = spectrum_of(first)[188], spectrum_of(second)[188]
    assert abs(shared_a - 10000 * 0.2 * unit) / (10000 * 0.2 * unit) < 0.15
    assert abs(shared_b - 6000 * 0.4 * unit) / (6000 * 0.4 * unit) < 0.15
    assert 245 not in spectrum_of(first) or spectrum_of(first)[245] < 0.05 * spectrum_of(second)[245]


def test_noise_alone_gives_no_component() -> None:
    assert detect_components(synthetic_cube([], noise=20.0)).empty


def test_min_sn_filters_weak_components() -> None:
    cube = synthetic_cube([(130.0, 200.0, A)], noise=5.0)
    assert len(detect_components(cube, DetectParams(min_sn=5))) == 1
    assert detect_components(cube, DetectParams(min_sn=1e6)).empty


def test_spectrum_text_roundtrip_and_extent() -> None:
    mz, values = parse_spectrum(format_spectrum(np.array([73, 116]), np.array([1.5, 2000.0])))
    assert mz.tolist() == [73, 116] and values.tolist() == [1.5, 2000.0]
    trace = np.array([0, 1, 5, 9, 5, 1, 0.1, 2, 3.0])
    assert peak_extent(trace, 3) == (1, 5)


def test_extent_of_a_weak_peak_passes_its_noise_wiggles() -> None:
    scans = np.arange(60.0)
    peak = 200.0 * np.exp(-0.5 * ((scans - 30) / 3.4) ** 2)  # S/N 17
    captured = {0.0: [], 12.0: []}
    for seed in range(50):
        trace = savgol_filter(peak + np.random.default_rng(seed).normal(0.0, 12.0, scans.size), 5, 2)  # smoothed, as detection's traces
        for noise, shares in captured.items():
            lo, hi = peak_extent(trace, int(np.argmax(trace)), noise)
            shares.append(peak[lo : hi + 1].sum() / peak.sum())
    assert min(captured[0.0]) < 0.965 < 0.975 < min(captured[12.0])  # blind to the noise, a wiggle ends the peak early
    bump = peak + 150.0 * np.exp(-0.5 * ((scans - 46) / 3.0) ** 2)
    assert peak_extent(bump, 30, noise=12.0)[1] < 42  # a neighbour rising by more than the noise ends it


def test_two_centres_on_one_ion_apex_give_one_model() -> None:
    scans = np.arange(200.0)
    corrected = np.zeros((200, 4))
    corrected[:, 0] = 1000.0 * np.exp(-0.5 * ((scans - 100) / 2.0) ** 2)
    apexes = (np.array([100.0, 100.2, 100.4, 101.6]), np.array([0, 1, 2, 3]), np.array([1000.0, 50.0, 40.0, 30.0]))
    models = build_models(Traces(corrected, np.ones((1, 4)), 200), np.array([100, 101]), np.array([1.5, 1.5]), apexes, DetectParams(), np.arange(50, 54))
    assert [(m.apex, m.ion) for m in models] == [(100, 0)]


def test_nnls_columns_matches_scipy_for_small_and_large_groups() -> None:
    rng = np.random.default_rng(3)
    for k in (1, 2, 4, 8, 16):
        design = np.abs(rng.normal(size=(40, k)))
        targets = design @ rng.normal(size=(k, 30)) + rng.normal(scale=0.1, size=(40, 30))
        expected = np.stack([nnls(design, targets[:, j])[0] for j in range(30)], axis=1)
        assert np.allclose(nnls_columns(design, targets), expected, atol=1e-9)


def test_nnls_columns_with_two_identical_model_peaks_reaches_the_optimum() -> None:
    rng = np.random.default_rng(4)
    design = np.abs(rng.normal(size=(30, 3)))
    design = np.column_stack([design, design[:, 0]])  # a singular system
    targets = design[:, :3] @ rng.normal(size=(3, 20)) + rng.normal(scale=0.1, size=(30, 20))
    solution = nnls_columns(design, targets)
    optimum = [nnls(design, targets[:, j])[1] for j in range(20)]
    assert (solution >= 0).all()
    assert np.allclose(np.linalg.norm(design @ solution - targets, axis=0), optimum, atol=1e-9)


def test_weak_compound_two_scans_after_a_strong_one_is_perceived() -> None:
    weak = {117: 1.0, 219: 0.6, 191: 0.4, 73: 0.5}
    cube = synthetic_cube([(130.0, 20000.0, A), (130.5, 2000.0, weak), (132.5, 8000.0, B)])
    peaks = detect_components(cube)
    assert len(peaks) == 3
    assert abs(peaks.iloc[1].rt - 130.5) < 0.3 and peaks.iloc[1].quant_mz in weak


def test_two_models_of_one_tailing_compound_are_one_component() -> None:
    scans = np.arange(200.0)
    mz = np.array([73, 116, 132, 231, 156, 245])
    profile = np.exp(-0.5 * ((scans - 100) / 3.0) ** 2) + 0.4 * np.exp(-0.5 * ((scans - 102) / 5.0) ** 2)  # a tailing peak
    first = np.array([0.9, 1.0, 0.5, 0.3, 0.0, 0.0])  # spectrum A
    corrected = 1000.0 * np.outer(profile, first)
    traces = Traces(corrected, np.ones((1, mz.size)), 200)

    def model(apex: int, ion: int, trace: np.ndarray) -> Model:
        lo, hi = peak_extent(trace, apex)
        return Model(apex, lo, hi, trace[lo : hi + 1] / trace[apex], ion)

    ubiquitous = np.isin(mz, DetectParams().avoid_quant_mz)
    twins = [model(100, 1, corrected[:, 1]), model(101, 2, np.roll(corrected[:, 2], 1))]
    kept, (amplitudes, _, _) = without_twins(traces, twins, DetectParams(), ubiquitous)
    assert len(kept) == 1 and amplitudes[1, 0] == pytest.approx(corrected[100, 1], rel=0.01)  # all its area on one model
    second = 1000.0 * np.outer(np.roll(profile, 2), np.array([0.8, 0.0, 0.0, 0.0, 0.6, 1.0]))  # spectrum B, 2 scans later
    both = Traces(corrected + second, np.ones((1, mz.size)), 200)
    pair = [model(100, 1, corrected[:, 1]), model(102, 5, second[:, 5])]
    assert len(without_twins(both, pair, DetectParams(), ubiquitous)[0]) == 2  # co-eluting compounds with their own ions stay two
