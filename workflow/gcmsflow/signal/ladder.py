"""Marker ladder among any number of peaks: marker-like spectra on a near-regular retention chain.

A ladder run holds the markers and, besides them, column bleed, contaminants (siloxanes,
phthalates, branched hydrocarbons) and noise components. Each peak gets a marker score from its
spectrum: the share of its ion current in the marker series (n-alkanes: m/z 57, 71, 85, 99 in
falling order; FAMEs: m/z 74, 87 and the 101-143 series), and per carbon number the evidence of
its molecular ion (alkanes 14n + 2, FAMEs 14n + 46, n carbons in the fatty acid), a bonus at each
carbon number whose molecular ion the spectrum shows (only a bonus: the molecular ion is weak, and
noise ions at any m/z can fake one, so its absence or a fake one elsewhere is no evidence). The markers are the monotone chain (retention time
and carbon number both rising) that maximises the summed node scores minus the irregularity of
its spacing: each step's seconds per 100 RI units against a reference spacing, and a cost per
marker stepped over. The reference spacing is found by trying constant spacings on a grid, then
refined twice from the chain's own local spacings. Without molecular-ion evidence the chain
prefers to start at the first configured marker.
"""

from __future__ import annotations

import numpy as np

from ..core.spectra import parse_spectrum

SERIES = {"alkanes": (57, 71, 85, 99), "fames": (74, 87, 101, 115, 129, 143)}
MOLECULAR_ION = {"alkanes": (14, 2), "fames": (14, 46)}  # m/z of M+ = a x carbons + b
MIN_SERIES_SCORE = 0.2  # a peak below this share of its ion current in the series is no candidate
MAX_SKIP = 8  # markers one step of the chain may step over
SKIP_COST = 0.3
ION_WEIGHT = 0.25
START_COST = 0.01  # per marker the chain starts after the first one
GRID_S = np.geomspace(2.0, 600.0, 22)  # trial constant spacings, s per 100 RI units


def series_score(mz: np.ndarray, values: np.ndarray, markers: str) -> float:
    """Share of the ion current in the marker series, halved when the series does not fall
    from its first ion (the base of an n-alkane or FAME pattern)."""
    total = float(values.sum())
    if total <= 0:
        return 0.0
    spectrum = dict(zip(mz.tolist(), values.tolist()))
    series = np.array([spectrum.get(m, 0.0) for m in SERIES[markers]])
    score = float(series.sum()) / total
    falls = series[0] >= series[1:].max() and (markers == "fames" or bool(np.all(np.diff(series) <= 0)))
    return score if falls else 0.5 * score


def molecular_ion_carbons(mz: np.ndarray, values: np.ndarray, carbons: np.ndarray, markers: str) -> np.ndarray:
    """Per carbon number, whether the spectrum shows its molecular ion (at >= 0.3 % of base and
    above the ion one below it, so not an isotope peak)."""
    if values.size == 0:
        return np.zeros(carbons.size, dtype=bool)
    spectrum = dict(zip(mz.tolist(), values.tolist()))
    floor = 0.003 * float(values.max())
    a, b = MOLECULAR_ION[markers]
    ion = [spectrum.get(a * int(c) + b, 0.0) for c in carbons]
    below = [spectrum.get(a * int(c) + b - 1, 0.0) for c in carbons]
    return np.array([i >= floor and i > j for i, j in zip(ion, below)], dtype=bool)


def node_scores(spectra: list[str], sn: np.ndarray, carbons: np.ndarray, markers: str) -> np.ndarray:
    """Score of each peak (rows) as each marker (columns); -inf for peaks that are no candidate."""
    out = np.full((len(spectra), carbons.size), -np.inf)
    top_sn = float(np.max(sn)) if len(sn) else 1.0
    for i, text in enumerate(spectra):
        mz, values = parse_spectrum(text)
        score = series_score(mz, values, markers)
        if score < MIN_SERIES_SCORE:
            continue
        out[i] = score + 0.1 * np.sqrt(max(sn[i], 0.0) / top_sn) + ION_WEIGHT * molecular_ion_carbons(mz, values, carbons, markers)
    return out


def _chain(rt: np.ndarray, nodes: np.ndarray, ri: np.ndarray, reference: np.ndarray, stiffness: float, tolerance: float) -> tuple[float, list[tuple[int, int]]]:
    """Best chain (score, [(peak, marker index)]) through ``nodes`` (peaks x markers, peaks by RT)
    with step cost ``stiffness`` x log(spacing / reference at the step's end)^2; steps whose spacing
    is off by more than ``tolerance`` (log ratio) are not allowed."""
    n_peaks, n_markers = nodes.shape
    index = np.arange(n_markers)
    skipped = index[None, :] - index[:, None] - 1  # [k_from, k_to]
    allowed = (skipped >= 0) & (skipped <= MAX_SKIP)
    with np.errstate(divide="ignore", invalid="ignore"):
        # log of (RI step / 100) minus log reference at the step's end; +inf where no step is allowed
        offset = np.where(allowed, np.log(np.abs(ri[None, :] - ri[:, None]) / 100.0), np.inf) + np.log(reference)[None, :]
        log_rt = np.log(np.maximum(rt[:, None] - rt[None, :], 1e-9))  # [i, j]
    step_cost = SKIP_COST * skipped
    best = np.full((n_peaks, n_markers), -np.inf)
    back = np.full((n_peaks, n_markers, 2), -1, dtype=np.int64)
    start = -START_COST * index
    for i in range(n_peaks):
        incoming = np.full(n_markers, -np.inf)
        earlier = np.flatnonzero(rt[:i] < rt[i])
        if earlier.size:
            ratio = log_rt[i, earlier][:, None, None] - offset[None]
            total = np.where(np.abs(ratio) <= tolerance, best[earlier][:, :, None] - stiffness * ratio * ratio - step_cost[None], -np.inf)
            flat = total.reshape(-1, n_markers)
            arg = np.argmax(flat, axis=0)
            incoming = flat[arg, index]
            back[i, :, 0] = earlier[arg // n_markers]
            back[i, :, 1] = arg % n_markers
        use_start = start >= incoming
        back[i, use_start] = -1
        best[i] = nodes[i] + np.maximum(start, incoming)
    i, k = np.unravel_index(int(np.argmax(best)), best.shape)
    score, path = float(best[i, k]), []
    while i >= 0:
        path.append((int(i), int(k)))
        i, k = back[i, k]
    return score, path[::-1]


def _local_reference(rt: np.ndarray, ri: np.ndarray, path: list[tuple[int, int]], fallback: float) -> np.ndarray:
    """Reference spacing (s per 100 RI) at each marker from the chain's own steps (median of three
    neighbouring steps, held constant beyond the chain)."""
    if len(path) < 2:
        return np.full(ri.size, fallback)
    t = np.array([rt[i] for i, _ in path])
    r = np.array([ri[k] for _, k in path])
    step = 100.0 * np.diff(t) / np.diff(r)
    smooth = np.array([np.median(step[max(0, j - 1) : j + 2]) for j in range(step.size)])
    return np.interp(ri, r[1:], smooth)


def ladder_chain(rt: np.ndarray, nodes: np.ndarray, ri: np.ndarray) -> list[tuple[int, int]]:
    """Markers found: (peak index, marker index) pairs of the best chain (peaks sorted by RT)."""
    candidates = np.flatnonzero(np.isfinite(nodes).any(axis=1))
    if candidates.size == 0:
        return []
    rt, nodes = rt[candidates], nodes[candidates]
    trials = [(_chain(rt, nodes, ri, np.full(ri.size, s), 2.0, np.log(2.0)), s) for s in GRID_S]
    (_, path), spacing = max(trials, key=lambda t: t[0][0])
    for _ in range(2):
        _, path = _chain(rt, nodes, ri, _local_reference(rt, ri, path, spacing), 8.0, np.log(1.6))
    return [(int(candidates[i]), k) for i, k in path]
