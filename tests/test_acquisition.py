"""Runs that are not GC-EI-MS full scan are refused in one line naming the file and the reason."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.io.acquisition import refusal
from gcmsflow.io.importer import ImportParams, import_run
from rawfiles import gc_run, mzml_text, ntuples_text, write_andi_with, write_text, write_tic_only_andi

AGILENT_EXPORT = {"test_separation_type": "No Chromatography", "test_ms_inlet": "Capillary Direct",
                  "test_ionization_mode": "Electron Impact", "experiment_type": "Centroided Mass Spectrum", "test_scan_function": "Mass Scan"}


@pytest.mark.parametrize(("acquisition", "reason"), [
    ({"ionization": "Electrospray Ionization"}, "ionization 'Electrospray Ionization' is not electron ionization"),
    ({"ionization": "Chemical Ionization"}, "is not electron ionization"),
    ({"ionization": "APCI"}, "is not electron ionization"),
    ({"ionization": "CI+"}, "is not electron ionization"),
    ({"inlet": "Direct Inlet Probe"}, "inlet 'Direct Inlet Probe' is not a gas chromatograph"),
    ({"separation": "Reverse Phase Liquid Chromatography"}, "is not gas chromatography"),
    ({"spectrum_type": "Continuum Mass Spectrum"}, "profile (continuum) spectra"),
    ({"scan_function": "Selected Ion Detection"}, "selected ions, not full-scan spectra"),
    ({"data_type": "INFRARED SPECTRUM"}, "is not mass spectra"),
])
def test_what_the_header_says_refuses(acquisition: dict, reason: str) -> None:
    assert reason in refusal(acquisition)


@pytest.mark.parametrize("acquisition", [
    {}, {"ionization": "EI+"}, {"ionization": "Electron Ionization"}, {"ionization": "Other Ionization"}, {"ionization": "70 eV"},
    {"separation": "No Chromatography"}, {"separation": "Gas-Liquid Chromatography"}, {"inlet": "Capillary Direct"},
    {"spectrum_type": "Centroided Mass Spectrum"}, {"scan_function": "Mass Scan"}, {"data_type": "MASS SPECTRUM"},
])
def test_gc_ei_full_scan_and_vague_values_pass(acquisition: dict) -> None:
    assert refusal(acquisition) is None


def test_agilent_andi_export_saying_no_chromatography_is_read(tmp_path: Path) -> None:
    cube = import_run(write_andi_with(tmp_path / "agilent.cdf", gc_run(), **AGILENT_EXPORT))
    assert cube.metadata["acquisition"]["separation"] == "No Chromatography"


@pytest.mark.parametrize(("attributes", "reason"), [
    ({"test_ionization_mode": "Electrospray Ionization"}, "ionization 'Electrospray Ionization' is not electron ionization"),
    ({"test_ionization_mode": "", "ionization_mode": "Chemical Ionization"}, "ionization 'Chemical Ionization' is not electron ionization"),
    ({"test_ms_inlet": "Direct Inlet Probe", "test_separation_type": "No Chromatography"}, "inlet 'Direct Inlet Probe' is not a gas chromatograph"),
    ({"experiment_type": "Continuum Mass Spectrum"}, "holds profile (continuum) spectra ('Continuum Mass Spectrum')"),
    ({"test_scan_function": "Selected Ion Detection"}, "'Selected Ion Detection' records selected ions"),
])
def test_andi_headers_that_say_otherwise_are_refused(tmp_path: Path, attributes: dict, reason: str) -> None:
    path = write_andi_with(tmp_path / "run.cdf", gc_run(), **{**AGILENT_EXPORT, **attributes})
    with pytest.raises(GcmsflowError) as err:
        import_run(path)
    assert str(err.value) == f"{path}: {reason}" + str(err.value).split(reason, 1)[1]
    assert "\n" not in str(err.value)


def test_tic_only_andi_is_a_chromatogram_without_mass_spectra(tmp_path: Path) -> None:
    path = write_tic_only_andi(tmp_path / "tic.cdf")
    with pytest.raises(GcmsflowError, match=r"tic\.cdf: a chromatogram without mass spectra"):
        import_run(path)


@pytest.mark.parametrize(("n_scans", "interval_s", "reason"), [
    (1, 0.5, "only 1 scans: too few for a chromatographic run (import.min_scans = 100)"),
    (11, 0.27, "only 11 scans"),
    (150, 0.2, "scans span only 29.8 s: too short for a chromatographic run (import.min_duration_s = 60)"),
])
def test_too_short_for_chromatography(tmp_path: Path, n_scans: int, interval_s: float, reason: str) -> None:
    path = write_andi_with(tmp_path / "short.cdf", gc_run(n_scans, interval_s=interval_s))
    with pytest.raises(GcmsflowError, match=f"short.cdf: {reason}".replace("(", r"\(").replace(")", r"\)")):
        import_run(path)
    assert import_run(path, ImportParams(min_scans=1, min_duration_s=0.0)).times_s.size == n_scans


def test_lc_esi_mzml_is_refused_and_gc_ei_mzml_is_read(tmp_path: Path) -> None:
    esi = (("MS:1000073", "electrospray ionization"), ("MS:1000057", "electrospray inlet"))
    lc = write_text(tmp_path / "lc.mzML", mzml_text(gc_run(11, interval_s=0.27), source=esi))
    with pytest.raises(GcmsflowError, match="lc.mzML: ionization 'electrospray ionization' is not electron ionization"):
        import_run(lc)
    long_esi = write_text(tmp_path / "esi.mzML", mzml_text(gc_run(), source=esi))
    with pytest.raises(GcmsflowError, match="esi.mzML: ionization 'electrospray ionization'"):
        import_run(long_esi)
    gc = import_run(write_text(tmp_path / "gc.mzML", mzml_text(gc_run())))
    assert gc.times_s.size == 400 and gc.metadata["acquisition"] == {"ionization": "electron ionization"}


def test_profile_mzml_and_mzml_without_ms1_are_refused(tmp_path: Path) -> None:
    profile = write_text(tmp_path / "p.mzML", mzml_text(gc_run(), spectrum_type=("MS:1000128", "profile spectrum")))
    with pytest.raises(GcmsflowError, match="p.mzML: holds profile .continuum. spectra"):
        import_run(profile)
    ms2 = write_text(tmp_path / "ms2.mzML", mzml_text(gc_run(), ms_level=2))
    with pytest.raises(GcmsflowError, match=r"ms2.mzML: no MS1 spectra \(400 spectra of other MS levels\)"):
        import_run(ms2)


def test_jcamp_header_ionization_is_checked(tmp_path: Path) -> None:
    path = write_text(tmp_path / "ci.jdx", ntuples_text(gc_run()).replace("##.IONIZATION MODE= EI+", "##.IONIZATION MODE= CI+"))
    with pytest.raises(GcmsflowError, match="ci.jdx: ionization 'CI\\+' is not electron ionization"):
        import_run(path)


def test_signal_outside_the_mz_range_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    raw = gc_run(mz=(20, 100))
    path = write_andi_with(tmp_path / "low.cdf", raw)
    with caplog.at_level(logging.WARNING):
        cube = import_run(path)
    share = cube.metadata["qc"]["signal_outside_mz_range"]
    in_range = raw.mass + 0.3 >= 50
    assert share == pytest.approx(1 - raw.intensity[in_range].sum() / raw.intensity.sum(), abs=1e-4) and share > 0.2
    assert cube.metadata["warnings"] == [f"{path}: {share:.0%} of the signal lies outside m/z 50-600 (the run holds m/z 20-100); "
                                         "widen import.mz_min/mz_max to keep it"]
    assert cube.metadata["warnings"][0] in caplog.text
    quiet = import_run(path, ImportParams(mz_min=10))
    assert quiet.metadata["warnings"] == [] and quiet.metadata["qc"]["signal_outside_mz_range"] == 0.0
    assert np.isclose(quiet.tic().sum(), raw.intensity.sum(), rtol=1e-6)
