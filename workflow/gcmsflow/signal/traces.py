"""Ion traces of one run made ready for peak finding: local noise, spike removal, smoothing, baseline.

Noise is estimated per ion within blocks of the run (``noise_window_s`` long, counted from the
first scan), so what is found in one part of a run does not depend on distant parts: cutting a
run short changes the noise only in the block where it is cut. Single-scan (up to
``max_spike_width_s``) chemical-noise spikes are flattened before smoothing, so that they cannot
pass for peaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d
from scipy.signal import savgol_filter

from .detect_params import DetectParams

SPIKE_NOISE_LEVELS = 3.0
FLOOR_SHARE = 0.2  # noise floor: this share of the block's 5th percentile of positive intensities


@dataclass
class Traces:
    """Baseline-corrected smoothed ion traces (scans x ions) and each ion's noise level per block of
    ``block_scans`` scans (blocks x ions)."""

    corrected: np.ndarray
    noise_blocks: np.ndarray
    block_scans: int

    def noise(self, scan: int) -> np.ndarray:
        """Noise of every ion at ``scan``."""
        return self.noise_blocks[min(scan // self.block_scans, self.noise_blocks.shape[0] - 1)]

    def noise_at(self, scan: np.ndarray, ion: np.ndarray) -> np.ndarray:
        """Noise of ion ``ion[k]`` at scan ``scan[k]``."""
        return self.noise_blocks[np.minimum(scan // self.block_scans, self.noise_blocks.shape[0] - 1), ion]


def block_noise(raw: np.ndarray, block_scans: int) -> np.ndarray:
    """Noise per block of ``block_scans`` scans for each ion of ``raw`` (ions x scans): the robust
    SD of scan-to-scan differences (MAD x 1.4826 / sqrt 2), at least ``FLOOR_SHARE`` of the block's 5th percentile
    of positive intensities (centroided data hold mostly zeros). A last block of one scan takes the
    previous block's level."""
    n_ions, n_scans = raw.shape
    n_blocks = max(1, -(-n_scans // block_scans))
    out = np.empty((n_blocks, n_ions))
    for b in range(n_blocks):
        chunk = raw[:, b * block_scans : (b + 1) * block_scans]
        if chunk.shape[1] < 2:
            out[b] = out[b - 1] if b else 1.0
            continue
        positive = chunk[chunk > 0]
        floor = FLOOR_SHARE * float(np.percentile(positive, 5)) if positive.size else 1.0
        mad = np.median(np.abs(np.diff(chunk, axis=1)), axis=1) * 1.4826 / np.sqrt(2.0)
        out[b] = np.maximum(mad, floor)
    return out


def remove_spikes(raw: np.ndarray, noise_blocks: np.ndarray, block_scans: int, max_width_scans: int, ratio: float) -> int:
    """Flatten, in place, excursions of 1 to ``max_width_scans`` scans of ``raw`` (ions x scans) that stand
    ``ratio`` times above both neighbouring scans and ``SPIKE_NOISE_LEVELS`` noise levels (``noise_blocks``,
    blocks x ions) above the higher one: they are set to that neighbour. Returns how many cells were flattened.

    Only scans that rise ``ratio`` times over the scan before can open a spike, so the widths are
    checked on those few candidates."""
    n = raw.shape[1]
    ion, start = np.nonzero(raw[:, 1:] > ratio * raw[:, :-1])
    start += 1
    flattened = 0
    for width in range(1, max_width_scans + 1):
        inside = start + width < n
        i, s = ion[inside], start[inside]
        low = raw[i, s]
        for k in range(1, width):
            np.minimum(low, raw[i, s + k], out=low)
        bound = np.maximum(raw[i, s - 1], raw[i, s + width])
        spike = (low > ratio * bound) & (low - bound > SPIKE_NOISE_LEVELS * noise_blocks[s // block_scans, i])
        for k in range(width):
            raw[i[spike], s[spike] + k] = bound[spike]
        flattened += int(spike.sum()) * width
    return flattened


def preprocess(intensity: np.ndarray, scan_interval_s: float, params: DetectParams) -> Traces:
    """Local noise, spike removal, Savitzky–Golay smoothing and a running-minimum baseline for every
    ion trace (columns of ``intensity``).

    Works ion by ion on a contiguous (ions x scans) copy, in place where it can: a run's cube is
    filtered along its rows, not across strided columns. ``corrected`` is returned as scans x ions.
    """
    raw = intensity.T.astype(np.float64, order="C")
    block = max(2, int(round(params.noise_window_s / scan_interval_s)))
    noise_blocks = block_noise(raw, block)
    remove_spikes(raw, noise_blocks, block, int(params.max_spike_width_s / scan_interval_s + 1e-9), params.spike_ratio)
    window = max(3, params.smooth_window_scans | 1)
    smooth = savgol_filter(raw, window, 2, axis=1, mode="nearest") if raw.shape[1] > window else raw
    width = max(3, int(round(params.baseline_window_s / scan_interval_s)))
    baseline = minimum_filter1d(smooth, width, axis=1)
    maximum_filter1d(baseline, width, axis=1, output=baseline)
    uniform_filter1d(baseline, width, axis=1, output=baseline)
    corrected = np.subtract(smooth, baseline, out=smooth)
    np.maximum(corrected, 0.0, out=corrected)
    return Traces(corrected.T, noise_blocks, block)
