"""Real EI spectra for the simulator: MassBank records (an MSP file such as
``../shared/data/library/massbank_gc_ei.msp``) of the demo compounds and distractors, matched by
the names in ``massbank_names.tsv``. Where a compound has no record there, it keeps its modelled
spectrum. Of several records with one name the first in the file is used.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from ..core.errors import GcmsflowError
from .spectra import MZ_FIRST, MZ_LAST

NAMES = resources.files(__package__) / "massbank_names.tsv"
GENERIC_TMS_IONS = (73, 74, 75, 147, 148, 149)  # trimethylsilyl ions every derivative shares


@dataclass(frozen=True)
class RealSpectrum:
    """A MassBank record as the simulator uses it: unit-mass spectrum (base peak 1.0, m/z 50-600)."""

    name: str
    accession: str
    license: str
    authors: str
    spectrum: dict[int, float]


def name_table() -> pd.DataFrame:
    """(metabolite, derivative) -> MassBank record name."""
    with NAMES.open() as handle:
        return pd.read_csv(handle, sep="\t")


def read_massbank(path: str | os.PathLike) -> dict[tuple[str, str], RealSpectrum]:
    """The records of ``path`` named in ``massbank_names.tsv``, keyed by (metabolite, derivative)."""
    from matchms.importing import load_from_msp

    logging.getLogger("matchms").setLevel(logging.ERROR)
    if not os.path.isfile(path):
        raise GcmsflowError(str(path), "MassBank library not found")
    wanted = name_table()
    by_name: dict[str, RealSpectrum] = {}
    try:
        for spectrum in load_from_msp(str(path)):
            meta = spectrum.metadata
            name = str(meta.get("compound_name", ""))
            if name in by_name or name not in set(wanted["massbank_name"]):
                continue
            unit = _unit_mass(spectrum.peaks.mz, spectrum.peaks.intensities)
            if unit:
                accession = str(meta.get("db#") or meta.get("spectrum_id") or "")
                by_name[name] = RealSpectrum(name, accession, str(meta.get("license", "")), str(meta.get("authors", "")), unit)
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError) as err:
        raise GcmsflowError(str(path), f"not a readable MSP library ({err})") from None
    return {(m, d): by_name[n] for m, d, n in wanted.itertuples(index=False) if n in by_name}


def _unit_mass(mz: np.ndarray, intensity: np.ndarray) -> dict[int, float]:
    """Sum peaks into nominal masses within the simulated scan range, base peak 1.0."""
    cells = np.rint(mz).astype(int)
    keep = (cells >= MZ_FIRST) & (cells <= MZ_LAST) & (intensity > 0)
    summed = np.bincount(cells[keep] - MZ_FIRST, weights=intensity[keep], minlength=MZ_LAST - MZ_FIRST + 1)
    top = summed.max(initial=0.0)
    return {int(k) + MZ_FIRST: float(v / top) for k, v in enumerate(summed) if v > 0} if top > 0 else {}


def quant_ion(spectrum: dict[int, float], preferred_mz: int, min_share: float = 0.05) -> int:
    """The quantifier of a real spectrum: ``preferred_mz`` (the demo table's) when it holds at least
    ``min_share`` of the base peak, else the strongest ion that is not a generic TMS ion."""
    if spectrum.get(preferred_mz, 0.0) >= min_share:
        return preferred_mz
    specific = {mz: v for mz, v in spectrum.items() if mz not in GENERIC_TMS_IONS}
    return max(specific or spectrum, key=(specific or spectrum).get)
