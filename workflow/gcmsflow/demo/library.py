"""The simulated study's MSP library: perturbed copies of the spectra the simulator used for the
in-library compounds, plus distractor entries of compounds that are not in the study."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.msp import MspEntry
from .massbank import RealSpectrum
from .spectra import stable_rng, tms_spectrum

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


def library_name(metabolite: str, derivative: str) -> str:
    """Library-style name of a derivative: ``Asparagine, 3TMS``."""
    return f"{metabolite[0].upper()}{metabolite[1:]}, {derivative}"


def distractor_spectrum(rng: np.random.Generator, metabolite: str, derivative: str, n_tms: int, seed: int) -> dict[int, float]:
    """Modelled spectrum of a distractor: quant and qualifier ions drawn from ``rng``."""
    qualifiers = rng.choice(np.arange(90, 420), size=3, replace=False)
    row = pd.Series(
        {"metabolite": metabolite, "derivative": derivative, "quant_mz": int(rng.integers(100, 400)),
         "qualifier_mz": ";".join(str(q) for q in qualifiers), "nominal_mass": int(rng.integers(250, 700)), "n_tms": n_tms}
    )
    return tms_spectrum(row, seed)


def library_entries(
    compounds: pd.DataFrame, spectra: list[dict[int, float]], seed: int,
    real: dict[str, RealSpectrum] | None = None, real_distractors: dict[str, RealSpectrum] | None = None,
) -> list[MspEntry]:
    """MSP entries: perturbed simulator spectra of the in-library compounds, then the distractors.

    ``real`` (by compound id) and ``real_distractors`` (by distractor metabolite) name the MassBank
    records a spectrum came from; their entries say so and keep the record's licence and authors.
    """
    real, real_distractors = real or {}, real_distractors or {}
    entries = []
    for k, row in enumerate(compounds.itertuples()):
        if not row.in_library:
            continue
        rng = stable_rng(seed, "library", row.compound_id)
        entries.append(_entry(row.name, spectra[k], row.ri + rng.normal(0, 4), f"SIM{k + 1:05d}", rng, real.get(row.compound_id)))
    for j, (metabolite, derivative, ri, n_tms) in enumerate(DISTRACTORS):
        source = real_distractors.get(metabolite)
        rng = stable_rng(seed, "distractor", metabolite)
        spectrum = distractor_spectrum(rng, metabolite, derivative, n_tms, seed)  # drawn always: keeps rng's stream
        if source is not None:
            spectrum = source.spectrum
        entries.append(_entry(library_name(metabolite, derivative), spectrum, ri, f"SIM{900 + j:05d}", rng, source))
    return entries


def _entry(name: str, spec: dict[int, float], ri: float, accession: str, rng: np.random.Generator, source: RealSpectrum | None) -> MspEntry:
    mz = np.array(sorted(spec))
    intensity = np.array([spec[m] for m in mz]) * rng.lognormal(0.0, 0.2, size=mz.size)
    intensity[(intensity < 0.02) & (rng.random(mz.size) < 0.5)] = 0.0
    fields = {"DB#": accession, "RETENTIONINDEX": f"{ri:.0f}", "COLUMN": "5%-phenyl (simulated)"}
    if source is None:
        fields["COMMENT"] = "simulated spectrum, gcmsflow demo library; not measured"
    else:
        fields["COMMENT"] = f"MassBank {source.accession} ({source.name}), intensities perturbed for the gcmsflow simulation; RI simulated"
        fields["LICENSE"] = source.license
        fields["AUTHORS"] = source.authors
    return MspEntry(name, mz, intensity, fields)
