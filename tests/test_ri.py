"""Alkane ladder detection and van den Dool–Kratz retention indices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gcmsflow.detect import format_spectrum
from gcmsflow.ri import RiParams, find_ladder, is_alkane_spectrum, ri_of_rt
from gcmsflow.simulate import alkane_spectrum

ALKANE = alkane_spectrum(16)
TMS = {73: 1.0, 147: 0.4, 116: 0.8}


def peaks_table(rts: list[float], spectra: list[dict[int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rt": rts,
            "sn": 100.0,
            "spectrum": [format_spectrum(np.array(sorted(s)), np.array([s[m] for m in sorted(s)])) for s in spectra],
        }
    )


def test_alkane_pattern() -> None:
    assert is_alkane_spectrum(np.array(sorted(ALKANE)), np.array([ALKANE[m] for m in sorted(ALKANE)]))
    assert not is_alkane_spectrum(np.array(sorted(TMS)), np.array([TMS[m] for m in sorted(TMS)]))


def test_ladder_skips_a_missing_alkane_and_ignores_other_peaks() -> None:
    rts = [300.0, 350.0, 400.0, 500.0, 548.0, 420.0]  # C13 missing; 420 s is a TMS compound
    table = find_ladder(peaks_table(rts, [ALKANE] * 5 + [TMS]), RiParams(first_carbon=10))
    assert table["carbon"].tolist() == [10, 11, 12, 14, 15]
    assert table["ri"].tolist() == [1000.0, 1100.0, 1200.0, 1400.0, 1500.0]


def test_van_den_dool_kratz_interpolation_and_linear_extrapolation() -> None:
    calibration = pd.DataFrame({"carbon": [10, 11, 12], "ri": [1000.0, 1100.0, 1200.0], "rt": [300.0, 350.0, 410.0]})
    ri = ri_of_rt(np.array([300.0, 325.0, 380.0, 290.0, 420.0]), calibration)
    assert ri[:3] == pytest.approx([1000.0, 1050.0, 1100.0 + 100.0 * 30.0 / 60.0])
    assert ri[3] == pytest.approx(1000.0 - 100.0 * 10.0 / 50.0)
    assert ri[4] == pytest.approx(1200.0 + 100.0 * 10.0 / 60.0)


def test_no_calibration_gives_nan() -> None:
    assert np.isnan(ri_of_rt(np.array([1.0]), pd.DataFrame(columns=["carbon", "ri", "rt"]))).all()
