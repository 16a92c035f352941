"""Retention index calibration from an n-alkane ladder (van den Dool–Kratz).

Alkane components are recognised by their EI pattern (m/z 57 base peak with 71 and 85); carbon
numbers are assigned from the configured first carbon, stepping over a missing alkane where a
gap is about twice the neighbouring spacing. Outside the ladder RI is extrapolated linearly from
the two outermost markers (the policy is recorded as ``extrapolated`` in the RI columns' users).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .detect import parse_spectrum

CALIBRATION_COLUMNS = ["carbon", "ri", "rt"]


@dataclass(frozen=True)
class RiParams:
    """Carbon number of the first alkane in the ladder, and the S/N a marker needs."""

    first_carbon: int = 10
    min_sn: float = 20.0


def is_alkane_spectrum(mz: np.ndarray, values: np.ndarray) -> bool:
    """True for an n-alkane-like spectrum: 57 is the base peak, 71 and 85 follow."""
    if mz.size == 0:
        return False
    spectrum = dict(zip(mz.tolist(), values.tolist()))
    top = max(spectrum.values())
    i57, i71, i85 = (spectrum.get(m, 0.0) for m in (57, 71, 85))
    return i57 >= 0.99 * top and i71 >= 0.3 * i57 and i85 >= 0.12 * i57 and i71 > i85


def find_ladder(peaks: pd.DataFrame, params: RiParams = RiParams()) -> pd.DataFrame:
    """Calibration table (carbon, ri, rt) from the components of an alkane run."""
    rts = []
    for row in peaks.itertuples():
        if row.sn >= params.min_sn and is_alkane_spectrum(*parse_spectrum(row.spectrum)):
            rts.append(row.rt)
    rts = np.sort(np.array(rts, dtype=float))
    if rts.size == 0:
        return pd.DataFrame(columns=CALIBRATION_COLUMNS)
    carbons = [params.first_carbon]
    gaps = np.diff(rts)
    for k, gap in enumerate(gaps):
        previous = gaps[k - 1] if k > 0 else np.median(gaps)
        step = max(1, int(round(gap / previous))) if previous > 0 else 1
        carbons.append(carbons[-1] + step)
    carbons = np.array(carbons)
    return pd.DataFrame({"carbon": carbons, "ri": 100.0 * carbons, "rt": rts})


def ri_of_rt(rt_s: np.ndarray | float, calibration: pd.DataFrame) -> np.ndarray:
    """Retention index of retention times (s): piecewise linear between markers, linear beyond them.

    Returns NaN everywhere when the calibration has fewer than two markers.
    """
    rt_s = np.asarray(rt_s, dtype=float)
    if len(calibration) < 2:
        return np.full(rt_s.shape, np.nan)
    t = calibration["rt"].to_numpy(float)
    ri = calibration["ri"].to_numpy(float)
    out = np.interp(rt_s, t, ri)
    low, high = rt_s < t[0], rt_s > t[-1]
    out[low] = ri[0] + (rt_s[low] - t[0]) * (ri[1] - ri[0]) / (t[1] - t[0])
    out[high] = ri[-1] + (rt_s[high] - t[-1]) * (ri[-1] - ri[-2]) / (t[-1] - t[-2])
    return out
