"""The demo simulator: deterministic, realistic layout, truth that matches the sheet in config/."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from conftest import REPO
from gcmsflow.core.tables import read_tsv
from gcmsflow.demo.simulate import (
    Design,
    alkane_spectrum,
    design_runs,
    load_compounds,
    simulate_study,
    tms_spectrum,
)


def test_study_layout_and_truth(small_study: Path) -> None:
    sheet = read_tsv(small_study / "samples.tsv")
    counts = sheet["type"].value_counts()
    assert counts["sample"] == 6 and counts["alkane"] == 1 and counts["blank"] == 1 and counts["qc"] >= 3
    assert set(sheet.loc[sheet["type"] == "sample", "group"]) == {"control", "asn_deprived"}
    assert all((small_study / f).is_file() for f in sheet["file"])
    truth = read_tsv(small_study / "truth" / "compounds.tsv")
    assert truth["metabolite"].nunique() >= 40
    assert {"asparagine", "aspartate", "glutamine", "glutamate", "serine", "glycine", "lactate", "ribitol", "citrate"} <= set(truth["metabolite"])
    assert truth.loc[truth["metabolite"] == "asparagine", "log2fc"].item() <= -3
    assert (truth["coelutes_with"].fillna("") != "").sum() >= 4
    assert "simulated" in (small_study / "library.msp").read_text()


def test_same_seed_same_bytes(tmp_path: Path, small_study: Path) -> None:
    simulate_study(tmp_path, Design(per_group=3, qc_every=2))
    for name in ("raw/blank01.cdf", "raw/ctrl01.cdf", "library.msp", "truth/peaks.tsv"):
        assert hashlib.sha256((tmp_path / name).read_bytes()).digest() == hashlib.sha256((small_study / name).read_bytes()).digest()


def test_config_sheet_is_the_default_design() -> None:
    shipped = read_tsv(REPO / "config" / "samples.tsv")
    expected = design_runs(Design())
    expected["file"] = "../demo/" + expected["file"]
    pd.testing.assert_frame_equal(shipped, expected, check_dtype=False)


def test_model_spectra_are_deterministic_and_ei_like() -> None:
    compounds = load_compounds()
    row = compounds[compounds["metabolite"] == "asparagine"].iloc[0]
    spectrum, again = tms_spectrum(row, seed=1), tms_spectrum(row, seed=1)
    assert spectrum == again
    assert max(spectrum.values()) == 1.0 and spectrum[116] > 0.3 and 73 in spectrum
    alkane = alkane_spectrum(20)
    assert max(alkane, key=alkane.get) == 57 and alkane[71] > alkane[85]
