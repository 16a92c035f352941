"""A calibration series and a labelled internal standard per analyte for the simulated study (``simulate --calibration``).

Each analyte has a response (quant-ion apex counts per nmol in the extract) such that the pooled
sample holds ``REFERENCE_NMOL`` of it; a metabolite's derivative forms share its amount by
``form_share``. Seven calibrant mixes span half the lowest to twice the highest study-sample
amount (log-spaced) and are injected at evenly spaced places in the sequence, levels in seeded
order, with two more blanks. Every injection but the ladders is spiked with each analyte's
13C,15N-labelled standard (``STANDARDS``) at half its pooled amount, in every derivative form: the
analyte's spectrum with the labelled ions shifted (asparagine: every ion from m/z 100 up but the TMS
ions 73 and 147; the others: the quant fragment's isotope cluster), read by the same response,
co-eluting and sharing the form's injection, drift, analytical noise and derivatization yield
(``form_yields``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..tracing.fragments import Fragment
from .labelling import CLUSTER_FLOOR, cluster, compound_fragments
from .runs import Spike, sample_biomass
from .spectra import stable_rng

REFERENCE_NMOL = {"asparagine": 2.0, "aspartate": 3.0, "glutamine": 10.0, "glutamate": 8.0, "serine": 4.0}
N_LEVELS = 7
N_EXTRA_BLANKS = 2
IS_SHARE = 0.5  # labelled standard per injection, as a share of the analyte's pooled amount
UNLABELLED_IONS = (73, 147)
FIRST_LABELLED_MZ = 100
SMALL_CLUSTER = 3  # M0..M+2: the isotope ions of a fragment the fragment table does not hold (``tms_spectrum``)
COELUTION_RI, INTERFERENCE = 6.0, 0.01  # co-eluting as in truth/compounds.tsv; an ion share of a compound's base peak that interferes


class LabelledStandard(NamedTuple):
    """A labelled analyte: its name, the m/z shift of its labelled ions and the fragment carrying it (None: every ion
    from ``FIRST_LABELLED_MZ`` up but ``UNLABELLED_IONS``)."""

    name: str
    shift: int
    fragment_mz: int | None


STANDARDS = {  # the fragments M-117 keep C2-Cn and the nitrogen(s) of the amino acid
    "asparagine": LabelledStandard("asparagine-13C4,15N", 5, None),
    "aspartate": LabelledStandard("aspartate-13C4,15N", 4, 232),
    "glutamine": LabelledStandard("glutamine-13C5,15N2", 6, 245),
    "glutamate": LabelledStandard("glutamate-13C5,15N", 5, 246),
    "serine": LabelledStandard("serine-13C3,15N", 3, 204),
}


def counts_per_nmol(compounds: pd.DataFrame) -> pd.Series:
    """Quant-ion apex counts per nmol of metabolite, per compound row (0 for compounds that are not analytes)."""
    reference = compounds["metabolite"].map(REFERENCE_NMOL)
    return (10.0 ** compounds["log10_height"] * compounds["form_share"] / reference).fillna(0.0)


def true_nmol(compounds: pd.DataFrame, amounts: pd.DataFrame) -> pd.DataFrame:
    """nmol of each analyte in each run's extract (from its most abundant form)."""
    response = counts_per_nmol(compounds).to_numpy()
    rows = {}
    for metabolite in REFERENCE_NMOL:
        forms = np.flatnonzero((compounds["metabolite"] == metabolite).to_numpy())
        main = forms[np.argmax(compounds["form_share"].to_numpy()[forms])]
        rows[metabolite] = amounts.iloc[main].to_numpy() / response[main]
    return pd.DataFrame(rows, index=amounts.columns).T


def level_amounts(compounds: pd.DataFrame, amounts: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """nmol per analyte (rows) and level 1..7 (columns): log-spaced from half the lowest to twice the highest sample, 3 digits."""
    study = true_nmol(compounds, amounts).loc[:, (sheet["type"] == "sample").to_numpy()]
    grid = np.exp(np.linspace(np.log(0.5 * study.min(axis=1)), np.log(2.0 * study.max(axis=1)), N_LEVELS, axis=1))
    rounded = np.vectorize(lambda v: float(f"{v:.3g}"))(grid)
    return pd.DataFrame(rounded, index=study.index, columns=range(1, N_LEVELS + 1))


def with_calibrants(sheet: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The sheet with a ``cells`` column (10^6 x biomass, study samples), calibrant runs cal01..cal07 (levels in seeded
    order) and ``N_EXTRA_BLANKS`` more blanks (for a blank-based LOD), evenly spread after the first blank; injection order renumbered."""
    levels = stable_rng(seed, "calibrant order").permutation(N_LEVELS) + 1
    added = [{"sample": f"cal{k + 1:02d}", "group": "calibrant", "type": "calibrant", "level": int(level)} for k, level in enumerate(levels)]
    for k in range(N_EXTRA_BLANKS):
        added.insert(3 * k + 3, {"sample": f"blankq{k + 1:02d}", "group": "blank", "type": "blank"})
    head = int(np.flatnonzero(sheet["type"].to_numpy() == "blank")[0]) + 1
    rest = sheet.iloc[head:]
    places = np.linspace(0, len(rest), len(added), endpoint=False).round().astype(int)
    pieces, start = [sheet.iloc[:head]], 0
    for run, place in zip(added, places):
        pieces.append(rest.iloc[start:place])
        pieces.append(pd.DataFrame([{**run, "file": f"raw/{run['sample']}.cdf", "batch": rest["batch"].iloc[min(place, len(rest) - 1)]}]))
        start = place
    pieces.append(rest.iloc[start:])
    out = pd.concat(pieces, ignore_index=True)
    out["injection_order"] = np.arange(1, len(out) + 1)
    out["level"] = out["level"].astype("Int64")
    out["cells"] = [1e6 * sample_biomass(seed, r.sample, r.group)[1] if r.type == "sample" else np.nan for r in out.itertuples()]
    return out


def calibrant_amounts(compounds: pd.DataFrame, levels: pd.DataFrame, sheet: pd.DataFrame, amounts: pd.DataFrame) -> pd.DataFrame:
    """``amounts`` with the calibrant runs' columns: each form's height at its metabolite's level amount, nothing else."""
    response = counts_per_nmol(compounds).to_numpy()
    out = amounts.reindex(columns=sheet["sample"], fill_value=0.0)
    for run in sheet.itertuples():
        if run.type == "calibrant":
            nmol = compounds["metabolite"].map(levels[int(run.level)]).fillna(0.0).to_numpy()
            out[run.sample] = response * nmol
    return out


def labelled_ions(spectrum: dict[int, float], standard: LabelledStandard, fragments: list[Fragment]) -> set[int]:
    """The ions of ``spectrum`` that carry the label: every ion from ``FIRST_LABELLED_MZ`` up but the TMS ions, or the
    fragment's isotope cluster (its natural cluster as ``with_clusters`` writes it when the fragment table holds it)."""
    if standard.fragment_mz is None:
        return {mz for mz in spectrum if mz >= FIRST_LABELLED_MZ and mz not in UNLABELLED_IONS}
    span = SMALL_CLUSTER
    for fragment in fragments:
        if fragment.fragment_mz == standard.fragment_mz:
            natural = cluster(fragment, "C", np.eye(fragment.tracer_atoms("C") + 1)[0])
            span = int(np.flatnonzero(natural >= CLUSTER_FLOOR * natural[0])[-1]) + 1
    return {mz for mz in range(standard.fragment_mz, standard.fragment_mz + span) if mz in spectrum}


def labelled_spikes(compounds: pd.DataFrame, spectra: list[dict[int, float]]) -> dict[int, Spike]:
    """Per compound row of an analyte (every derivative form) its labelled standard: the form's spectrum with the labelled
    ions moved by the standard's shift, ``IS_SHARE`` of the pooled amount at the form's response, named
    ``<standard> <derivative>``; its quant ion is the form's, shifted when labelled."""
    response = counts_per_nmol(compounds)
    fragments = compound_fragments(compounds)
    out = {}
    for k, row in enumerate(compounds.itertuples()):
        standard = STANDARDS.get(row.metabolite)
        if standard is None:
            continue
        moved = labelled_ions(spectra[k], standard, fragments.get(k, []))
        shifted: dict[int, float] = {}
        for mz, value in spectra[k].items():
            target = mz + standard.shift if mz in moved else mz
            shifted[target] = shifted.get(target, 0.0) + value
        quant = int(row.quant_mz) + (standard.shift if int(row.quant_mz) in moved else 0)
        height = IS_SHARE * REFERENCE_NMOL[row.metabolite] * float(response.iat[k])
        out[k] = Spike(f"{standard.name} {row.derivative}", height, shifted, quant)
    return out


def quantified_forms(compounds: pd.DataFrame, spectra: list[dict[int, float]], spikes: dict[int, Spike]) -> dict[str, int]:
    """Per analyte the compound row to quantify: its most abundant form read on a labelled ion whose quant ion and standard's
    ion hold under ``INTERFERENCE`` of the base peak of every compound eluting within ``COELUTION_RI`` (aspartate 3TMS
    co-elutes with pyroglutamate 2TMS, which has m/z 232, so aspartate is read on its 2TMS form); else its most abundant form."""
    out = {}
    for metabolite in STANDARDS:
        forms = compounds.index[compounds["metabolite"] == metabolite]
        ranked = sorted(forms, key=lambda k: -compounds.at[k, "form_share"])
        clean = []
        for k in ranked:
            ions = {int(compounds.at[k, "quant_mz"]), spikes[k].quant_mz}
            near = compounds.index[((compounds["ri"] - compounds.at[k, "ri"]).abs() <= COELUTION_RI) & (compounds.index != k)]
            if len(ions) == 2 and all(spectra[j].get(mz, 0.0) < INTERFERENCE * max(spectra[j].values()) for j in near for mz in ions):
                clean.append(k)
        out[metabolite] = int((clean or ranked)[0])
    return out


def form_yields(compounds: pd.DataFrame, amounts: pd.DataFrame) -> pd.DataFrame:
    """Per analyte form (rows: compound rows with a labelled standard) and run, the form's derivatization yield relative to
    its ``form_share``: its amount over the amount its metabolite's (true) nmol implies; 1 where the metabolite is absent.
    The simulator draws each form's amount on its own, so a minor form strays from the main one; a labelled standard is
    derivatized in the same vial as its analyte, so its forms follow these yields."""
    response = counts_per_nmol(compounds).to_numpy()
    nmol = true_nmol(compounds, amounts)
    rows = [k for k, metabolite in enumerate(compounds["metabolite"]) if metabolite in STANDARDS]
    expected = np.vstack([nmol.loc[compounds.at[k, "metabolite"]].to_numpy() * response[k] for k in rows])
    found = amounts.iloc[rows].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, found / expected, 1.0)
    return pd.DataFrame(ratio, index=rows, columns=amounts.columns)


def run_spikes(spikes: dict[int, Spike], yields: pd.DataFrame, run: str) -> dict[int, Spike]:
    """The labelled standards of one run, each form's height scaled by its yield in that run."""
    return {k: spike._replace(height=spike.height * float(yields.at[k, run])) for k, spike in spikes.items()}


def standards_table(compounds: pd.DataFrame, levels: pd.DataFrame, forms: dict[str, int]) -> pd.DataFrame:
    """standards.tsv: analyte, level, nmol per calibrant, its labelled standard, and the form to quantify (``forms``) by its
    derivative and quant ion."""
    rows = [(analyte, level, levels.at[analyte, level], "nmol", STANDARDS[analyte].name, int(compounds.at[forms[analyte], "quant_mz"]),
             compounds.at[forms[analyte], "derivative"]) for analyte in levels.index for level in levels.columns]
    return pd.DataFrame(rows, columns=["analyte", "level", "concentration", "unit", "internal_standard", "quant_mz", "derivative"])


def standard_shifts() -> dict[str, int]:
    """quantification.internal_standards for the simulated study: each labelled standard's shift of its analyte's quant ion."""
    return {standard.name: standard.shift for standard in STANDARDS.values()}


def true_concentrations(compounds: pd.DataFrame, amounts: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """truth/concentrations.tsv: per study, QC and blank run and analyte, nmol in the extract and, for samples, nmol per 10^6 cells."""
    nmol = true_nmol(compounds, amounts)
    cells = sheet.set_index("sample")["cells"]
    rows = []
    for run in sheet[sheet["type"].isin(["sample", "qc", "blank"])].itertuples():
        for analyte in nmol.index:
            value = float(nmol.at[analyte, run.sample])
            per_cells = value / cells[run.sample] * 1e6 if pd.notna(cells[run.sample]) else np.nan
            rows.append((run.sample, analyte, value, per_cells))
    return pd.DataFrame(rows, columns=["sample", "analyte", "nmol", "nmol_per_million_cells"])


def calibration_series(
    compounds: pd.DataFrame, amounts: pd.DataFrame, sheet: pd.DataFrame, spectra: list[dict[int, float]]
) -> tuple[pd.DataFrame, dict[int, Spike], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """For a sheet ``with_calibrants``: the amounts with the calibrant runs, the labelled standards and their yields per run,
    standards.tsv and truth/concentrations.tsv."""
    levels = level_amounts(compounds, amounts, sheet)
    amounts = calibrant_amounts(compounds, levels, sheet, amounts)
    spikes = labelled_spikes(compounds, spectra)
    standards = standards_table(compounds, levels, quantified_forms(compounds, spectra, spikes))
    return amounts, spikes, form_yields(compounds, amounts), standards, true_concentrations(compounds, amounts, sheet)
