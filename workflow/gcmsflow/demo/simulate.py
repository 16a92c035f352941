"""Simulate a GC-EI-MS study of asparagine-deprived and control cells, with its truth.

EI spectra are modelled from the quantifier and qualifier ions of ``demo_metabolites.tsv`` plus TMS
ions, isotopes and seeded random fragments, or, given a MassBank MSP file, taken from its records
for the compounds it holds (``massbank.py``); peaks are exponentially modified Gaussians; runs carry
retention drift, sensitivity drift over injection order, dilution differences, column bleed,
counting noise and an intensity threshold, and, as a ``Severity`` sets them (``severity.py``),
batches, tailing, wobble, spikes, contaminated ladders and compounds near the detection limit.
The same seed and settings give the same bytes.
"""

from __future__ import annotations

import dataclasses
import json
import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.atomic import write_text
from ..core.errors import GcmsflowError
from ..core.tables import write_tsv
from ..io.andi import write_andi
from ..io.msp import write_msp
from ..tracing.fragments import Fragment
from .calibration import IS_SHARE, N_LEVELS, calibration_series, run_spikes, standard_shifts, with_calibrants
from .labelling import LABELLING, compound_fragments, fragment_isotopologues, with_clusters
from .library import DISTRACTORS, library_entries, library_name
from .massbank import RealSpectrum, quant_ion, read_massbank
from .runs import RUN_COLUMNS, BatchEffects, Contaminant, design_runs, near_lod_scale, rt_of_ri, simulate_run, true_amounts
from .severity import Design, Severity
from .spectra import alkane_spectrum, contaminant_spectrum, stable_rng, tms_spectrum

__all__ = ["Design", "Severity", "alkane_spectrum", "design_runs", "load_compounds", "rt_of_ri", "simulate_study", "tms_spectrum"]
METABOLITES = resources.files(__package__) / "demo_metabolites.tsv"


def load_compounds(path: Path | Traversable = METABOLITES) -> pd.DataFrame:
    """The demo compound table with an id and a library-style name per derivative."""
    with path.open() as handle:
        table = pd.read_csv(handle, sep="\t")
    table["compound_id"] = [f"C{i + 1:02d}" for i in range(len(table))]
    table["name"] = [library_name(m, d) for m, d in zip(table.metabolite, table.derivative)]
    return table


def ladder_contaminants(n: int, seed: int) -> list[Contaminant]:
    """``n`` contaminants every ladder run of the study holds, at RI 1050-3150 with base-peak apex
    heights log-uniform over 2,000-40,000 counts (the alkanes' range)."""
    rng = stable_rng(seed, "ladder contaminants")
    out = []
    for i in range(n):
        kind, spectrum = contaminant_spectrum(i, seed)
        ri, height = rng.uniform(1050.0, 3150.0), float(np.exp(rng.uniform(np.log(2e3), np.log(4e4))))
        out.append(Contaminant(f"contaminant_{i + 1:02d}", kind, ri, height, spectrum, max(spectrum, key=spectrum.get)))
    return out


def batch_effects(sheet: pd.DataFrame, severity: Severity, seed: int) -> dict[int, BatchEffects]:
    """Each batch's retention offset (s), response factor and run count."""
    effects = {}
    for batch, n_runs in sheet["batch"].value_counts(sort=False).items():
        rng = stable_rng(seed, "batch", batch)
        offset, response = rng.normal(0.0, severity.batch_offset_sd_s), rng.lognormal(0.0, severity.batch_response_sd)
        effects[batch] = BatchEffects(offset, response, int(n_runs))
    return effects


def study_spectra(
    compounds: pd.DataFrame, seed: int, massbank: str | os.PathLike | None
) -> tuple[list[dict[int, float]], dict[str, RealSpectrum], dict[str, RealSpectrum]]:
    """Per compound its spectrum (MassBank's where ``massbank`` holds one, else modelled), setting
    ``quant_mz`` to one the real spectrum has; the real records by compound id and by distractor."""
    spectra = [tms_spectrum(row, seed) for _, row in compounds.iterrows()]
    if massbank is None:
        return spectra, {}, {}
    records = read_massbank(massbank)
    real = {}
    for k, row in enumerate(compounds.itertuples()):
        record = records.get((row.metabolite, row.derivative))
        if record is not None:
            spectra[k] = record.spectrum
            compounds.loc[k, "quant_mz"] = quant_ion(record.spectrum, int(row.quant_mz))
            real[row.compound_id] = record
    distractors = {m: records[(m, d)] for m, d, _, _ in DISTRACTORS if (m, d) in records}
    return spectra, real, distractors


def simulate_study(
    out_dir: str | Path, design: Design = Design(), severity: Severity = Severity(), massbank: str | os.PathLike | None = None,
    calibration: bool = False,
) -> pd.DataFrame:
    """Write raw/*.cdf, samples.tsv, library.msp and truth/*.tsv under ``out_dir``; return the sheet.

    ``massbank``: an MSP file of MassBank records whose spectra replace the modelled ones (and are
    the library's, perturbed) for the compounds it holds. ``calibration``: add a calibration series,
    a labelled standard per analyte in every injection, ``cells`` per sample, standards.tsv and the
    true amounts (``calibration.py``).
    """
    out = Path(out_dir)
    if design.tracer and design.tracer not in LABELLING:
        raise GcmsflowError("--tracer", f"the simulator models {', '.join(LABELLING)}, not '{design.tracer}'")
    compounds = load_compounds()
    sheet = with_calibrants(design_runs(design), design.seed) if calibration else design_runs(design)
    amounts = true_amounts(compounds, sheet, design.seed)
    dilution = near_lod_scale(compounds, amounts, sheet, severity, design.seed)
    if (dilution != 1.0).any():
        amounts = amounts.mul(dilution, axis=0)
    spectra, real, real_distractors = study_spectra(compounds, design.seed, massbank)
    fragments = compound_fragments(compounds)
    natural = [with_clusters(spec, fragments.get(k, []), "", "") for k, spec in enumerate(spectra)]
    spikes, yields = {}, None
    if calibration:
        amounts, spikes, yields, standards, truth = calibration_series(compounds, amounts, sheet, natural)
        write_tsv(standards, out / "standards.tsv")
        write_tsv(truth, out / "truth" / "concentrations.tsv")
    if design.tracer:
        sheet["tracer"] = np.where(sheet["type"].isin(["sample", "qc"]), design.tracer, "")
    low, high = severity.tau_range_s
    taus = np.array([stable_rng(design.seed, "tau", c).uniform(low, high) if high > low else low for c in compounds.compound_id])
    contaminants = ladder_contaminants(severity.ladder_contaminants, design.seed)
    batches = batch_effects(sheet, severity, design.seed)
    truth_peaks, truth_runs, position = [], [], {b: 0 for b in batches}
    for _, run in sheet.iterrows():
        position[run["batch"]] += 1
        tracer = run.get("tracer", "")
        labelled = [with_clusters(spec, fragments.get(k, []), tracer, run["group"]) for k, spec in enumerate(spectra)] if tracer else natural
        raw, rows, run_row = simulate_run(run, compounds, amounts[run["sample"]], labelled, taus, contaminants, design, severity,
                                          batches[run["batch"]], position[run["batch"]], len(sheet), None if run["type"] == "alkane" else run_spikes(spikes, yields, run["sample"]) if spikes else {})
        write_andi(out / run["file"], raw, title=f"gcmsflow simulated run {run['sample']}")
        truth_peaks.append(rows)
        truth_runs.append(run_row)
    write_msp(library_entries(compounds, natural, design.seed, real, real_distractors), out / "library.msp")
    write_tsv(sheet, out / "samples.tsv")
    write_truth(out / "truth", compounds, amounts, truth_peaks, truth_runs, taus, dilution, real, contaminants)
    if design.tracer:
        write_tsv(true_isotopologues(sheet, compounds, fragments, design.tracer), out / "truth" / "isotopologues.tsv")
    settings = {"design": dataclasses.asdict(design), "severity": dataclasses.asdict(severity),
                "spectra": f"MassBank ({Path(massbank).name})" if massbank is not None else "modelled"}
    if calibration:
        settings["calibration"] = {"levels": N_LEVELS, "internal_standards": standard_shifts(), "is_share_of_pooled": IS_SHARE}
    write_text(out / "truth" / "settings.json", json.dumps(settings, indent=1, sort_keys=True) + "\n")
    return sheet


def true_isotopologues(sheet: pd.DataFrame, compounds: pd.DataFrame, fragments: dict[int, list[Fragment]], tracer: str) -> pd.DataFrame:
    """truth/isotopologues.tsv: per labelled run and fragment, the true tracer isotopologue fractions."""
    rows = []
    for run in sheet[sheet["tracer"] != ""].itertuples():
        for k, found in fragments.items():
            for fragment in found:
                for i, share in enumerate(fragment_isotopologues(fragment, tracer, run.group)):
                    rows.append((run.sample, fragment.metabolite, fragment.derivative, fragment.fragment_mz, i, share))
    return pd.DataFrame(rows, columns=["sample", "metabolite", "derivative", "fragment_mz", "isotopologue", "fraction"])


def write_truth(
    folder: Path, compounds: pd.DataFrame, amounts: pd.DataFrame, peaks: list[pd.DataFrame], runs: list[tuple], taus_s: np.ndarray,
    dilution: np.ndarray, real: dict[str, RealSpectrum], contaminants: list[Contaminant],
) -> None:
    """compounds.tsv, peaks.tsv (true apex RT and quant height/area per run), amounts.tsv, runs.tsv
    (batch, retention offset and stretch, response per run), effects.tsv (per compound: tail, near
    the detection limit, spectrum source) and contaminants.tsv (ladder-run contaminants)."""
    coelutes = [
        ";".join(compounds.compound_id[(abs(compounds.ri - ri) <= 6) & (compounds.compound_id != cid)])
        for cid, ri in zip(compounds.compound_id, compounds.ri)
    ]
    truth = compounds[["compound_id", "metabolite", "derivative", "name", "ri", "quant_mz", "log2fc", "in_library"]].copy()
    truth["coelutes_with"] = coelutes
    write_tsv(truth, folder / "compounds.tsv")
    write_tsv(pd.concat(peaks, ignore_index=True), folder / "peaks.tsv")
    write_tsv(amounts.reset_index(), folder / "amounts.tsv")
    write_tsv(pd.DataFrame(runs, columns=RUN_COLUMNS), folder / "runs.tsv")
    effects = pd.DataFrame({"compound_id": compounds.compound_id, "tau_s": taus_s, "near_lod": dilution < 1.0, "dilution": dilution,
                            "spectrum": [f"MassBank {real[c].accession}" if c in real else "modelled" for c in compounds.compound_id]})
    write_tsv(effects, folder / "effects.tsv")
    table = pd.DataFrame([(*c[:4], c.base_mz) for c in contaminants], columns=["contaminant_id", "kind", "ri", "base_height", "base_mz"])
    write_tsv(table, folder / "contaminants.tsv")
