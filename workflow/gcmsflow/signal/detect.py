"""Peak detection and spectral deconvolution of one run.

Per ion: Savitzky–Golay smoothing, an O(n) morphological baseline (running minimum then
maximum), a robust noise level and apex finding. Components are perceived where several ions
apex together; each gets a model peak (its most intense, least shared ion), and every ion in an
overlapping window is unmixed onto the model peaks by non-negative least squares, so ions shared
by co-eluting compounds are split between them. A component keeps its deconvoluted spectrum
(areas per nominal m/z), a quant ion (intense and selective, not a TMS or bleed ion where
avoidable), area, height and S/N.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.ndimage import (
    gaussian_filter1d,
    maximum_filter1d,
    minimum_filter1d,
    uniform_filter1d,
)
from scipy.optimize import nnls
from scipy.signal import savgol_filter

from ..core.scancube import ScanCube
from ..core.spectra import format_spectrum

UBIQUITOUS_MZ = (73, 74, 75, 147, 148, 149, 207, 208, 209, 281, 282)
PEAK_COLUMNS = ["component_id", "rt", "rt_start", "rt_end", "quant_mz", "area", "height", "sn", "n_ions", "spectrum"]


@dataclass(frozen=True)
class DetectParams:
    """Detection settings; times in seconds, windows in scans where named so."""

    smooth_window_scans: int = 5
    baseline_window_s: float = 30.0
    min_ion_sn: float = 5.0
    min_component_ions: int = 3
    min_sn: float = 5.0
    apex_tolerance_scans: float = 1.5
    perceive_sigma_scans: float = 0.4
    avoid_quant_mz: tuple[int, ...] = field(default=UBIQUITOUS_MZ)


@dataclass
class Traces:
    """Baseline-corrected smoothed ion traces with their per-ion noise level."""

    corrected: np.ndarray
    noise: np.ndarray


def preprocess(intensity: np.ndarray, scan_interval_s: float, params: DetectParams) -> Traces:
    """Smooth every ion trace (columns of ``intensity``), subtract a running-minimum baseline, estimate noise.

    Works ion by ion on a contiguous (ions x scans) copy, in place where it can: a run's cube is
    filtered along its rows, not across strided columns. ``corrected`` is returned as scans x ions.
    """
    raw = intensity.T.astype(np.float64, order="C")
    window = max(3, params.smooth_window_scans | 1)
    smooth = savgol_filter(raw, window, 2, axis=1, mode="nearest") if raw.shape[1] > window else raw.copy()
    width = max(3, int(round(params.baseline_window_s / scan_interval_s)))
    baseline = minimum_filter1d(smooth, width, axis=1)
    maximum_filter1d(baseline, width, axis=1, output=baseline)
    uniform_filter1d(baseline, width, axis=1, output=baseline)
    corrected = np.subtract(smooth, baseline, out=smooth)
    np.maximum(corrected, 0.0, out=corrected)
    positive = raw[raw > 0]
    floor = 0.5 * float(np.percentile(positive, 5)) if positive.size else 1.0
    step = np.subtract(raw[:, 1:], raw[:, :-1], out=baseline[:, :-1])
    mad = np.median(np.abs(step, out=step), axis=1, overwrite_input=True) * 1.4826 / np.sqrt(2.0)
    return Traces(corrected.T, np.maximum(mad, floor))


def find_apexes(traces: Traces, min_sn: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local maxima of each ion trace above ``min_sn`` x noise: (scan position refined, ion index, height)."""
    c = traces.corrected
    inner = c[1:-1]
    is_apex = (inner > c[:-2]) & (inner >= c[2:]) & (inner >= min_sn * traces.noise)
    scan, ion = np.nonzero(is_apex)
    scan = scan + 1
    left, mid, right = c[scan - 1, ion], c[scan, ion], c[scan + 1, ion]
    denom = left - 2.0 * mid + right
    shift = np.where(denom < 0, 0.5 * (left - right) / np.where(denom < 0, denom, -1.0), 0.0)
    return scan + np.clip(shift, -0.5, 0.5), ion, mid


def perceive_components(position: np.ndarray, n_scans: int, min_ions: int, sigma_scans: float) -> np.ndarray:
    """Scan positions where at least ``min_ions`` ion apexes coincide (peaks of the apex density).

    The density is smoothed by a Gaussian of ``sigma_scans``; kept narrow, so that a weak compound
    two scans from a strong one is not hidden in the strong one's shoulder.
    """
    density = np.zeros(n_scans)
    np.add.at(density, np.clip(np.round(position).astype(int), 0, n_scans - 1), 1.0)
    density = gaussian_filter1d(density, sigma_scans, mode="constant") * np.sqrt(2 * np.pi) * sigma_scans
    inner = density[1:-1]
    peaks = np.flatnonzero((inner > density[:-2]) & (inner >= density[2:]) & (inner >= min_ions - 0.5)) + 1
    return peaks


def peak_extent(trace: np.ndarray, apex: int, floor_fraction: float = 0.02) -> tuple[int, int]:
    """Scan range around ``apex`` until the trace falls below ``floor_fraction`` of the apex or rises again."""
    top = trace[apex]
    lo = apex
    while lo > 0 and trace[lo - 1] <= trace[lo] and trace[lo - 1] > floor_fraction * top:
        lo -= 1
    hi = apex
    while hi < trace.size - 1 and trace[hi + 1] <= trace[hi] and trace[hi + 1] > floor_fraction * top:
        hi += 1
    return lo, hi


@dataclass
class Model:
    """A component's model peak: its apex scan, extent and unit-height shape over the extent."""

    apex: int
    lo: int
    hi: int
    shape: np.ndarray
    ion: int


def build_models(traces: Traces, centres: np.ndarray, apexes: tuple, params: DetectParams, mz: np.ndarray) -> list[Model]:
    """One model peak per perceived component, from its most intense ion not shared with a neighbour.

    A component's candidates are the ion apexes within ``apex_tolerance_scans`` of its centre; an
    ion is shared when it also apexes at one of the three nearest centres on either side (< 40
    scans away). Shared and ubiquitous (TMS, bleed) ions are down-weighted. Centres whose best
    ion apex is the same one give a single model.
    """
    position, ion, height = apexes
    order = np.argsort(position)
    position, ion, height = position[order], ion[order], height[order]
    tol = params.apex_tolerance_scans
    centres = np.asarray(centres)
    first = np.searchsorted(position, centres - tol)
    size = np.searchsorted(position, centres + tol) - first
    start = np.cumsum(size) - size
    window = np.repeat(np.arange(centres.size), size)
    member = np.arange(window.size) - start[window] + first[window]
    present = np.zeros((centres.size, mz.size), bool)
    present[window, ion[member]] = True
    near = np.zeros_like(present)
    for offset in (1, 2, 3):
        close = np.abs(centres[offset:] - centres[:-offset]) < 40
        near[:-offset] |= present[offset:] & close[:, None]
        near[offset:] |= present[:-offset] & close[:, None]
    ubiquitous = np.isin(mz, params.avoid_quant_mz)
    cand_ion = ion[member]
    score = height[member] * np.where(near[window, cand_ion], 0.1, 1.0) * np.where(ubiquitous[cand_ion], 0.05, 1.0)
    ranked = np.lexsort((member, -score, window))
    best = ranked[start[size >= params.min_component_ions]]
    best = best[np.sort(np.unique(member[best], return_index=True)[1])]  # two centres, one ion apex: one model
    models = []
    for pick in best.tolist():
        j = int(cand_ion[pick])
        apex = int(round(position[member[pick]]))
        lo, hi = peak_extent(traces.corrected[:, j], apex)
        if hi - lo < 2:
            continue
        shape = traces.corrected[lo : hi + 1, j] / traces.corrected[apex, j]
        models.append(Model(apex, lo, hi, shape, j))
    return models


def _clusters(models: list[Model]) -> list[list[Model]]:
    """Groups of models whose extents overlap, in time order."""
    groups: list[list[Model]] = []
    for model in sorted(models, key=lambda m: m.apex):
        if groups and model.lo <= max(m.hi for m in groups[-1]):
            groups[-1].append(model)
        else:
            groups.append([model])
    return groups


def unmix(traces: Traces, group: list[Model]) -> tuple[np.ndarray, np.ndarray, int]:
    """Least-squares amplitudes (ions x models) of each ion on the group's model peaks."""
    lo, hi = min(m.lo for m in group), max(m.hi for m in group)
    design = np.zeros((hi - lo + 1, len(group)))
    for k, m in enumerate(group):
        design[m.lo - lo : m.hi - lo + 1, k] = m.shape
    block = traces.corrected[lo : hi + 1]
    active = np.flatnonzero(block.max(axis=0) >= 3.0 * traces.noise)
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


def detect_components(cube: ScanCube, params: DetectParams = DetectParams()) -> pd.DataFrame:
    """Deconvoluted components of one run, one row each (columns ``PEAK_COLUMNS``), sorted by RT."""
    traces = preprocess(cube.intensity, cube.scan_interval_s, params)
    apexes = find_apexes(traces, params.min_ion_sn)
    centres = perceive_components(apexes[0], cube.times_s.size, params.min_component_ions, params.perceive_sigma_scans)
    models = build_models(traces, centres, apexes, params, cube.mz)
    dt = cube.scan_interval_s
    ubiquitous = np.isin(cube.mz, params.avoid_quant_mz)
    rows = []
    for group in _clusters(models):
        amplitudes, design, lo = unmix(traces, group)
        fitted_at_apex = design @ amplitudes.T
        for k, model in enumerate(group):
            amp = amplitudes[:, k]
            significant = amp >= 3.0 * traces.noise
            if significant.sum() < params.min_component_ions:
                continue
            purity = amp / np.maximum(fitted_at_apex[model.apex - lo], 1e-12)
            score = amp * np.clip(purity, 0.0, 1.0) * significant
            selective = score * ~ubiquitous
            q = int(np.argmax(selective)) if selective.max() > 0 else int(np.argmax(score))
            sn = amp[q] / traces.noise[q]
            if sn < params.min_sn:
                continue
            areas = amp * model.shape.sum() * dt
            ions = np.flatnonzero(significant)
            rows.append(
                {
                    "rt": _interp_time(cube.times_s, _refined_apex(model)),
                    "rt_start": cube.times_s[model.lo],
                    "rt_end": cube.times_s[model.hi],
                    "quant_mz": int(cube.mz[q]),
                    "area": areas[q],
                    "height": amp[q],
                    "sn": sn,
                    "n_ions": int(ions.size),
                    "spectrum": format_spectrum(cube.mz[ions], areas[ions]),
                }
            )
    table = pd.DataFrame(rows, columns=PEAK_COLUMNS[1:]).sort_values("rt", kind="stable").reset_index(drop=True)
    table.insert(0, "component_id", [f"P{i + 1:04d}" for i in range(len(table))])
    return table


def _refined_apex(model: Model) -> float:
    """Apex of the model peak in fractional scans (parabola through the top three points)."""
    i = model.apex - model.lo
    s = model.shape
    if 0 < i < s.size - 1:
        denom = s[i - 1] - 2 * s[i] + s[i + 1]
        if denom < 0:
            return model.apex + float(np.clip(0.5 * (s[i - 1] - s[i + 1]) / denom, -0.5, 0.5))
    return float(model.apex)


def _interp_time(times_s: np.ndarray, scan: float) -> float:
    return float(np.interp(scan, np.arange(times_s.size), times_s))
