"""A calibration series and a labelled asparagine internal standard for the simulated study (``simulate --calibration``).

Each analyte has a response (quant-ion apex counts per nmol in the extract) such that the pooled
sample holds ``REFERENCE_NMOL`` of it; a metabolite's derivative forms share its amount by
``form_share``. Seven calibrant mixes span half the lowest to twice the highest study-sample
amount (log-spaced) and are injected at evenly spaced places in the sequence, levels in seeded
order, with two more blanks. Every injection but the ladders is spiked with ``IS_NMOL`` of 13C4,15N-asparagine: the
asparagine spectrum with every ion from m/z 100 up but 147 shifted by +5, read by the same response,
co-eluting and sharing the analyte's injection, drift and analytical noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .runs import Spike, sample_biomass
from .spectra import stable_rng

REFERENCE_NMOL = {"asparagine": 2.0, "aspartate": 3.0, "glutamine": 10.0, "glutamate": 8.0, "serine": 4.0}
N_LEVELS = 7
N_EXTRA_BLANKS = 2
IS_NAME, IS_SHIFT, IS_NMOL, IS_OF = "asparagine-13C4,15N", 5, 1.0, "asparagine"
UNLABELLED_IONS = (73, 147)
FIRST_LABELLED_MZ = 100


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


def labelled_spike(compounds: pd.DataFrame, spectra: list[dict[int, float]]) -> tuple[int, Spike]:
    """The compound row of asparagine and its labelled standard (shifted spectrum, the analyte's response)."""
    k = int(np.flatnonzero((compounds["metabolite"] == IS_OF).to_numpy())[0])
    shifted: dict[int, float] = {}
    for mz, value in spectra[k].items():
        target = mz + IS_SHIFT if mz >= FIRST_LABELLED_MZ and mz not in UNLABELLED_IONS else mz
        shifted[target] = shifted.get(target, 0.0) + value
    height = IS_NMOL * float(counts_per_nmol(compounds).iat[k])
    return k, Spike(IS_NAME, height, shifted, int(compounds["quant_mz"].iat[k]) + IS_SHIFT)


def standards_table(compounds: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    """standards.tsv: analyte, level, nmol per calibrant, the asparagine standard and the analytes' quant ions."""
    main = compounds.sort_values("form_share", ascending=False, kind="stable").drop_duplicates("metabolite").set_index("metabolite")
    rows = [(analyte, level, levels.at[analyte, level], "nmol", IS_NAME if analyte == IS_OF else "", int(main.at[analyte, "quant_mz"]))
            for analyte in levels.index for level in levels.columns]
    return pd.DataFrame(rows, columns=["analyte", "level", "concentration", "unit", "internal_standard", "quant_mz"])


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
