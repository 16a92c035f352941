"""JCAMP-DX NTUPLES runs (``##NTUPLES= MASS SPECTRUM``, ``##DATA TABLE= (XY..XY), PEAKS``), and files cut short."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.io import jcamp
from gcmsflow.io.agilent import read_agilent
from gcmsflow.io.importer import import_run
from rawfiles import gc_run, ntuples_text, write_text, xydata_text

AGILENT = SHARED_DATA / "gcms" / "agilent" / "GC01_0812_066.D"
FIELDS = ("times_s", "scan_index", "point_count", "mass", "intensity")


def _same_scans(a, b) -> bool:
    return all(getattr(a, f).dtype == getattr(b, f).dtype and getattr(a, f).tobytes() == getattr(b, f).tobytes() for f in FIELDS)


@pytest.fixture(scope="module")
def agilent_ntuples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared Agilent run written as an NTUPLES file (as common converters write it)."""
    return write_text(tmp_path_factory.mktemp("ntuples") / "GC01_0812_066.jdx", ntuples_text(read_agilent(AGILENT), "GC01_0812_066"))


@pytest.mark.shared_data
def test_ntuples_file_of_the_agilent_run_reads_as_the_d_folder(agilent_ntuples: Path) -> None:
    folder, ntuples = import_run(AGILENT), import_run(agilent_ntuples)
    assert ntuples.times_s.tobytes() == folder.times_s.tobytes()
    assert np.corrcoef(ntuples.tic(), folder.tic())[0, 1] >= 0.999
    assert ntuples.metadata["format"] == "jcamp" and ntuples.intensity.shape == folder.intensity.shape == (9865, 551)


@pytest.mark.shared_data
def test_ntuples_c_reader_and_page_parser_agree_bit_for_bit(agilent_ntuples: Path) -> None:
    data = agilent_ntuples.read_bytes()
    fast = jcamp._read_regular(data, str(agilent_ntuples))
    if jcamp._jcamp_pages is not None:
        assert fast is not None and _same_scans(fast, jcamp._read_pages(data.decode("latin-1"), str(agilent_ntuples)))
    assert _same_scans(jcamp.read_jcamp(agilent_ntuples), read_agilent(AGILENT))


@pytest.mark.shared_data
@pytest.mark.parametrize("fraction", [0.3, 0.75, 0.999])
def test_agilent_ntuples_cut_short_is_refused_naming_the_last_complete_scan(agilent_ntuples: Path, tmp_path: Path, fraction: float) -> None:
    data = agilent_ntuples.read_bytes()
    cut = tmp_path / "cut.jdx"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(GcmsflowError, match=r"cut\.jdx: truncated: .*last complete scan \d+ at [\d.]+ s"):
        import_run(cut)


@pytest.mark.parametrize("separator", ["\n", "; ", " "])
def test_ntuples_layouts_read_as_the_xydata_layout(tmp_path: Path, separator: str) -> None:
    raw = gc_run()
    ntuples = import_run(write_text(tmp_path / "n.jdx", ntuples_text(raw, separator=separator)))
    xydata = import_run(write_text(tmp_path / "x.jdx", xydata_text(raw)))
    assert ntuples.times_s.tobytes() == xydata.times_s.tobytes() == raw.times_s.tobytes()
    assert ntuples.intensity.tobytes() == xydata.intensity.tobytes()
    data = (tmp_path / "n.jdx").read_bytes()
    fast = jcamp._read_regular(data, "n.jdx")
    if jcamp._jcamp_pages is not None:
        assert fast is not None and _same_scans(fast, jcamp._read_pages(data.decode("latin-1"), "n.jdx"))


def test_ntuples_minutes_and_factors(tmp_path: Path) -> None:
    raw = gc_run()
    text = ntuples_text(raw, declare=False).replace("RELATIVE ABUNDANCE, SECONDS", "RELATIVE ABUNDANCE, MINUTES")
    text = text.replace("##UNITS=", "##FACTOR= 1, 2, 1\n##UNITS=")
    cube = import_run(write_text(tmp_path / "m.jdx", text))
    assert cube.times_s.tolist() == (raw.times_s * 60).tolist()
    assert cube.tic().sum() == pytest.approx(2 * import_run(write_text(tmp_path / "s.jdx", ntuples_text(raw))).tic().sum())


def test_run_whose_every_scan_is_empty_is_refused(tmp_path: Path) -> None:
    raw = gc_run()
    raw.point_count[:] = 0
    with pytest.raises(GcmsflowError, match="all 400 scans are empty .*without mass spectra"):
        import_run(write_text(tmp_path / "e.jdx", ntuples_text(raw)))
    no_tables = ntuples_text(gc_run()).replace("##DATA TABLE= (XY..XY), PEAKS\n", "##NOTE= x\n")
    with pytest.raises(GcmsflowError, match="no_tables.jdx: .*(empty|not a number)"):
        import_run(write_text(tmp_path / "no_tables.jdx", no_tables))


def test_profile_data_form_is_refused(tmp_path: Path) -> None:
    text = ntuples_text(gc_run()).replace("(XY..XY), PEAKS", "(X++(Y..Y)), XYDATA")
    with pytest.raises(GcmsflowError, match=r"scan 1: ##DATA TABLE= \(X\+\+\(Y\.\.Y\)\), XYDATA holds profile \(continuum\) spectra"):
        import_run(write_text(tmp_path / "p.jdx", text))


def _cut_variants(text: str) -> dict[str, str]:
    pages = text.split("##PAGE=")
    last_page = len(text) - len(pages[-1])
    return {
        "inside the last page": text[: last_page + len(pages[-1]) // 2],
        "inside a pair": text[: text.rindex(",", 0, len(text) - 200) + 1],
        "at a page boundary": "##PAGE=".join(pages[: len(pages) // 2]),
        "at a page boundary, no VAR_DIM": "##PAGE=".join(pages[: len(pages) // 2]).replace("##VAR_DIM= , , 400\n", ""),
        "last pages dropped, ##END= kept": "##PAGE=".join(pages[:-40]).replace("##VAR_DIM= , , 400\n", "") + "##END=\n",
    }


@pytest.mark.parametrize("where", list(_cut_variants(ntuples_text(gc_run()))))
def test_truncation_is_detected(tmp_path: Path, where: str) -> None:
    text = _cut_variants(ntuples_text(gc_run()))[where]
    with pytest.raises(GcmsflowError, match=r"t\.jdx: truncated: .*; last complete scan \d+ at [\d.]+ s"):
        import_run(write_text(tmp_path / "t.jdx", text))


def test_xydata_file_cut_at_a_page_boundary_is_detected_by_last(tmp_path: Path) -> None:
    pages = xydata_text(gc_run()).split("##PAGE=")
    with pytest.raises(GcmsflowError, match="well short of the 259.5 s its ##LAST= declares; last complete scan 300 at 209.500 s"):
        import_run(write_text(tmp_path / "x.jdx", "##PAGE=".join(pages[:301])))


def test_complete_files_without_declarations_are_not_called_truncated(tmp_path: Path) -> None:
    raw = gc_run()
    text = ntuples_text(raw, declare=False).replace("##NPOINTS= 20\n", "")
    assert import_run(write_text(tmp_path / "c.jdx", text.replace("##END NTUPLES= MASS SPECTRUM\n##END=\n", ""))).times_s.size == 400
