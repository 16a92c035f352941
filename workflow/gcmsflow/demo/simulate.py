"""Simulate a GC-EI-MS study of asparagine-deprived and control cells, with its truth.

Everything here is modelled, not copied from any library: EI spectra are built from the
quantifier and qualifier ions of ``resources/demo_metabolites.tsv`` plus TMS ions, isotopes
and seeded random fragments; peaks are exponentially modified Gaussians; runs carry
retention drift, sensitivity drift over injection order, dilution differences, column bleed,
counting noise and an intensity threshold. The same seed gives the same bytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import erfc

from ..core.rawscans import RawScans
from ..core.tables import write_tsv
from ..io.andi import write_andi
from ..io.msp import MspEntry, write_msp

METABOLITES = resources.files(__package__) / "demo_metabolites.tsv"
ALKANE_CARBONS = range(10, 33)
CASE, CONTROL = "asn_deprived", "control"
DISTRACTORS = [
    ("sorbitol", "6TMS", 1925, 6), ("mannitol", "6TMS", 1918, 6), ("galactose", "MeOX 5TMS", 1895, 5),
    ("ribose", "MeOX 4TMS", 1660, 4), ("xylose", "MeOX 4TMS", 1642, 4), ("glycolate", "2TMS", 1080, 2),
    ("malonate", "2TMS", 1210, 2), ("2-hydroxyglutarate", "3TMS", 1590, 3), ("itaconate", "2TMS", 1345, 2),
    ("cis-aconitate", "3TMS", 1745, 3), ("histidine", "3TMS", 2170, 3), ("tryptophan", "3TMS", 2220, 3),
    ("hypoxanthine", "2TMS", 1805, 2), ("uridine", "3TMS", 2460, 3), ("thymine", "2TMS", 1410, 2),
    ("nicotinamide", "1TMS", 1465, 1), ("taurine", "3TMS", 1705, 3), ("creatinine", "3TMS", 1545, 3),
    ("homoserine", "3TMS", 1455, 3), ("spermidine", "5TMS", 2240, 5), ("glucose-6-phosphate", "MeOX 6TMS", 2330, 6),
    ("trehalose", "8TMS", 2720, 8), ("maltose", "MeOX 8TMS", 2750, 8), ("adenine", "2TMS", 1870, 2),
]


@dataclass(frozen=True)
class Design:
    """Study layout: samples per group, a pooled QC after every ``qc_every`` samples, one blank, one ladder."""

    per_group: int = 6
    qc_every: int = 3
    scan_hz: float = 4.0
    rt_start_s: float = 250.0
    rt_end_s: float = 1400.0
    seed: int = 20261122


def rt_of_ri(ri: np.ndarray | float) -> np.ndarray:
    """Nominal retention time (s) of a retention index under the demo oven programme (15 °C/min-like)."""
    x = np.asarray(ri, dtype=np.float64) - 1000.0
    return 300.0 + 0.50 * x - 0.000012 * x * x


def _rng(*keys: object) -> np.random.Generator:
    """A generator seeded by stable hashes of ``keys`` (Python's ``hash`` is salted per process)."""
    return np.random.default_rng([zlib.crc32(str(k).encode()) for k in keys])


def _add(spec: dict[int, float], mz: int, value: float) -> None:
    if 50 <= mz <= 600:
        spec[mz] = spec.get(mz, 0.0) + value


def tms_spectrum(row: pd.Series, seed: int) -> dict[int, float]:
    """Model EI spectrum of a TMS derivative (base peak 1.0), deterministic per name and seed."""
    rng = _rng(seed, row.metabolite, row.derivative)
    spec: dict[int, float] = {}
    mass, n_tms = int(row.nominal_mass), int(row.n_tms)
    _add(spec, int(row.quant_mz), 1.0)
    for k, q in enumerate(int(q) for q in str(row.qualifier_mz).split(";")):
        _add(spec, q, 0.7 * 0.75**k * rng.uniform(0.8, 1.2))
    if n_tms:
        _add(spec, 73, rng.uniform(0.5, 1.4))
        _add(spec, 75, rng.uniform(0.08, 0.2))
    if n_tms >= 2:
        _add(spec, 147, rng.uniform(0.1, 0.5))
    if mass - 15 not in spec:
        _add(spec, mass - 15, rng.uniform(0.02, 0.12))
    _add(spec, mass, 0.01)
    for mz in rng.integers(50, min(mass, 600) + 1, size=int(rng.integers(8, 16))):
        _add(spec, int(mz), rng.uniform(0.01, 0.12))
    si = min(n_tms, 3)
    for mz, value in sorted(spec.items()):
        if value > 0.05:
            _add(spec, mz + 1, value * (0.09 + 0.05 * si))
            _add(spec, mz + 2, value * 0.04 * si)
    top = max(spec.values())
    return {mz: v / top for mz, v in spec.items()}


def alkane_spectrum(carbons: int) -> dict[int, float]:
    """Model EI spectrum of the n-alkane CnH2n+2: the CnH2n+1 series from m/z 57, weak M+."""
    mass = 14 * carbons + 2
    spec: dict[int, float] = {}
    series = [1.0, 0.7, 0.45, 0.15, 0.09]
    for k, mz in enumerate(range(57, mass - 28, 14)):
        _add(spec, mz, series[k] if k < len(series) else 0.06 * 0.85 ** (k - len(series)))
        _add(spec, mz - 2, 0.18 * 0.6**k)
    _add(spec, mass, 0.015)
    for mz, value in sorted(spec.items()):
        _add(spec, mz + 1, value * 0.011 * (mz // 14))
    return spec


def bleed_spectrum() -> dict[int, float]:
    """Polysiloxane column bleed ions."""
    return {207: 1.0, 208: 0.2, 209: 0.1, 281: 0.6, 282: 0.15, 73: 0.4, 355: 0.2, 356: 0.06}


def emg(t: np.ndarray, apex_guess: float, sigma: float, tau: float) -> np.ndarray:
    """Exponentially modified Gaussian of unit height, with its maximum near ``apex_guess``."""
    mu = apex_guess - 0.6 * tau
    z = (t - mu) / sigma
    arg = sigma / tau - z
    y = 0.5 / tau * np.exp(0.5 * (sigma / tau) ** 2 - (t - mu) / tau) * erfc(arg / np.sqrt(2.0))
    top = y.max(initial=0.0)
    return y / top if top > 0 else y


def load_compounds(path: Path | Traversable = METABOLITES) -> pd.DataFrame:
    """The demo compound table with an id and a library-style name per derivative."""
    with path.open() as handle:
        table = pd.read_csv(handle, sep="\t")
    table["compound_id"] = [f"C{i + 1:02d}" for i in range(len(table))]
    table["name"] = [f"{m[0].upper()}{m[1:]}, {d}" for m, d in zip(table.metabolite, table.derivative)]
    return table


def design_runs(design: Design) -> pd.DataFrame:
    """Sample sheet rows in injection order: ladder, blank, then block-randomised sample pairs with QCs."""
    rng = _rng(design.seed, "order")
    pairs = [[(f"ctrl{i + 1:02d}", CONTROL), (f"asn{i + 1:02d}", CASE)] for i in rng.permutation(design.per_group)]
    samples = [pair[k] for pair in pairs for k in rng.permutation(2)]
    runs = [("alkanes01", "alkane", "alkane"), ("blank01", "blank", "blank")]
    n_qc = 0
    for k, (name, group) in enumerate(samples):
        if k % design.qc_every == 0:
            n_qc += 1
            runs.append((f"qc{n_qc:02d}", "pool", "qc"))
        runs.append((name, group, "sample"))
    runs.append((f"qc{n_qc + 1:02d}", "pool", "qc"))
    sheet = pd.DataFrame(runs, columns=["sample", "group", "type"])
    sheet.insert(1, "file", [f"raw/{s}.cdf" for s in sheet["sample"]])
    sheet["batch"] = 1
    sheet["injection_order"] = np.arange(1, len(sheet) + 1)
    return sheet


def true_amounts(compounds: pd.DataFrame, sheet: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Quant-ion apex heights (counts) per compound and run, before instrument effects."""
    base = 10.0 ** compounds.log10_height.to_numpy() * compounds.form_share.to_numpy()
    metabolite = compounds.metabolite.to_numpy()
    kinds = sheet["type"].to_numpy()
    study = np.flatnonzero(kinds == "sample")
    matrix = np.zeros((len(compounds), len(sheet)))
    for j in study:
        sample, group = sheet["sample"].iat[j], sheet["group"].iat[j]
        rng = _rng(seed, "bio", sample)
        biomass = (0.7 if group == CASE else 1.0) * rng.lognormal(0.0, 0.08)
        effect = 2.0 ** (compounds.log2fc.to_numpy() * (group == CASE))
        matrix[:, j] = base * effect * biomass * rng.lognormal(0.0, 0.15, size=base.size)
        share = _rng(seed, "pyro", sample).uniform(0.05, 0.3)
        gln, glu = matrix[metabolite == "glutamine", j].sum(), matrix[metabolite == "glutamate", j].sum()
        matrix[metabolite == "pyroglutamate", j] += share * gln + 0.03 * glu
    pooled = matrix[:, study].mean(axis=1)
    matrix[:, kinds == "qc"] = pooled[:, None]
    matrix[:, kinds == "blank"] = (pooled * compounds.blank_share.to_numpy())[:, None]
    for j in np.flatnonzero(np.isin(kinds, ["sample", "qc", "blank"])):
        spike = _rng(seed, "spike", sheet["sample"].iat[j]).lognormal(0.0, 0.04)
        matrix[metabolite == "ribitol", j] = base[metabolite == "ribitol"] * spike
    return pd.DataFrame(matrix, index=compounds.compound_id, columns=sheet["sample"])


def simulate_run(
    run: pd.Series, compounds: pd.DataFrame, amounts: pd.Series, spectra: list[dict[int, float]], design: Design, n_runs: int
) -> tuple[RawScans, pd.DataFrame]:
    """Scans of one injection and its truth rows (compound, apex RT, quant height and area)."""
    rng = _rng(design.seed, "run", run["sample"])
    order = int(run["injection_order"])
    times = np.arange(design.rt_start_s, design.rt_end_s, 1.0 / design.scan_hz)
    mz_axis = np.arange(50, 601)
    signal = np.zeros((times.size, mz_axis.size))
    # retention drifts 0.05 s per injection in sequences of up to 20 runs, 1 s over longer ones
    shift_s = rng.normal(0.0, 0.6) + 0.05 * order * min(1.0, 20.0 / n_runs)
    stretch = 1.0 + rng.normal(0.0, 0.0008)
    injection = rng.lognormal(0.0, 0.08)
    truth = []
    if run["type"] == "alkane":
        entries = [(f"alkane_C{n}", 100.0 * n, 2.0e4 * rng.lognormal(0, 0.1), alkane_spectrum(n), 57) for n in ALKANE_CARBONS]
    else:
        entries = []
        for k, row in enumerate(compounds.itertuples()):
            amount = amounts[row.compound_id]
            if amount <= 0:
                continue
            drift = np.exp(-_rng(design.seed, "drift", row.compound_id).uniform(0.1, 0.35) * order / n_runs)
            height = amount * injection * drift * rng.lognormal(0.0, row.analytical_cv)
            entries.append((row.compound_id, row.ri, height, spectra[k], int(row.quant_mz)))
    for compound_id, ri, height, spec, quant in entries:
        apex = float(rt_of_ri(ri)) * stretch + shift_s
        sigma = 0.8 + 0.0004 * (apex - design.rt_start_s)
        lo, hi = np.searchsorted(times, [apex - 8 * sigma, apex + 12 * sigma])
        profile = emg(times[lo:hi], apex, sigma, 0.5)
        ions = np.array(sorted(spec))
        weights = np.array([spec[m] for m in ions]) / spec[quant]
        signal[lo:hi, ions - 50] += height * np.outer(profile, weights)
        truth.append((compound_id, apex, height, height * profile.sum() / design.scan_hz))
    bleed = 3000.0 * np.exp((times - design.rt_end_s) / 250.0)
    for mz, value in bleed_spectrum().items():
        signal[:, mz - 50] += bleed * value
    counts = rng.poisson(signal) + rng.normal(0.0, 12.0, size=signal.shape)
    counts[counts < 40.0] = 0.0
    scan_idx, mz_idx = np.nonzero(counts)
    mass = mz_axis[mz_idx] + 0.00025 * mz_axis[mz_idx] - 0.02
    point_count = np.bincount(scan_idx, minlength=times.size)
    raw = RawScans.in_scan_order(
        times_s=times,
        point_count=point_count,
        mass=mass.astype(np.float32),
        intensity=counts[scan_idx, mz_idx].astype(np.float32),
        instrument="gcmsflow simulated GC-EI-MS",
    )
    rows = pd.DataFrame(truth, columns=["compound_id", "rt_s", "quant_height", "quant_area"])
    rows.insert(0, "sample", run["sample"])
    return raw, rows


def library_entries(compounds: pd.DataFrame, spectra: list[dict[int, float]], seed: int) -> list[MspEntry]:
    """Demo MSP library: perturbed model spectra of in-library compounds plus modelled distractors."""
    entries = []
    for k, row in enumerate(compounds.itertuples()):
        if not row.in_library:
            continue
        rng = _rng(seed, "library", row.compound_id)
        entries.append(_library_entry(row.name, spectra[k], row.ri + rng.normal(0, 4), f"SIM{k + 1:05d}", rng))
    for j, (metabolite, derivative, ri, n_tms) in enumerate(DISTRACTORS):
        rng = _rng(seed, "distractor", metabolite)
        qualifiers = rng.choice(np.arange(90, 420), size=3, replace=False)
        row = pd.Series(
            {"metabolite": metabolite, "derivative": derivative, "quant_mz": int(rng.integers(100, 400)),
             "qualifier_mz": ";".join(str(q) for q in qualifiers), "nominal_mass": int(rng.integers(250, 700)),
             "n_tms": n_tms}
        )
        name = f"{metabolite[0].upper()}{metabolite[1:]}, {derivative}"
        entries.append(_library_entry(name, tms_spectrum(row, seed), ri, f"SIM{900 + j:05d}", rng))
    return entries


def _library_entry(name: str, spec: dict[int, float], ri: float, accession: str, rng: np.random.Generator) -> MspEntry:
    mz = np.array(sorted(spec))
    intensity = np.array([spec[m] for m in mz]) * rng.lognormal(0.0, 0.2, size=mz.size)
    intensity[(intensity < 0.02) & (rng.random(mz.size) < 0.5)] = 0.0
    fields = {
        "DB#": accession,
        "RETENTIONINDEX": f"{ri:.0f}",
        "COLUMN": "5%-phenyl (simulated)",
        "COMMENT": "simulated spectrum, gcmsflow demo library; not measured",
    }
    return MspEntry(name, mz, intensity, fields)


def simulate_study(out_dir: str | Path, design: Design = Design()) -> pd.DataFrame:
    """Write raw/*.cdf, samples.tsv, library.msp and truth/*.tsv under ``out_dir``; return the sheet."""
    out = Path(out_dir)
    compounds = load_compounds()
    sheet = design_runs(design)
    amounts = true_amounts(compounds, sheet, design.seed)
    spectra = [tms_spectrum(row, design.seed) for _, row in compounds.iterrows()]
    truth_peaks = []
    for _, run in sheet.iterrows():
        raw, rows = simulate_run(run, compounds, amounts[run["sample"]], spectra, design, len(sheet))
        write_andi(out / run["file"], raw, title=f"gcmsflow simulated run {run['sample']}")
        truth_peaks.append(rows)
    write_msp(library_entries(compounds, spectra, design.seed), out / "library.msp")
    write_tsv(sheet, out / "samples.tsv")
    coelutes = [
        ";".join(compounds.compound_id[(abs(compounds.ri - ri) <= 6) & (compounds.compound_id != cid)])
        for cid, ri in zip(compounds.compound_id, compounds.ri)
    ]
    truth = compounds[["compound_id", "metabolite", "derivative", "name", "ri", "quant_mz", "log2fc", "in_library"]].copy()
    truth["coelutes_with"] = coelutes
    write_tsv(truth, out / "truth" / "compounds.tsv")
    write_tsv(pd.concat(truth_peaks, ignore_index=True), out / "truth" / "peaks.tsv")
    write_tsv(amounts.reset_index(), out / "truth" / "amounts.tsv")
    return sheet
