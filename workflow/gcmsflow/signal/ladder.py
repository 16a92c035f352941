"""Marker ladder among any number of peaks: marker-like spectra on a near-regular retention chain.

A ladder run holds the markers and, besides them, column bleed, contaminants (siloxanes,
phthalates, branched hydrocarbons) and noise components. Each peak gets a marker score from its
spectrum: the share of its ion current in the marker series (n-alkanes: m/z 57, 71, 85, 99 in
falling order; FAMEs: m/z 74, 87 and the 101-143 series), and per carbon number the evidence of
its molecular ion (alkanes 14n + 2, FAMEs 14n + 46, n carbons in the fatty acid): present at the
carbon number (+), present at another one (-). The markers are the monotone chain (retention time
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
ION_WEIGHT = 0.5
START_COST = 0.01  # per marker the chain starts after the first one
GRID_S = np.geomspace(2.0, 600.0, 28)  # trial constant spacings, s per 100 RI units


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


def molecular_ion_carbon(mz: np.ndarray, values: np.ndarray, carbons: np.ndarray, markers: str) -> int | None:
    """The largest carbon number whose molecular ion the spectrum shows (at >= 0.3 % of base and
    above the ion one below it, so not an isotope peak), or None."""
    if values.size == 0:
        return None
    spectrum = dict(zip(mz.tolist(), values.tolist()))
    floor = 0.003 * float(values.max())
    a, b = MOLECULAR_ION[markers]
    shown = [int(c) for c in carbons if spectrum.get(a * c + b, 0.0) >= floor and spectrum.get(a * c + b, 0.0) > spectrum.get(a * c + b - 1, 0.0)]
    return max(shown) if shown else None


def node_scores(spectra: list[str], sn: np.ndarray, carbons: np.ndarray, markers: str) -> np.ndarray:
    """Score of each peak (rows) as each marker (columns); -inf for peaks that are no candidate."""
    out = np.full((len(spectra), carbons.size), -np.inf)
    top_sn = float(np.max(sn)) if len(sn) else 1.0
    for i, text in enumerate(spectra):
        mz, values = parse_spectrum(text)
        score = series_score(mz, values, markers)
        if score < MIN_SERIES_SCORE:
            continue
        out[i] = score + 0.1 * np.sqrt(max(sn[i], 0.0) / top_sn)
        shown = molecular_ion_carbon(mz, values, carbons, markers)
        if shown is not None:
            out[i] += np.where(carbons == shown, ION_WEIGHT, -ION_WEIGHT)
    return out


def _chain(rt: np.ndarray, nodes: np.ndarray, ri: np.ndarray, reference: np.ndarray, stiffness: float, tolerance: float) -> tuple[float, list[tuple[int, int]]]:
    """Best chain (score, [(peak, marker index)]) through ``nodes`` (peaks x markers, peaks by RT)
    with step cost ``stiffness`` x log(spacing / reference at the step's end)^2; steps whose spacing
    is off by more than ``tolerance`` (log ratio) are not allowed."""
    n_peaks, n_markers = nodes.shape
    index = np.arange(n_markers)
    skipped = index[None, :] - index[:, None] - 1  # [k_from, k_to]
    ri_step = ri[None, :] - ri[:, None]
    allowed_step = (skipped >= 0) & (skipped <= MAX_SKIP)
    best = np.full((n_peaks, n_markers), -np.inf)
    back = np.full((n_peaks, n_markers, 2), -1, dtype=np.int64)
    start = -START_COST * index
    for i in range(n_peaks):
        if not np.isfinite(nodes[i]).any():
            continue
        incoming = np.full(n_markers, -np.inf)
        earlier = np.flatnonzero((rt[:i] < rt[i]) & np.isfinite(best[:i]).any(axis=1))
        if earlier.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                spacing = 100.0 * (rt[i] - rt[earlier])[:, None, None] / ri_step[None]
                ratio = np.log(spacing / reference[None, None, :])
            ok = allowed_step[None] & (np.abs(np.nan_to_num(ratio, nan=np.inf)) <= tolerance)
            ratio = np.where(ok, ratio, 0.0)
            total = np.where(ok, best[earlier][:, :, None] - stiffness * ratio**2 - SKIP_COST * skipped[None], -np.inf)
            flat = total.reshape(-1, n_markers)
            arg = np.argmax(flat, axis=0)
            incoming = flat[arg, index]
            back[i, :, 0] = earlier[arg // n_markers]
            back[i, :, 1] = arg % n_markers
        use_start = start >= incoming
        back[i, use_start] = -1
        best[i] = nodes[i] + np.maximum(start, incoming)
    if not np.isfinite(best).any():
        return -np.inf, []
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
    if not np.isfinite(nodes).any():
        return []
    trials = [(_chain(rt, nodes, ri, np.full(ri.size, s), 2.0, np.log(2.0)), s) for s in GRID_S]
    (_, path), spacing = max(trials, key=lambda t: t[0][0])
    for _ in range(2):
        _, path = _chain(rt, nodes, ri, _local_reference(rt, ri, path, spacing), 8.0, np.log(1.6))
    return path
