"""The simulated sequence: run order, true amounts, and the scans of one injection with its truth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.rawscans import RawScans
from .severity import Design, Severity
from .spectra import MZ_FIRST, MZ_LAST, alkane_spectrum, bleed_spectrum, emg, stable_rng

ALKANE_CARBONS = range(10, 33)
CASE, CONTROL = "asn_deprived", "control"
RUN_COLUMNS = ["sample", "batch", "type", "position_in_batch", "offset_s", "stretch", "response"]


def rt_of_ri(ri: np.ndarray | float) -> np.ndarray:
    """Nominal retention time (s) of a retention index under the demo oven programme (15 °C/min-like)."""
    x = np.asarray(ri, dtype=np.float64) - 1000.0
    return 300.0 + 0.50 * x - 0.000012 * x * x


def design_runs(design: Design) -> pd.DataFrame:
    """Sample sheet rows in injection order: per batch a ladder and a blank, then the batch's share
    of the block-randomised sample pairs with a pooled QC before every ``qc_every`` samples and at the end."""
    rng = stable_rng(design.seed, "order")
    pairs = [[(f"ctrl{i + 1:02d}", CONTROL), (f"asn{i + 1:02d}", CASE)] for i in rng.permutation(design.per_group)]
    samples = [pair[k] for pair in pairs for k in rng.permutation(2)]
    runs, n_qc = [], 0
    for batch, chunk in enumerate(np.array_split(np.arange(len(pairs)), design.batches), start=1):
        runs += [(f"alkanes{batch:02d}", "alkane", "alkane", batch), (f"blank{batch:02d}", "blank", "blank", batch)]
        for k, (name, group) in enumerate(samples[2 * chunk[0] : 2 * (chunk[-1] + 1)]):
            if k % design.qc_every == 0:
                n_qc += 1
                runs.append((f"qc{n_qc:02d}", "pool", "qc", batch))
            runs.append((name, group, "sample", batch))
        n_qc += 1
        runs.append((f"qc{n_qc:02d}", "pool", "qc", batch))
    sheet = pd.DataFrame(runs, columns=["sample", "group", "type", "batch"])
    sheet.insert(1, "file", [f"raw/{s}.cdf" for s in sheet["sample"]])
    sheet["injection_order"] = np.arange(1, len(sheet) + 1)
    return sheet


def sample_biomass(seed: int, sample: str, group: str) -> tuple[np.random.Generator, float]:
    """A study sample's random stream and its biomass factor (1 = a control extract of 10^6 cells on average)."""
    rng = stable_rng(seed, "bio", sample)
    return rng, (0.7 if group == CASE else 1.0) * rng.lognormal(0.0, 0.08)


def true_amounts(compounds: pd.DataFrame, sheet: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Quant-ion apex heights (counts) per compound and run, before instrument effects."""
    base = 10.0 ** compounds.log10_height.to_numpy() * compounds.form_share.to_numpy()
    metabolite = compounds.metabolite.to_numpy()
    kinds = sheet["type"].to_numpy()
    study = np.flatnonzero(kinds == "sample")
    matrix = np.zeros((len(compounds), len(sheet)))
    for j in study:
        sample, group = sheet["sample"].iat[j], sheet["group"].iat[j]
        rng, biomass = sample_biomass(seed, sample, group)
        effect = 2.0 ** (compounds.log2fc.to_numpy() * (group == CASE))
        matrix[:, j] = base * effect * biomass * rng.lognormal(0.0, 0.15, size=base.size)
        share = stable_rng(seed, "pyro", sample).uniform(0.05, 0.3)
        gln, glu = matrix[metabolite == "glutamine", j].sum(), matrix[metabolite == "glutamate", j].sum()
        matrix[metabolite == "pyroglutamate", j] += share * gln + 0.03 * glu
    pooled = matrix[:, study].mean(axis=1)
    matrix[:, kinds == "qc"] = pooled[:, None]
    matrix[:, kinds == "blank"] = (pooled * compounds.blank_share.to_numpy())[:, None]
    for j in np.flatnonzero(np.isin(kinds, ["sample", "qc", "blank"])):
        spike = stable_rng(seed, "spike", sheet["sample"].iat[j]).lognormal(0.0, 0.04)
        matrix[metabolite == "ribitol", j] = base[metabolite == "ribitol"] * spike
    return pd.DataFrame(matrix, index=compounds.compound_id, columns=sheet["sample"])


def near_lod_scale(compounds: pd.DataFrame, amounts: pd.DataFrame, sheet: pd.DataFrame, severity: Severity, seed: int) -> np.ndarray:
    """Per-compound dilution that brings ``severity.near_lod`` seeded compounds (never the internal
    standard ribitol nor asparagine) to a pooled quant-ion apex S/N log-uniform in ``near_lod_snr``."""
    scale = np.ones(len(compounds))
    eligible = np.flatnonzero(~compounds["metabolite"].isin(["ribitol", "asparagine"]).to_numpy())
    if severity.near_lod <= 0 or eligible.size == 0:
        return scale
    rng = stable_rng(seed, "near_lod")
    chosen = np.sort(rng.choice(eligible, size=min(severity.near_lod, eligible.size), replace=False))
    snr = np.exp(rng.uniform(*np.log(severity.near_lod_snr), size=chosen.size))
    pooled = amounts.loc[:, (sheet["type"] == "sample").to_numpy()].mean(axis=1).to_numpy()
    scale[chosen] = np.minimum(1.0, snr * severity.detector_noise / pooled[chosen])
    return scale


@dataclass(frozen=True)
class Component:
    """One chromatographic component of a run: truth id, nominal RI, apex height of ``quant_mz``
    (counts), spectrum, EMG tail (s) and the run's compound-specific retention wobble (s)."""

    compound_id: str
    ri: float
    height: float
    spectrum: dict[int, float]
    quant_mz: int
    tau_s: float
    wobble_s: float = 0.0


class Spike(NamedTuple):
    """A labelled internal standard added to a run: apex height of its quant ion (counts, before effects), spectrum, quant ion."""

    name: str
    height: float
    spectrum: dict[int, float]
    quant_mz: int


class Contaminant(NamedTuple):
    """A component every ladder run of a study holds besides the alkanes (apex height of ``base_mz``, counts)."""

    contaminant_id: str
    kind: str
    ri: float
    base_height: float
    spectrum: dict[int, float]
    base_mz: int


@dataclass(frozen=True)
class BatchEffects:
    """A batch's retention offset (s, shared by its ladder), response factor and its run count."""

    offset_s: float = 0.0
    response: float = 1.0
    n_runs: int = 1


def run_components(
    run: pd.Series, compounds: pd.DataFrame, amounts: pd.Series, spectra: list[dict[int, float]], taus_s: np.ndarray,
    contaminants: list[Contaminant], design: Design, severity: Severity,
    n_runs: int, rng: np.random.Generator, injection: float, spikes: Mapping[int, Spike],
) -> list[Component]:
    """The components of one run: alkanes (and contaminants) in a ladder run, else the compounds present and the
    labelled standards spiked (``spikes``: compound row -> its standard)."""
    order = int(run["injection_order"])
    if run["type"] == "alkane":
        out = [Component(f"alkane_C{n}", 100.0 * n, 2.0e4 * rng.lognormal(0, 0.1), alkane_spectrum(n), 57, severity.tau_range_s[0])
               for n in ALKANE_CARBONS]
        mine = stable_rng(design.seed, "contaminants", run["sample"])
        return out + [Component(c.contaminant_id, c.ri, c.base_height * mine.lognormal(0.0, 0.2), c.spectrum, c.base_mz,
                                mine.uniform(*severity.tau_range_s)) for c in contaminants]
    wobble = (stable_rng(design.seed, "wobble", run["sample"]).normal(0.0, severity.wobble_sd_s, size=len(compounds))
              if severity.wobble_sd_s > 0 else np.zeros(len(compounds)))
    out = []
    for k, row in enumerate(compounds.itertuples()):
        amount, spike = amounts[row.compound_id], spikes.get(k)
        if amount <= 0 and spike is None:
            continue
        drift = np.exp(-stable_rng(design.seed, "drift", row.compound_id).uniform(0.1, 0.35) * order / n_runs)
        factor = injection * drift * rng.lognormal(0.0, row.analytical_cv)
        if amount > 0:
            out.append(Component(row.compound_id, row.ri, amount * factor, spectra[k], int(row.quant_mz), float(taus_s[k]), float(wobble[k])))
        if spike is not None:  # a labelled standard shares its analyte's retention, injection, drift and noise
            out.append(Component(spike.name, row.ri, spike.height * factor, spike.spectrum, spike.quant_mz, float(taus_s[k]), float(wobble[k])))
    return out


def simulate_run(
    run: pd.Series, compounds: pd.DataFrame, amounts: pd.Series, spectra: list[dict[int, float]], taus_s: np.ndarray,
    contaminants: list[Contaminant], design: Design, severity: Severity,
    batch: BatchEffects, position: int, n_runs: int, spikes: Mapping[int, Spike] | None = None,
) -> tuple[RawScans, pd.DataFrame, tuple]:
    """Scans of one injection, its truth rows (compound, apex RT, quant height and area) and its
    run-truth row (``RUN_COLUMNS``); ``position`` is the run's place in its batch (1 = first);
    ``spikes``: labelled standards added, by the compound row they label."""
    rng = stable_rng(design.seed, "run", run["sample"])
    times = np.arange(design.rt_start_s, design.rt_end_s, 1.0 / design.scan_hz)
    mz_axis = np.arange(MZ_FIRST, MZ_LAST + 1)
    signal = np.zeros((times.size, mz_axis.size))
    # retention drifts order_drift_s per injection in sequences of up to 20 runs, less per run in longer ones
    shift_s = rng.normal(0.0, severity.run_offset_sd_s) + severity.order_drift_s * position * min(1.0, 20.0 / batch.n_runs) + batch.offset_s
    stretch = 1.0 + rng.normal(0.0, severity.stretch_sd) + severity.stretch_per_run * position
    injection = rng.lognormal(0.0, 0.08)
    truth = []
    for c in run_components(run, compounds, amounts, spectra, taus_s, contaminants, design, severity, n_runs, rng, injection, spikes or {}):
        height = c.height * batch.response
        apex = float(rt_of_ri(c.ri)) * stretch + shift_s + c.wobble_s
        sigma = 0.8 + 0.0004 * (apex - design.rt_start_s)
        lo, hi = np.searchsorted(times, [apex - 8 * sigma, apex + 12 * sigma])
        profile = emg(times[lo:hi], apex, sigma, c.tau_s)
        ions = np.array(sorted(c.spectrum))
        weights = np.array([c.spectrum[m] for m in ions]) / c.spectrum[c.quant_mz]
        signal[lo:hi, ions - MZ_FIRST] += height * np.outer(profile, weights)
        truth.append((c.compound_id, apex, height, height * profile.sum() / design.scan_hz))
    bleed = severity.bleed_counts * np.exp((times - design.rt_end_s) / 250.0)
    for mz, value in bleed_spectrum().items():
        signal[:, mz - MZ_FIRST] += bleed * value
    counts = rng.poisson(signal) + rng.normal(0.0, severity.detector_noise, size=signal.shape)
    if severity.spike_fraction > 0:
        spikes = stable_rng(design.seed, "spikes", run["sample"])
        hit = spikes.random(counts.shape) < severity.spike_fraction
        low = max(severity.threshold_counts, 1.0)
        counts[hit] += np.exp(spikes.uniform(np.log(low), np.log(max(severity.spike_max_counts, low)), size=int(hit.sum())))
    counts[counts < severity.threshold_counts] = 0.0
    scan_idx, mz_idx = np.nonzero(counts)
    mass = mz_axis[mz_idx] + 0.00025 * mz_axis[mz_idx] - 0.02
    raw = RawScans.in_scan_order(
        times_s=times,
        point_count=np.bincount(scan_idx, minlength=times.size),
        mass=mass.astype(np.float32),
        intensity=counts[scan_idx, mz_idx].astype(np.float32),
        instrument="gcmsflow simulated GC-EI-MS",
    )
    rows = pd.DataFrame(truth, columns=["compound_id", "rt_s", "quant_height", "quant_area"])
    rows.insert(0, "sample", run["sample"])
    run_row = (run["sample"], run["batch"], run["type"], position, shift_s, stretch, injection * batch.response)
    return raw, rows, run_row
