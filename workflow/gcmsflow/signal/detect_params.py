"""Detection settings (the ``detect`` block of the configuration)."""

from __future__ import annotations

from dataclasses import dataclass, field

UBIQUITOUS_MZ = (73, 74, 75, 147, 148, 149, 207, 208, 209, 281, 282)


@dataclass(frozen=True)
class DetectParams:
    """Detection settings; times in seconds, windows in scans where named so.

    ``loose_tolerance_scans``: apexes no component claims are perceived again with this tolerance
    (weak compounds' ion apexes scatter). ``noise_window_s``: the run is cut into blocks of this length from its first scan and each ion's
    noise is estimated within each block. ``spike_ratio`` and ``max_spike_width_s``: an excursion
    of at most that width standing ``spike_ratio`` times above both its neighbouring scans (and
    3 noise levels above the higher) is a spike and is flattened before smoothing.
    ``min_prominence``: an ion apex counts only if it stands this share of its height above the
    deeper side's valley (within ``prominence_window_s``): bumps on a tail are not apexes.
    ``min_shape_corr`` over at least ``min_shape_scans`` scans: an ion joins a component only if its
    own part of the signal correlates this well with the component's model peak. Two model peaks at
    most ``twin_scans`` apart with spectra alike to ``twin_cosine`` are one compound: one is kept.
    """

    smooth_window_scans: int = 5
    baseline_window_s: float = 30.0
    min_ion_sn: float = 5.0
    min_component_ions: int = 3
    min_sn: float = 5.0
    apex_tolerance_scans: float = 1.5
    perceive_sigma_scans: float = 0.4
    loose_tolerance_scans: float = 3.0
    noise_window_s: float = 60.0
    spike_ratio: float = 2.0
    max_spike_width_s: float = 0.8
    min_prominence: float = 0.3
    prominence_window_s: float = 10.0
    min_shape_corr: float = 0.8
    min_shape_scans: int = 4
    twin_scans: int = 2
    twin_cosine: float = 0.9
    avoid_quant_mz: tuple[int, ...] = field(default=UBIQUITOUS_MZ)
