"""Peak detection and spectral deconvolution of one run.

Per ion (``traces.py``): noise estimated per block of the run, spikes flattened, Savitzky–Golay
smoothing and an O(n) morphological baseline (running minimum then maximum); then apexes that
stand out of their surroundings (prominence), so that a bump on a tail is not an apex.
Components are perceived where several ions apex together; each gets a model peak (its most
intense, least shared ion), and every ion in an overlapping window is unmixed onto the model
peaks by non-negative least squares (``unmix.py``), so ions shared by co-eluting compounds are
split between them. A model peak reaches as far as its trace falls, past rises within the noise;
two model peaks a scan or two apart with alike spectra are one compound, kept once. An ion joins a
component only if its own part of the signal has the model peak's shape. A component keeps its
deconvoluted spectrum (areas per nominal m/z), a quant ion (intense and selective, not a TMS or
bleed ion where avoidable), area, height and S/N (against the local noise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter1d
from scipy.signal import peak_prominences

from ..core.scancube import ScanCube
from ..core.spectra import format_spectrum
from .detect_params import DetectParams
from .traces import Traces, preprocess
from .unmix import Model, clusters, shape_correlation, unmix

PEAK_COLUMNS = ["component_id", "rt", "rt_start", "rt_end", "quant_mz", "area", "height", "sn", "n_ions", "spectrum"]


def find_apexes(traces: Traces, min_sn: float, min_prominence: float, window_scans: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local maxima of each ion trace above ``min_sn`` x its local noise that stand ``min_prominence`` of
    their height above the higher of their two valleys (searched ``window_scans`` either side): a bump
    on a peak's tail is not an apex. Returns (scan position refined, ion index, height)."""
    c = traces.corrected
    inner = c[1:-1]
    scan, ion = np.nonzero((inner > c[:-2]) & (inner >= c[2:]) & (inner > 0))
    scan = scan + 1
    high = c[scan, ion] >= min_sn * traces.noise_at(scan, ion)
    scan, ion = scan[high], ion[high]
    keep = np.zeros(scan.size, bool)
    by_ion = np.argsort(ion, kind="stable")
    bounds = np.searchsorted(ion[by_ion], np.arange(c.shape[1] + 1))
    rows = c.T  # contiguous ion traces
    for j in np.flatnonzero(np.diff(bounds)):
        at = by_ion[bounds[j] : bounds[j + 1]]
        prominence = peak_prominences(rows[j], scan[at], wlen=2 * window_scans + 1)[0]
        keep[at] = prominence >= min_prominence * rows[j, scan[at]]
    scan, ion = scan[keep], ion[keep]
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


def loose_clusters(position: np.ndarray, min_ions: int, tolerance: float) -> np.ndarray:
    """Centres of runs of at least ``min_ions`` apexes spanning at most 2 x ``tolerance`` scans (the
    middle of each run's span, so every apex of it lies within ``tolerance``), taken from the
    earliest apex on, each apex in one run at most. A weak compound's three ion apexes spread over
    four scans make one centre, where a Gaussian density of the same width would not reach three."""
    position = np.sort(position)
    centres = []
    i = 0
    while i + min_ions <= position.size:
        j = int(np.searchsorted(position, position[i] + 2.0 * tolerance, side="right"))
        if j - i >= min_ions:
            centres.append(0.5 * (position[i] + position[j - 1]))
            i = j
        else:
            i += 1
    return np.array(centres, dtype=float)


def distance_to(centres: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Distance of each ``x`` to the nearest of the sorted ``centres`` (infinite when there are none)."""
    if centres.size == 0:
        return np.full(x.size, np.inf)
    at = np.searchsorted(centres, x)
    return np.minimum(np.abs(x - centres[np.maximum(at - 1, 0)]), np.abs(x - centres[np.minimum(at, centres.size - 1)]))


def perceive(position: np.ndarray, n_scans: int, params: DetectParams) -> tuple[np.ndarray, np.ndarray]:
    """Component centres and the apex tolerance (scans) of each, in time order.

    First where ion apexes coincide within ``apex_tolerance_scans``; again among the apexes no
    centre claims, where twice as many coincide (a weaker compound a few scans from a stronger one,
    whose apexes sit on the flank of the stronger one's apex density and make no peak of it; twice,
    so that a strong compound's own noise-scattered apexes do not make a satellite); then, among the
    apexes still unclaimed, where they coincide within ``loose_tolerance_scans`` (:func:`loose_clusters`): the apexes of a weak compound's ions scatter by a scan or two around its apex."""
    centres = perceive_components(position, n_scans, params.min_component_ions, params.perceive_sigma_scans).astype(float)
    flank = perceive_components(position[distance_to(centres, position) > params.apex_tolerance_scans], n_scans, 2 * params.min_component_ions, params.perceive_sigma_scans)
    flank = flank[distance_to(centres, flank) > params.apex_tolerance_scans]  # a weaker compound on a stronger one's flank
    centres = np.sort(np.concatenate([centres, flank.astype(float)]))
    tolerance = np.full(centres.size, params.apex_tolerance_scans)
    loose = params.loose_tolerance_scans
    if loose > params.apex_tolerance_scans:
        extra = loose_clusters(position[distance_to(centres, position) > params.apex_tolerance_scans], params.min_component_ions, loose)
        extra = extra[distance_to(centres, extra) > 2.0 * loose]
        order = np.argsort(np.concatenate([centres, extra]), kind="stable")
        centres = np.concatenate([centres, extra.astype(float)])[order]
        tolerance = np.concatenate([tolerance, np.full(extra.size, loose)])[order]
    return centres, tolerance


def peak_extent(trace: np.ndarray, apex: int, noise: float = 0.0, floor_fraction: float = 0.02, max_half_widths: float = 4.0) -> tuple[int, int]:
    """Scan range around ``apex`` until the trace falls below ``floor_fraction`` of the apex or rises
    again by more than ``noise`` (counts) above its lowest point so far (a weak peak's noisy flank is
    not its end), on each side at most ``max_half_widths`` times as far as the trace takes to fall to
    half the apex (a tail's plateau is not the peak)."""
    top = trace[apex]
    floor = floor_fraction * top

    def walk(step: int) -> int:
        at, lowest, half, limit = apex, top, 0, trace.size
        while 0 <= at + step < trace.size and abs(at - apex) < limit and floor < trace[at + step] <= lowest + noise:
            at += step
            lowest = min(lowest, trace[at])
            if not half and lowest <= 0.5 * top:
                half = abs(at - apex)
                limit = int(np.ceil(max_half_widths * half))
        return at

    return walk(-1), walk(1)


def build_models(
    traces: Traces, centres: np.ndarray, tolerance: np.ndarray, apexes: tuple, params: DetectParams, mz: np.ndarray
) -> list[Model]:
    """One model peak per perceived component, from its most intense ion not shared with a neighbour.

    A component's candidates are the ion apexes within ``tolerance`` (scans, per centre) of it; an
    ion is shared when it also apexes at one of the three nearest centres on either side (< 40
    scans away). Shared and ubiquitous (TMS, bleed) ions are down-weighted, and an apex that lies nearer
    another centre is never the model of this one (a flank centre's model is its own ion). Centres whose best
    ion apex is the same one give a single model.
    """
    position, ion, height = apexes
    order = np.argsort(position)
    position, ion, height = position[order], ion[order], height[order]
    tol = np.asarray(tolerance)
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
    own = np.abs(position[member] - centres[window]) <= distance_to(centres, position[member]) + 1e-9  # nearest to this centre
    score = height[member] * np.where(near[window, cand_ion], 0.1, 1.0) * np.where(ubiquitous[cand_ion], 0.05, 1.0) * own
    ranked = np.lexsort((member, -score, window))
    best = ranked[start[size >= params.min_component_ions]]
    best = best[score[best] > 0]  # a centre whose every candidate apex lies nearer another centre makes no model
    best = best[np.sort(np.unique(member[best], return_index=True)[1])]  # two centres, one ion apex: one model
    models = []
    for pick in best.tolist():
        j = int(cand_ion[pick])
        apex = int(round(position[member[pick]]))
        trace, noise = traces.corrected[:, j], traces.noise(apex)[j]
        c = window[pick]
        if tol[c] > params.apex_tolerance_scans:  # a weak compound: its ions' summed traces make the model
            trace, apex, noise = composite_trace(traces, ion[member[window == c]], position[member[window == c]], centres[c], tol[c])
        lo, hi = peak_extent(trace, apex, noise)
        if hi - lo + 1 < params.min_shape_scans:
            continue
        models.append(Model(apex, lo, hi, trace[lo : hi + 1] / trace[apex], j))
    return models


def composite_trace(traces: Traces, ions: np.ndarray, apexes: np.ndarray, centre: float, tolerance: float) -> tuple[np.ndarray, int, float]:
    """The sum of ``ions``' traces, each scaled to unit height at its own apex (``apexes``, scans),
    the sum's apex within ``tolerance`` of ``centre`` and the sum's noise level: for a weak compound a
    single ion's trace is too noisy a model peak, and noise in one ion is not another's."""
    at = np.round(apexes).astype(int)
    unique, first = np.unique(ions, return_index=True)
    heights = np.maximum(traces.corrected[at[first], unique], 1e-12)
    trace = traces.corrected[:, unique] @ (1.0 / heights)
    lo = max(0, int(np.floor(centre - tolerance)))
    hi = min(trace.size - 1, int(np.ceil(centre + tolerance)))
    apex = lo + int(np.argmax(trace[lo : hi + 1]))
    return trace, apex, float(np.sqrt(np.sum((traces.noise(apex)[unique] / heights) ** 2)))


def detect_components(cube: ScanCube, params: DetectParams = DetectParams()) -> pd.DataFrame:
    """Deconvoluted components of one run, one row each (columns ``PEAK_COLUMNS``), sorted by RT."""
    traces = preprocess(cube.intensity, cube.scan_interval_s, params)
    window = max(1, int(round(params.prominence_window_s / cube.scan_interval_s)))
    apexes = find_apexes(traces, params.min_ion_sn, params.min_prominence, window)
    centres, tolerance = perceive(apexes[0], cube.times_s.size, params)
    models = build_models(traces, centres, tolerance, apexes, params, cube.mz)
    dt = cube.scan_interval_s
    ubiquitous = np.isin(cube.mz, params.avoid_quant_mz)
    rows = []
    for group in clusters(models):
        group, (amplitudes, design, lo) = without_twins(traces, group, params, ubiquitous)
        fitted_at_apex = design @ amplitudes.T
        residual = traces.corrected[lo : lo + design.shape[0]] - fitted_at_apex
        for k, model in enumerate(group):
            amp = amplitudes[:, k]
            noise = traces.noise(model.apex)
            significant = amp >= 3.0 * noise
            candidates = np.flatnonzero(significant)
            extent = slice(model.lo - lo, model.hi - lo + 1)
            r = shape_correlation(residual[extent, candidates], design[extent, k], amp[candidates])
            significant[candidates] = r >= params.min_shape_corr
            if significant.sum() < params.min_component_ions:
                continue
            purity = amp / np.maximum(fitted_at_apex[model.apex - lo], 1e-12)
            score = amp * np.clip(purity, 0.0, 1.0) * significant
            selective = score * ~ubiquitous
            q = int(np.argmax(selective)) if selective.max() > 0 else int(np.argmax(score))
            sn = amp[q] / noise[q]
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


def without_twins(traces: Traces, group: list[Model], params: DetectParams, ubiquitous: np.ndarray) -> tuple[list[Model], tuple[np.ndarray, np.ndarray, int]]:
    """The group's models and their unmixing, once models that are one compound twice are one.

    Two models at most ``twin_scans`` apart whose unmixed spectra are alike (cosine >= ``twin_cosine``)
    split one compound's signal between them (a tailing peak's ions apex a scan or two apart); the
    weaker is dropped and the group unmixed again, so its compound keeps one component and all its area.
    The ``ubiquitous`` ions (TMS, bleed), which every derivative shares, do not count to the cosine."""
    while True:
        unmixed = unmix(traces.corrected, traces.noise((group[0].lo + max(m.hi for m in group)) // 2), group)
        amplitudes = unmixed[0] * ~ubiquitous[:, None]
        norms = np.maximum(np.linalg.norm(amplitudes, axis=0), 1e-12)
        weaker = set()
        for k in range(len(group) - 1):
            close = group[k + 1].apex - group[k].apex <= params.twin_scans
            if close and amplitudes[:, k] @ amplitudes[:, k + 1] / (norms[k] * norms[k + 1]) >= params.twin_cosine:
                weaker.add(k if norms[k] < norms[k + 1] else k + 1)
        if not weaker:
            return group, unmixed
        group = [m for k, m in enumerate(group) if k not in weaker]


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
