"""Reading a real public EI library (MassBank MSP) through matchms."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED_DATA
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.io.library import column_class, load_library


@pytest.mark.shared_data
def test_massbank_library_loads_with_ri() -> None:
    library = load_library(SHARED_DATA / "library" / "massbank_gc_ei.msp")
    assert len(library.names) == 1517
    assert np.isfinite(library.ri).sum() == 1007
    asparagine = [k for k, name in enumerate(library.names) if name == "L-Asparagine (3 TMS)"]
    assert asparagine and all(library.intensity[k, 116] > 0 for k in asparagine)


def test_missing_library_is_refused(tmp_path) -> None:
    with pytest.raises(GcmsflowError, match="library file not found"):
        load_library(tmp_path / "none.msp")


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("DB-5MS UI 122-5532UI (Agilent), length 30 m", "semi-standard non-polar"),
        ("HP-5 19091J-413, length 50 m, I.D. 0.32 mm", "semi-standard non-polar"),
        ("CP-SIL 8 CB LOW BLEED/MS", "semi-standard non-polar"),
        ("ZB1-MS 7HM-G011-11 30x0.32", "standard non-polar"),
        ("DB-17MS", "intermediate polar"),
        ("DB-WAX", "polar"),
        ("home-made phase", None),
        (None, None),
    ],
)
def test_column_classes(column, expected) -> None:
    assert column_class(column) == expected


MSP = """NAME: Alanine, 2TMS
Comment: SemiStdNP RI=1100.5 from a GMD export
COLUMN: DB-5MS
Num Peaks: 2
116 999
73 500

NAME: Serine, 3TMS
RETENTIONINDEX: 1361
COLUMN: DB-17MS
Num Peaks: 2
204 999
73 500

NAME: Glycine, 3TMS
Synon: RI: 1305.2
Num Peaks: 1
174 999
"""


def test_msp_flavours_ri_and_column_class(tmp_path) -> None:
    (tmp_path / "lib.msp").write_text(MSP)
    library = load_library(tmp_path / "lib.msp", "semi-standard non-polar")
    assert library.names == ["Alanine, 2TMS", "Serine, 3TMS", "Glycine, 3TMS"]
    assert library.ri[0] == 1100.5 and np.isnan(library.ri[1]) and library.ri[2] == 1305.2  # DB-17 RI dropped
    assert library.column_classes == ["semi-standard non-polar", "intermediate polar", None]
    assert load_library(tmp_path / "lib.msp").ri[1] == 1361.0


def test_mgf_and_json_libraries_read_like_msp(tmp_path) -> None:
    from matchms.exporting import save_as_json, save_as_mgf
    from matchms.importing import load_from_msp

    (tmp_path / "lib.msp").write_text(MSP)
    spectra = list(load_from_msp(str(tmp_path / "lib.msp")))
    save_as_mgf(spectra, str(tmp_path / "lib.mgf"))
    save_as_json(spectra, str(tmp_path / "lib.json"))
    reference = load_library(tmp_path / "lib.msp")
    for name in ("lib.mgf", "lib.json"):
        library = load_library(tmp_path / name)
        assert library.names == reference.names and np.array_equal(library.intensity, reference.intensity), name


def test_unknown_library_format_is_refused(tmp_path) -> None:
    (tmp_path / "lib.txt").write_text(MSP)
    with pytest.raises(GcmsflowError, match="unknown library format '.txt'"):
        load_library(tmp_path / "lib.txt")


def test_unknown_study_column_class_is_refused(tmp_path) -> None:
    (tmp_path / "lib.msp").write_text(MSP)
    with pytest.raises(GcmsflowError, match="unknown column class 'semi-polar'"):
        load_library(tmp_path / "lib.msp", "semi-polar")


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (["NAME: Bad one", "Num Peaks: 2", "73 999", "abc def"], "line 9, entry 'Bad one' (line 6): peak line 'abc def' is not m/z–intensity number pairs"),
        (["NAME: Bad one", "Num Peaks: 2", "73 999", "147 x"], "line 9, entry 'Bad one' (line 6): peak line '147 x' is not m/z–intensity number pairs"),
        (["NAME: Bad one", "Num Peaks: 2", "73 999 147"], "line 8, entry 'Bad one' (line 6): peak line '73 999 147' is not m/z–intensity number pairs"),
        (["NAME: Short", "Num Peaks: 3", "73 999", "147 20"], "line 11, entry 'Short' (line 6): 'Num Peaks: 3' but 2 peaks follow"),
        (["NAME: Long", "Num Peaks: 1", "73 999", "147 20"], "line 9, entry 'Long' (line 6): more peaks than 'Num Peaks: 1'"),
        (["NAME: Odd", "Num Peaks: two", "73 999"], "line 7, entry 'Odd' (line 6): 'Num Peaks: two' is not a whole number"),
    ],
)
def test_broken_msp_entries_are_named_by_line_and_entry(tmp_path, lines, problem) -> None:
    good = ["NAME: Alanine, 2TMS", "Num Peaks: 2", "116 999", "73 500", ""]
    (tmp_path / "lib.msp").write_text("\n".join(good + lines + ["", "NAME: Next", "Num Peaks: 1", "73 999", ""]))
    with pytest.raises(GcmsflowError) as err:
        load_library(tmp_path / "lib.msp")
    assert str(err.value) == f"{tmp_path / 'lib.msp'}: {problem}"


def test_msp_peak_line_flavours_are_read(tmp_path) -> None:
    text = 'NAME: A\nNum Peaks: 4\n73 999; 75 50;\n116\t400 "TMS"\n147:20\n\nNAME: B\nNum Peaks: 2\n73:999 147:10\n'
    (tmp_path / "lib.msp").write_text(text)
    library = load_library(tmp_path / "lib.msp")
    assert library.names == ["A", "B"] and library.intensity[0, [73, 75, 116, 147]].tolist() == [999, 50, 400, 20]


def test_folder_given_as_library_is_refused(tmp_path) -> None:
    (tmp_path / "library.msp").mkdir()
    with pytest.raises(GcmsflowError, match="library.msp: is a folder, not a library file"):
        load_library(tmp_path / "library.msp")
