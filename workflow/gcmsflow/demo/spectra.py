"""Modelled EI spectra (TMS derivatives, n-alkanes, column bleed, ladder contaminants) and the
exponentially modified Gaussian peak shape of the simulator. Spectra are dicts m/z -> relative
intensity (base peak 1.0 unless said), deterministic per name and seed.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy.special import erfc

MZ_FIRST, MZ_LAST = 50, 600  # the simulated instrument's scan range (m/z)


def stable_rng(*keys: object) -> np.random.Generator:
    """A generator seeded by stable hashes of ``keys`` (Python's ``hash`` is salted per process)."""
    return np.random.default_rng([zlib.crc32(str(k).encode()) for k in keys])


def _add(spec: dict[int, float], mz: int, value: float) -> None:
    if MZ_FIRST <= mz <= MZ_LAST:
        spec[mz] = spec.get(mz, 0.0) + value


def tms_spectrum(row: pd.Series, seed: int) -> dict[int, float]:
    """Model EI spectrum of a TMS derivative (base peak 1.0), deterministic per name and seed."""
    rng = stable_rng(seed, row.metabolite, row.derivative)
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


CONTAMINANT_KINDS = ("siloxane", "phthalate", "hydrocarbon", "unknown")


def contaminant_spectrum(index: int, seed: int) -> tuple[str, dict[int, float]]:
    """A ladder-run contaminant: cyclic siloxane (73, 147, 207, 221, 281 ...), phthalate (149),
    branched hydrocarbon (an m/z 57/71/85 series like an n-alkane, but no molecular ion and a
    flatter series) or an unknown with random ions; its kind and spectrum (base peak 1.0)."""
    rng = stable_rng(seed, "contaminant", index)
    kind = CONTAMINANT_KINDS[index % len(CONTAMINANT_KINDS)]
    spec: dict[int, float] = {}
    if kind == "siloxane":
        size = int(rng.integers(3, 9))
        for mz in (73, 147, 207, 221, 281, 295, 355, 429, 503)[: size + 1]:
            _add(spec, mz, rng.uniform(0.1, 1.0))
        _add(spec, 74 * size - 15, 1.3)  # [M - CH3]+ of the ring D_size (74 u per unit), the usual base peak
    elif kind == "phthalate":
        for mz, value in ((149, 1.0), (167, 0.3), (57, 0.2), (104, 0.08), (279, 0.1), (223, 0.05)):
            _add(spec, mz, value * rng.uniform(0.7, 1.3))
    elif kind == "hydrocarbon":
        top = int(rng.integers(6, 16))
        for k in range(top):
            _add(spec, 57 + 14 * k, (0.8**k) * rng.uniform(0.6, 1.1))
        _add(spec, 57, 0.5)
    for mz in rng.integers(MZ_FIRST, 450, size=int(rng.integers(6, 20))):
        _add(spec, int(mz), rng.uniform(0.02, 0.5 if kind == "unknown" else 0.1))
    for mz, value in sorted(spec.items()):
        if value > 0.05:
            _add(spec, mz + 1, value * 0.12)
    top = max(spec.values())
    return kind, {mz: v / top for mz, v in spec.items()}


def emg(t: np.ndarray, apex_guess: float, sigma: float, tau: float) -> np.ndarray:
    """Exponentially modified Gaussian of unit height, with its maximum near ``apex_guess``
    (within 0.16 s for sigma 0.8-1.25 s and tau 0.2-1.5 s)."""
    mu = apex_guess - 0.6 * tau
    z = (t - mu) / sigma
    arg = sigma / tau - z
    y = 0.5 / tau * np.exp(0.5 * (sigma / tau) ** 2 - (t - mu) / tau) * erfc(arg / np.sqrt(2.0))
    top = y.max(initial=0.0)
    return y / top if top > 0 else y
