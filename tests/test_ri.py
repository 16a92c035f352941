"""Alkane ladder detection and van den Dool–Kratz retention indices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gcmsflow.cli import main
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.core.spectra import format_spectrum
from gcmsflow.demo.simulate import alkane_spectrum
from gcmsflow.demo.spectra import contaminant_spectrum
from gcmsflow.report.summary import ri_summary
from gcmsflow.signal.calibration import study_calibration
from gcmsflow.signal.ladder import series_score
from gcmsflow.signal.ri import (
    RiParams,
    batch_ladders,
    find_ladder,
    leave_one_out_residuals,
    ri_for_batch,
    ri_of_rt,
    table_calibration,
)

ALKANE = alkane_spectrum(16)
TMS = {73: 1.0, 147: 0.4, 116: 0.8}
FAME = {55: 0.3, 74: 1.0, 87: 0.65, 143: 0.15, 270: 0.05}


def fame_spectrum(carbons: int) -> dict[int, float]:
    """Methyl ester of the saturated fatty acid with ``carbons`` carbons: 74, 87, 143 and M+ (14 n + 46)."""
    return {55: 0.3, 74: 1.0, 87: 0.65, 143: 0.15, 14 * carbons + 46: 0.05}


def without_molecular_ion(carbons: int) -> dict[int, float]:
    return {mz: v for mz, v in alkane_spectrum(carbons).items() if mz != 14 * carbons + 2}
FAME_RI = {8: 800.0, 9: 900.0, 10: 1000.0, 12: 1200.0, 14: 1400.0, 16: 1600.0, 18: 1800.0, 20: 2000.0}


def programmed_rts(carbons: np.ndarray) -> np.ndarray:
    """Marker RTs (s) of a temperature-programmed run: the spacing per carbon shrinks slowly."""
    return 200.0 + np.cumsum(np.r_[0.0, 60.0 * 0.97 ** np.arange(carbons.size - 1) * np.diff(carbons)])


def peaks_table(rts: list[float], spectra: list[dict[int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rt": rts,
            "sn": 100.0,
            "spectrum": [format_spectrum(np.array(sorted(s)), np.array([s[m] for m in sorted(s)])) for s in spectra],
        }
    )


def score(spectrum: dict[int, float], markers: str = "alkanes") -> float:
    return series_score(np.array(sorted(spectrum)), np.array([spectrum[m] for m in sorted(spectrum)]), markers)


def test_alkane_pattern() -> None:
    assert score(ALKANE) > 0.5 and score(TMS) == 0.0


def test_ladder_skips_a_missing_alkane_and_ignores_other_peaks() -> None:
    rts = [300.0, 350.0, 400.0, 500.0, 548.0, 420.0]  # C13 missing; 420 s is a TMS compound
    table = find_ladder(peaks_table(rts, [alkane_spectrum(c) for c in (10, 11, 12, 14, 15)] + [TMS]), RiParams(first_carbon=10))
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


def test_fame_pattern() -> None:
    assert score(FAME, "fames") > 0.5 and score(ALKANE, "fames") == 0.0


@pytest.mark.parametrize("missing", [[13], [13, 14], [15, 21], [12, 19, 25]])
def test_spacing_alone_steps_over_missing_alkanes_in_a_programmed_run(missing: list[int]) -> None:
    """Without molecular ions, the carbon numbers come from the spacing and the first marker."""
    carbons = np.arange(10, 31)
    rts = programmed_rts(carbons)
    seen = ~np.isin(carbons, missing)
    table = find_ladder(peaks_table(list(rts[seen]), [without_molecular_ion(c) for c in carbons[seen]]))
    assert table["carbon"].tolist() == carbons[seen].tolist()


def test_ladder_with_contaminants_bleed_and_split_peaks_is_found() -> None:
    """A busy ladder run: 21 alkanes among 60 contaminants (branched hydrocarbons with the same
    57/71/85 series among them), bleed and weak tail satellites of some alkanes."""
    rng = np.random.default_rng(3)
    carbons = np.arange(10, 31)
    rts = programmed_rts(carbons) + rng.normal(0.0, 0.5, carbons.size)
    spectra = [alkane_spectrum(int(c)) for c in carbons]
    sn = list(rng.uniform(200.0, 400.0, carbons.size))
    others = [contaminant_spectrum(i, 7)[1] for i in range(60)]
    other_rts = list(rng.uniform(rts[0] - 30.0, rts[-1] + 30.0, len(others)))
    satellites = [{mz: 0.3 * v for mz, v in without_molecular_ion(int(c)).items()} for c in carbons[::3]]
    table_rts = list(rts) + other_rts + list(rts[::3] + 1.5)
    table = peaks_table(table_rts, spectra + others + satellites).assign(
        sn=sn + list(rng.uniform(30.0, 400.0, len(others))) + [60.0] * len(satellites)
    )
    found = find_ladder(table.sample(frac=1.0, random_state=1), RiParams(first_carbon=10, last_carbon=30))
    assert found["carbon"].tolist() == carbons.tolist()
    assert found["rt"].to_numpy() == pytest.approx(rts)


def test_missing_markers_are_named_and_stop_the_study() -> None:
    carbons = np.array([c for c in range(10, 25) if c not in (14, 15, 16, 17)])
    rts = programmed_rts(np.arange(10, 25))[carbons - 10]
    peaks = peaks_table(list(rts) + [700.0], [alkane_spectrum(int(c)) for c in carbons] + [TMS])
    sheet = pd.DataFrame({"batch": ["1", "1"], "injection_order": [1, 2], "type": ["alkane", "sample"]}, index=pd.Index(["lad", "s1"], name="sample"))
    params = RiParams(first_carbon=10, last_carbon=24)
    with pytest.raises(GcmsflowError, match=r"lad.tsv: 4 alkanes markers not found \(C14, C15, C16, C17\); more than ri.max_missing = 3"):
        study_calibration(sheet, {"lad": ("lad.tsv", peaks)}, params)
    calibration = study_calibration(sheet, {"lad": ("lad.tsv", peaks)}, RiParams(first_carbon=10, last_carbon=24, max_missing=4))
    assert calibration.table["carbon"].tolist() == carbons.tolist()
    assert any("missing C14, C15, C16, C17" in w for w in calibration.warnings)


def test_fame_ladder_with_a_missing_marker() -> None:
    carbons = np.array(sorted(FAME_RI))
    rts = programmed_rts(carbons)
    keep = carbons != 14
    spectra = [fame_spectrum(int(c)) for c in carbons[keep]]
    table = find_ladder(peaks_table(list(rts[keep]) + [650.0], spectra + [ALKANE]), RiParams(markers="fames", fame_ri=FAME_RI))
    assert table["carbon"].tolist() == [8, 9, 10, 12, 16, 18, 20]
    assert table["ri"].tolist() == [FAME_RI[c] for c in (8, 9, 10, 12, 16, 18, 20)]


def test_fames_need_their_ris() -> None:
    with pytest.raises(GcmsflowError, match="fame_ri"):
        find_ladder(peaks_table([300.0], [FAME]), RiParams(markers="fames"))


def ladder(carbons: list[int], shift_s: float = 0.0) -> pd.DataFrame:
    c = np.array(carbons)
    return pd.DataFrame({"carbon": c, "ri": 100.0 * c, "rt": programmed_rts(np.arange(10, 21))[c - 10] + shift_s})


def test_one_ladder_per_batch_missing_markers_and_a_pooled_batch() -> None:
    runs = {"lad1": ladder(list(range(10, 21))), "lad2": ladder([10, 11, 12, 14, 15, 16, 17, 18, 19, 20], shift_s=6.0)}
    calibration, qc, warnings = batch_ladders(runs, {"lad1": "1", "lad2": "2"}, ["1", "2", "3"], RiParams(last_carbon=20))
    assert set(calibration["batch"]) == {"1", "2", "3"}
    b2 = qc[qc["batch"] == "2"].set_index("carbon")
    assert b2.loc[13, "status"] == "missing" and (b2.drop(13)["status"] == "found").all()
    assert b2.loc[14, "rt"] == pytest.approx(runs["lad1"].set_index("carbon").loc[14, "rt"] + 6.0)
    assert (qc.loc[qc["batch"] == "3", "source"] == "pooled").all()
    assert any("batch 2" in w and "C13" in w for w in warnings) and any("batch 3 has no ladder run" in w for w in warnings)
    # the same compound measured in both batches gets the same RI from its own batch's ladder
    rt1 = 500.0
    rt2 = rt1 + 6.0
    assert ri_for_batch(np.array([rt2]), "2", calibration)[0] == pytest.approx(ri_for_batch(np.array([rt1]), "1", calibration)[0])


def test_alkanes_missing_at_the_end_of_the_mix_are_reported() -> None:
    _, qc, warnings = batch_ladders({"lad": ladder(list(range(10, 19)))}, {"lad": "1"}, ["1"], RiParams(last_carbon=20))
    assert qc.loc[qc["status"] == "missing", "carbon"].tolist() == [19, 20]
    assert "missing C19, C20" in warnings[0]


def test_leave_one_out_residual_flags_a_misassigned_marker() -> None:
    good = ladder(list(range(10, 16)))
    assert np.nanmax(np.abs(leave_one_out_residuals(good))) < 5.0
    bad = good.assign(ri=good["ri"].where(good["carbon"] != 13, 1400.0))
    assert np.nanmax(np.abs(leave_one_out_residuals(bad))) > 50.0


def test_user_rt_table(tmp_path) -> None:
    table = pd.DataFrame({"rt_s": [300.0, 400.0, 520.0], "ri": [1000.0, 1100.0, 1200.0]})
    calibration, qc = table_calibration(table, ["1", "2"], "markers.tsv")
    assert calibration.groupby("batch").size().tolist() == [3, 3] and (qc["source"] == "table").all()
    assert ri_for_batch(np.array([460.0]), "2", calibration)[0] == pytest.approx(1150.0)
    with pytest.raises(GcmsflowError, match="markers.tsv: batch 9 is not in the sample sheet"):
        table_calibration(table.assign(batch="9"), ["1"], "markers.tsv")
    with pytest.raises(GcmsflowError, match="RI does not increase"):
        table_calibration(table.assign(ri=[1000.0, 1200.0, 1100.0]), ["1"], "markers.tsv")


def test_cli_ri_per_batch_with_warning(tmp_path, capsys) -> None:
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(
        "sample\tfile\tgroup\ttype\tbatch\tinjection_order\n"
        "lad1\tx.cdf\talkane\talkane\t1\t1\ns1\tx.cdf\ta\tsample\t1\t2\n"
        "lad2\tx.cdf\talkane\talkane\t2\t3\ns2\tx.cdf\ta\tsample\t2\t4\n"
    )
    (tmp_path / "x.cdf").write_bytes(b"")
    carbons = np.arange(10, 21)
    rts = programmed_rts(carbons)
    peaks = []
    for name, drop, shift in (("lad1", [], 0.0), ("lad2", [15], 4.0)):
        keep = ~np.isin(carbons, drop)
        path = tmp_path / f"{name}.tsv"
        peaks_table(list(rts[keep] + shift), [alkane_spectrum(int(c)) for c in carbons[keep]]).to_csv(path, sep="\t", index=False)
        peaks.append(str(path))
    out, qc = tmp_path / "calibration.tsv", tmp_path / "qc.tsv"
    args = ["ri", "--samples", str(sheet), "--peaks", *peaks, "--output", str(out), "--qc", str(qc), "--options", '{"last_carbon": 20}']
    assert main(args) == 0
    assert "batch 2: ladder incomplete, missing C15" in capsys.readouterr().err
    table = pd.read_csv(qc, sep="\t")
    assert table.groupby("batch")["status"].apply(lambda s: (s == "missing").sum()).tolist() == [0, 1]
    assert "C15" in ri_summary(table) and "Warning" in ri_summary(table)


def test_molecular_ions_place_a_ladder_that_starts_late() -> None:
    """C10 and C11 are absent from the run: the molecular ions (m/z 170, 184 ...) say the first peak is C12."""
    carbons = np.arange(12, 21)
    table = find_ladder(peaks_table(list(programmed_rts(carbons)), [alkane_spectrum(int(c)) for c in carbons]), RiParams(first_carbon=10, last_carbon=20))
    assert table["carbon"].tolist() == carbons.tolist()
