"""simulate --calibration: a calibration series spanning the samples, a labelled asparagine standard, cells, truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gcmsflow.core.samplesheet import load_sheet
from gcmsflow.core.tables import read_tsv
from gcmsflow.demo.calibration import IS_NAME, REFERENCE_NMOL, labelled_spike
from gcmsflow.demo.simulate import Design, load_compounds, simulate_study
from gcmsflow.demo.spectra import tms_spectrum
from gcmsflow.quantify.standards import QuantParams, check_levels, load_standards


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("calibrated")
    simulate_study(out, Design(per_group=3, qc_every=2), calibration=True)
    return out


def test_calibrants_levels_blanks_and_cells(calibrated: Path) -> None:
    sheet = load_sheet(calibrated / "samples.tsv", check_files=True)
    calibrants = sheet[sheet["type"] == "calibrant"]
    assert sorted(calibrants["level"], key=int) == [str(k) for k in range(1, 8)]
    assert (sheet["type"] == "blank").sum() == 3
    assert (sheet.loc[sheet["type"] == "sample", "cells"] > 3e5).all() and sheet.loc[sheet["type"] != "sample", "cells"].isna().all()
    params = QuantParams(internal_standards={IS_NAME: 5})
    standards = load_standards(calibrated / "standards.tsv", params)
    check_levels(standards, sheet, calibrated / "standards.tsv", calibrated / "samples.tsv")
    assert set(standards["analyte"]) == set(REFERENCE_NMOL) and (standards.groupby("analyte").size() >= 6).all()


def test_levels_span_the_samples_and_truth_is_per_cells(calibrated: Path) -> None:
    standards = read_tsv(calibrated / "standards.tsv")
    truth = read_tsv(calibrated / "truth" / "concentrations.tsv")
    sheet = load_sheet(calibrated / "samples.tsv")
    samples = truth[truth["sample"].isin(sheet.index[sheet["type"] == "sample"])]
    for analyte, levels in standards.groupby("analyte"):
        own = samples.loc[samples["analyte"] == analyte, "nmol"]
        assert levels["concentration"].min() < own.min() and levels["concentration"].max() > own.max(), analyte
    cells = sheet.loc[samples["sample"], "cells"].to_numpy()
    np.testing.assert_allclose(samples["nmol_per_million_cells"], samples["nmol"] / cells * 1e6, rtol=1e-5)
    assert (truth.loc[truth["sample"].str.startswith("blank"), "nmol"] == 0).all()


def test_labelled_standard_in_every_injection_but_the_ladders(calibrated: Path) -> None:
    peaks = read_tsv(calibrated / "truth" / "peaks.tsv")
    sheet = load_sheet(calibrated / "samples.tsv")
    spiked = set(peaks.loc[peaks["compound_id"] == IS_NAME, "sample"])
    assert spiked == set(sheet.index[sheet["type"] != "alkane"])
    compounds = load_compounds()
    cal = set(peaks.loc[peaks["sample"] == "cal01", "compound_id"]) - {IS_NAME}
    assert set(compounds.set_index("compound_id").loc[sorted(cal), "metabolite"]) == set(REFERENCE_NMOL)
    spectra = [tms_spectrum(row, 1) for _, row in compounds.iterrows()]
    k, spike = labelled_spike(compounds, spectra)
    assert spike.quant_mz == int(compounds.at[k, "quant_mz"]) + 5 and spike.spectrum[spike.quant_mz] == spectra[k][spike.quant_mz - 5]
    assert spike.spectrum.get(73) == spectra[k].get(73) and spike.spectrum.get(147) == spectra[k].get(147)
