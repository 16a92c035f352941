"""The demo simulator: deterministic, realistic layout, truth that matches the sheet in config/;
the hard preset carries the effects it names."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BIN, REPO, SHARED_DATA
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.core.tables import read_tsv
from gcmsflow.demo.massbank import quant_ion
from gcmsflow.demo.runs import design_runs
from gcmsflow.demo.severity import Design, Severity, preset
from gcmsflow.demo.simulate import load_compounds, simulate_study
from gcmsflow.demo.spectra import alkane_spectrum, contaminant_spectrum, tms_spectrum
from gcmsflow.io.andi import read_andi

SHORT = {"per_group": 3, "qc_every": 2, "rt_start_s": 250.0, "rt_end_s": 600.0}  # RI up to ~1600: fast


def test_study_layout_and_truth(small_study: Path) -> None:
    sheet = read_tsv(small_study / "samples.tsv")
    counts = sheet["type"].value_counts()
    assert counts["sample"] == 6 and counts["alkane"] == 1 and counts["blank"] == 1 and counts["qc"] >= 3
    assert set(sheet.loc[sheet["type"] == "sample", "group"]) == {"control", "asn_deprived"}
    assert all((small_study / f).is_file() for f in sheet["file"])
    truth = read_tsv(small_study / "truth" / "compounds.tsv")
    assert truth["metabolite"].nunique() >= 40
    expected = {"asparagine", "aspartate", "glutamine", "glutamate", "serine", "glycine", "lactate", "ribitol", "citrate"}
    assert expected <= set(truth["metabolite"])
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


def test_contaminants_include_alkane_lookalikes() -> None:
    kinds = {}
    for i in range(8):
        kind, spectrum = contaminant_spectrum(i, seed=3)
        kinds[kind] = spectrum
        assert max(spectrum.values()) == 1.0 and spectrum == contaminant_spectrum(i, seed=3)[1]
    assert set(kinds) == {"siloxane", "phthalate", "hydrocarbon", "unknown"}
    assert max(kinds["phthalate"], key=kinds["phthalate"].get) == 149
    assert kinds["hydrocarbon"][57] > 0.5 and kinds["hydrocarbon"].get(71, 0) > 0.3  # looks like a ladder alkane


@pytest.fixture(scope="module")
def hard_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    design, severity = preset("hard", **SHORT)
    out = tmp_path_factory.mktemp("hard")
    simulate_study(out, design, severity)
    return out


def test_hard_preset_is_deterministic(hard_study: Path, tmp_path: Path) -> None:
    design, severity = preset("hard", **SHORT)
    simulate_study(tmp_path, design, severity)
    for name in ("raw/alkanes02.cdf", "raw/asn01.cdf", "library.msp", "truth/peaks.tsv", "truth/runs.tsv", "samples.tsv"):
        assert (tmp_path / name).read_bytes() == (hard_study / name).read_bytes(), name


def test_hard_preset_has_batches_each_with_its_ladder(hard_study: Path) -> None:
    sheet = read_tsv(hard_study / "samples.tsv")
    assert sheet["batch"].nunique() == 3
    for _, runs in sheet.groupby("batch"):
        assert runs["type"].iloc[0] == "alkane" and (runs["type"] == "alkane").sum() == 1
        assert (runs["type"] == "sample").sum() >= 2
    responses = read_tsv(hard_study / "truth" / "runs.tsv").groupby("batch")["response"].median()
    assert responses.max() / responses.min() > 1.2


def test_hard_preset_drifts_seconds_against_the_batch_ladder(hard_study: Path, small_study: Path) -> None:
    def spread_s(study: Path, relative: bool) -> float:
        """Median over compounds of the apex-RT range over samples, absolute or less their batch ladder's offset."""
        runs = read_tsv(study / "truth" / "runs.tsv")
        ladder = runs[runs["type"] == "alkane"].set_index("batch")["offset_s"]
        peaks = read_tsv(study / "truth" / "peaks.tsv").merge(runs[runs["type"] == "sample"], on="sample")
        if relative:
            peaks["rt_s"] -= peaks["batch"].map(ladder)
        return float(peaks.groupby("compound_id")["rt_s"].agg(lambda rt: rt.max() - rt.min()).median())

    assert spread_s(hard_study, relative=True) >= 2.5  # seconds against the ladder, from offsets and stretch
    assert spread_s(hard_study, relative=False) >= 3 * spread_s(small_study, relative=False)
    peaks = read_tsv(hard_study / "truth" / "peaks.tsv").merge(read_tsv(hard_study / "truth" / "runs.tsv"), on="sample")
    samples = peaks[peaks["type"] == "sample"].copy()
    # what remains after each run's own offset and stretch is the compound's wobble (SD 0.5 s)
    samples["residual"] = samples["rt_s"] - samples.groupby("sample")["rt_s"].transform("median")
    wobble = samples.groupby("compound_id")["residual"].std()
    assert 0.2 < wobble.median() < 1.5


def test_hard_preset_tails_dilutes_and_contaminates(hard_study: Path) -> None:
    effects = read_tsv(hard_study / "truth" / "effects.tsv")
    assert effects["tau_s"].max() > 0.8 and effects["tau_s"].min() < 0.4
    assert effects["near_lod"].sum() == 8 and (effects.loc[effects["near_lod"], "dilution"] < 1).all()
    peaks = read_tsv(hard_study / "truth" / "peaks.tsv")
    ladder = peaks[peaks["sample"] == "alkanes01"]
    in_run = ladder[ladder["quant_area"] > 0]
    assert in_run["compound_id"].str.startswith("contaminant_").sum() > in_run["compound_id"].str.startswith("alkane_").sum()
    assert len(read_tsv(hard_study / "truth" / "contaminants.tsv")) == 60


def _empty_channel_share(path: Path, mz_low: float = 585.0) -> tuple[float, np.ndarray]:
    """Share of scans with a centroid at m/z >= ``mz_low`` (where no compound or bleed ion lies) and those intensities."""
    raw = read_andi(path)
    scan = np.repeat(np.arange(raw.times_s.size), raw.point_count)
    high = raw.mass >= mz_low
    return np.unique(scan[high]).size / raw.times_s.size, raw.intensity[high]


def test_hard_preset_has_single_scan_spikes(hard_study: Path, small_study: Path) -> None:
    share, spikes = _empty_channel_share(hard_study / "raw" / "alkanes01.cdf")
    assert share > 0.2 and spikes.max() > 500 and np.median(spikes) < 300
    assert _empty_channel_share(small_study / "raw" / "alkanes01.cdf")[0] < 0.05


def test_preset_overrides_and_errors() -> None:
    design, severity = preset("hard", '{"spike_fraction": 0.05, "tau_range_s": [0.1, 0.2]}', seed=3)
    assert design.batches == 3 and design.seed == 3 and severity.spike_fraction == 0.05 and severity.tau_range_s == (0.1, 0.2)
    assert preset("default") == (Design(), Severity())
    with pytest.raises(GcmsflowError, match="unknown preset 'harder'"):
        preset("harder")
    with pytest.raises(GcmsflowError, match="unknown setting"):
        preset("hard", '{"spikes": 1}')
    with pytest.raises(GcmsflowError, match="batches"):
        preset("hard", per_group=2)


def test_cli_rejects_bad_severity_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run([str(BIN / "gcmsflow"), "simulate", "--out", str(tmp_path / "x"), "--preset", "hard", "--severity", "[1]"],
                            capture_output=True, text=True)
    assert result.returncode == 1 and result.stderr.strip().count("\n") == 0 and "--severity" in result.stderr
    assert not (tmp_path / "x").exists()


def _msp(records: list[tuple[str, str, dict[int, int]]]) -> str:
    return "\n".join(f"NAME: {name}\nDB#: {acc}\nLICENSE: CC BY\nAUTHORS: A. Author\nNum Peaks: {len(p)}\n"
                     + "\n".join(f"{mz} {v}" for mz, v in p.items()) + "\n" for name, acc, p in records)


def test_massbank_spectra_replace_modelled_ones(tmp_path: Path) -> None:
    asparagine = {73: 999, 116: 900, 132: 440, 231: 150, 333: 20, 30: 500, 700: 80}
    lysine = {73: 999, 156: 500, 174: 10, 317: 200}
    (tmp_path / "mb.msp").write_text(_msp([("L-Asparagine (3 TMS)", "MSBNK-X-1", asparagine), ("L-Lysine (4 TMS)", "MSBNK-X-2", lysine),
                                           ("L-Asparagine (3 TMS)", "MSBNK-X-3", {99: 999})]))
    design = Design(per_group=2, qc_every=2, rt_start_s=580.0, rt_end_s=620.0)
    simulate_study(tmp_path / "study", design, massbank=tmp_path / "mb.msp")
    effects = read_tsv(tmp_path / "study" / "truth" / "effects.tsv").merge(read_tsv(tmp_path / "study" / "truth" / "compounds.tsv"))
    sources = effects.set_index("metabolite")["spectrum"]
    assert sources["asparagine"] == "MassBank MSBNK-X-1" and sources["lysine"] == "MassBank MSBNK-X-2" and sources["glutamate"] == "modelled"
    assert effects.set_index("metabolite").loc["lysine", "quant_mz"] == 156  # 174 is under 5 % of the base peak in that record
    library = (tmp_path / "study" / "library.msp").read_text()
    entry = library.split("NAME: Asparagine, 3TMS\n")[1].split("\n\n")[0]
    assert "MSBNK-X-1" in entry and "LICENSE: CC BY" in entry and "AUTHORS: A. Author" in entry
    ions = [int(line.split()[0]) for line in entry.splitlines() if line[:1].isdigit()]
    assert 116 in ions and 30 not in ions and 700 not in ions  # outside the simulated m/z 50-600
    assert quant_ion({73: 1.0, 116: 0.9}, 116) == 116 and quant_ion({73: 1.0, 147: 0.5, 204: 0.3, 116: 0.01}, 116) == 204


@pytest.mark.shared_data
def test_massbank_library_covers_the_key_compounds(tmp_path: Path) -> None:
    from gcmsflow.demo.massbank import read_massbank

    records = read_massbank(SHARED_DATA / "library" / "massbank_gc_ei.msp")
    assert {("asparagine", "3TMS"), ("ribitol", "5TMS"), ("glutamine", "3TMS"), ("aspartate", "3TMS")} <= set(records)
    assert len(records) >= 50 and all(r.license and r.accession.startswith("MSBNK") for r in records.values())
