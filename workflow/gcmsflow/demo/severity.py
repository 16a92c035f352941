"""Study layout and instrument effects of a simulated study, and the named presets.

``default`` is the demo study as it has always been (same seed, same bytes). ``hard`` carries the
effects real sequences have and the demo lacked: several seconds of retention drift between
injections relative to one alkane ladder per batch (a per-run offset and a slow stretch over the
batch), per-compound retention wobble, tailing peaks, single-scan chemical-noise spikes at any m/z,
three batches with their own ladder, offset and response, compounds near the detection limit and
ladder runs holding contaminants besides the alkanes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..core.config import settings_from_json
from ..core.errors import GcmsflowError


@dataclass(frozen=True)
class Design:
    """Study layout: samples per group, a pooled QC after every ``qc_every`` samples, and ``batches``
    batches, each opened by its own alkane ladder run and a blank."""

    per_group: int = 6
    qc_every: int = 3
    scan_hz: float = 4.0
    rt_start_s: float = 250.0
    rt_end_s: float = 1400.0
    seed: int = 20261122
    batches: int = 1
    tracer: str = ""  # e.g. 13C6-glucose: study runs labelled as demo/labelling.py says; '' = unlabelled


@dataclass(frozen=True)
class Severity:
    """Instrument and sequence effects; the defaults are the demo's.

    Retention: each run is shifted by a batch offset (SD ``batch_offset_sd_s``, shared with the
    batch's ladder), its own offset (SD ``run_offset_sd_s``), ``order_drift_s`` per injection
    within the batch, and stretched by a factor 1 + N(0, ``stretch_sd``) + ``stretch_per_run`` x
    position in the batch; each compound wobbles by N(0, ``wobble_sd_s``) per run. Peaks are
    exponentially modified Gaussians with a per-compound tail ``tau_s`` drawn from ``tau_range_s``.
    Intensities: per-batch response factor lognormal(0, ``batch_response_sd``); ``near_lod``
    compounds are diluted to a pooled quant-ion S/N in ``near_lod_snr``; ladder runs hold
    ``ladder_contaminants`` extra components; ``spike_fraction`` of all cells (scan x m/z) get a
    single-scan spike, log-uniform from the threshold to ``spike_max_counts``; column bleed reaches
    ``bleed_counts`` at the end of the run; Poisson counting noise plus Gaussian detector noise
    (SD ``detector_noise``), and centroids below ``threshold_counts`` are dropped.
    """

    run_offset_sd_s: float = 0.6
    batch_offset_sd_s: float = 0.0
    order_drift_s: float = 0.05
    stretch_sd: float = 0.0008
    stretch_per_run: float = 0.0
    wobble_sd_s: float = 0.0
    tau_range_s: tuple[float, float] = (0.5, 0.5)
    batch_response_sd: float = 0.0
    near_lod: int = 0
    near_lod_snr: tuple[float, float] = (6.0, 30.0)
    ladder_contaminants: int = 0
    spike_fraction: float = 0.0
    spike_max_counts: float = 1000.0
    bleed_counts: float = 3000.0
    detector_noise: float = 12.0
    threshold_counts: float = 40.0


HARD = Severity(
    run_offset_sd_s=1.0,
    batch_offset_sd_s=3.0,
    order_drift_s=0.1,
    stretch_per_run=0.0002,
    wobble_sd_s=0.5,
    tau_range_s=(0.2, 1.0),
    batch_response_sd=0.25,
    near_lod=8,
    ladder_contaminants=60,
    spike_fraction=0.03,
    bleed_counts=6000.0,
)
PRESETS: dict[str, tuple[Design, Severity]] = {
    "default": (Design(), Severity()),
    "hard": (Design(batches=3), HARD),
}


def preset(name: str, severity_json: str | None = None, **design: float | None) -> tuple[Design, Severity]:
    """The layout and effects of preset ``name``; ``design`` keys that are not None and the JSON
    object ``severity_json`` (e.g. ``{"spike_fraction": 0.05}``) override the preset's values."""
    if name not in PRESETS:
        raise GcmsflowError("--preset", f"unknown preset '{name}' (known: {', '.join(PRESETS)})")
    layout, effects = PRESETS[name]
    layout = dataclasses.replace(layout, **{k: v for k, v in design.items() if v is not None})
    effects = settings_from_json(severity_json or "", Severity, "--severity", base=effects)
    if layout.batches < 1 or layout.per_group < layout.batches:
        raise GcmsflowError("--batches", f"{layout.batches} batches for {layout.per_group} samples per group (need 1 to per-group)")
    return layout, effects
