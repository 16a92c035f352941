"""simulate --calibration: a calibration series spanning the samples, a labelled standard per analyte, cells, truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gcmsflow.core.samplesheet import load_sheet
from gcmsflow.core.tables import read_tsv
from gcmsflow.demo.calibration import REFERENCE_NMOL, STANDARDS, labelled_spikes, standard_shifts
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
    params = QuantParams(internal_standards=standard_shifts())
    standards = load_standards(calibrated / "standards.tsv", params)
    check_levels(standards, sheet, calibrated / "standards.tsv", calibrated / "samples.tsv")
    assert set(standards["analyte"]) == set(REFERENCE_NMOL) and (standards.groupby("analyte").size() >= 6).all()
    named = standards.drop_duplicates("analyte").set_index("analyte")
    assert all(named.at[analyte, "internal_standard"] == STANDARDS[analyte].name for analyte in REFERENCE_NMOL)
    # aspartate 3TMS co-elutes with pyroglutamate 2TMS (m/z 232 in both): its 2TMS form is read
    assert named["derivative"].to_dict() == {"asparagine": "3TMS", "aspartate": "2TMS", "glutamine": "3TMS", "glutamate": "3TMS", "serine": "3TMS"}
    assert named["quant_mz"].to_dict() == {"asparagine": 116, "aspartate": 232, "glutamine": 245, "glutamate": 246, "serine": 204}


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


def test_labelled_standards_in_every_injection_but_the_ladders(calibrated: Path) -> None:
    peaks = read_tsv(calibrated / "truth" / "peaks.tsv")
    sheet = load_sheet(calibrated / "samples.tsv")
    compounds = load_compounds()
    forms = compounds[compounds["metabolite"].isin(list(STANDARDS))]
    names = {f"{STANDARDS[row.metabolite].name} {row.derivative}" for row in forms.itertuples()}
    assert len(names) == len(forms) == 7  # serine and aspartate in two forms each
    labelled = peaks[peaks["compound_id"].isin(names)]
    assert set(labelled["sample"]) == set(sheet.index[sheet["type"] != "alkane"]) and (labelled.groupby("sample").size() == 7).all()
    cal = set(peaks.loc[peaks["sample"] == "cal01", "compound_id"]) - names
    assert set(compounds.set_index("compound_id").loc[sorted(cal), "metabolite"]) == set(REFERENCE_NMOL)
    # analyte / standard heights of every form give the true nmol over the spiked half of the pooled amount (one vial, one derivatization)
    truth = read_tsv(calibrated / "truth" / "concentrations.tsv").set_index(["sample", "analyte"])["nmol"]
    height = peaks.set_index(["sample", "compound_id"])["quant_height"]
    runs = sheet.index[sheet["type"].isin(["sample", "qc", "calibrant"])]
    calibrant_nmol = read_tsv(calibrated / "standards.tsv").set_index(["analyte", "level"])["concentration"]
    for row in forms.itertuples():
        for run in runs:
            nmol = truth[run, row.metabolite] if (run, row.metabolite) in truth.index else calibrant_nmol[row.metabolite, int(sheet.at[run, "level"])]
            ratio = height[run, row.compound_id] / height[run, f"{STANDARDS[row.metabolite].name} {row.derivative}"]
            assert np.isclose(ratio, nmol / (0.5 * REFERENCE_NMOL[row.metabolite]), rtol=1e-4), (run, row.compound_id)


def test_labelled_ions_are_shifted_and_tms_ions_are_not() -> None:
    compounds = load_compounds()
    spectra = [tms_spectrum(row, 1) for _, row in compounds.iterrows()]
    spikes = labelled_spikes(compounds, spectra)
    assert set(compounds.loc[sorted(spikes), "metabolite"]) == set(STANDARDS)
    for k, spike in spikes.items():
        natural, standard = spectra[k], STANDARDS[compounds.at[k, "metabolite"]]
        quant = int(compounds.at[k, "quant_mz"])
        assert spike.spectrum.get(73) == natural.get(73) and spike.spectrum.get(147) == natural.get(147)
        labelled = standard.fragment_mz in (None, quant)  # serine 2TMS is read on m/z 116, outside its labelled fragment
        assert spike.quant_mz == quant + standard.shift * labelled and spike.spectrum[spike.quant_mz] >= natural[quant]
        assert abs(sum(spike.spectrum.values()) - sum(natural.values())) < 1e-9  # ions move, none is lost or made
        if standard.fragment_mz is not None:  # only the fragment's isotope cluster moves
            assert standard.fragment_mz not in spike.spectrum and spike.spectrum[standard.fragment_mz + standard.shift] == natural[standard.fragment_mz]
            untouched = [mz for mz in natural if not standard.fragment_mz <= mz < standard.fragment_mz + 2 * standard.shift + 8]
            assert all(spike.spectrum[mz] == natural[mz] for mz in untouched)
    asparagine = next(k for k in spikes if compounds.at[k, "metabolite"] == "asparagine")
    assert all(mz + 5 in spikes[asparagine].spectrum for mz in spectra[asparagine] if mz >= 100 and mz != 147)
    height = {compounds.at[k, "metabolite"]: spike.height for k, spike in spikes.items() if compounds.at[k, "form_share"] == 1.0}
    response = 10.0 ** compounds.set_index("metabolite")["log10_height"]
    for metabolite, value in height.items():  # half the pooled amount, at the form's response
        assert np.isclose(value, 0.5 * response[metabolite])
