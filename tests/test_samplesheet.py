"""Sample sheet checks name the row and column of the first problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import REPO
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.core.samplesheet import COLUMNS, OPTIONAL_COLUMNS, SAMPLE_ID, TYPES, check_contrasts, columns_of_type, load_sheet, runs_of_type

HEADER = "sample\tfile\tgroup\ttype\tbatch\tinjection_order\n"


def sheet(tmp_path: Path, rows: list[str]) -> Path:
    (tmp_path / "raw").mkdir(exist_ok=True)
    for name in ("a.cdf", "b.cdf"):
        (tmp_path / "raw" / name).write_bytes(b"CDF\x01")
    path = tmp_path / "samples.tsv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_valid_sheet_resolves_paths_relative_to_its_folder(tmp_path: Path) -> None:
    table = load_sheet(sheet(tmp_path, ["s1\traw/a.cdf\tcontrol\tsample\t1\t2", "q1\traw/b.cdf\tpool\tqc\t1\t1"]))
    assert table.loc["s1", "path"] == str(tmp_path / "raw" / "a.cdf")
    assert runs_of_type(table, "sample", "qc") == ["q1", "s1"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["s1\traw/a.cdf\tcontrol\tsample\t1\t1", "s1\traw/b.cdf\tcontrol\tsample\t1\t2"], "row 2, column 'sample': duplicate sample 's1'"),
        (["s1\traw/a.cdf\tcontrol\tsampel\t1\t1"], "row 1, column 'type': unknown type 'sampel'"),
        (["s1\traw/zz.cdf\tcontrol\tsample\t1\t1"], "row 1, column 'file': file 'raw/zz.cdf' not found"),
        (["s 1\traw/a.cdf\tcontrol\tsample\t1\t1"], "row 1, column 'sample'"),
        (["s1\traw/a.cdf\tcontrol\tsample\t1\tfirst"], "row 1, column 'injection_order'"),
        (["s1\traw/a.cdf\tcontrol\tsample\t1\t-3"], "row 1, column 'injection_order': '-3' is not a whole number of 0 or more"),
        (["s1\traw/a.cdf\t\tsample\t1\t1"], "row 1, column 'group': empty cell"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, rows: list[str], message: str) -> None:
    with pytest.raises(GcmsflowError, match=message):
        load_sheet(sheet(tmp_path, rows), check_files=True)


def test_raw_files_are_checked_only_when_asked(tmp_path: Path) -> None:
    path = sheet(tmp_path, ["s1\traw/zz.cdf\tcontrol\tsample\t1\t1"])
    assert load_sheet(path).loc["s1", "file"] == "raw/zz.cdf"
    with pytest.raises(GcmsflowError, match="not found"):
        load_sheet(path, check_files=True)


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "samples.tsv"
    path.write_text("sample\tfile\n")
    with pytest.raises(GcmsflowError, match="missing column"):
        load_sheet(path)


def test_contrast_group_without_samples(tmp_path: Path) -> None:
    table = load_sheet(sheet(tmp_path, ["s1\traw/a.cdf\tcontrol\tsample\t1\t1"]))
    with pytest.raises(GcmsflowError, match="case group 'asn_deprived' has no samples"):
        check_contrasts(table, [{"name": "x", "case": "asn_deprived", "control": "control"}])


def test_group_may_be_empty_for_ladder_blank_and_qc_rows(tmp_path: Path) -> None:
    rows = ["l1\traw/a.cdf\t\talkane\t1\t1", "b1\traw/a.cdf\t \tblank\t1\t2", "q1\traw/b.cdf\t\tqc\t1\t3", "s1\traw/b.cdf\tcontrol\tsample\t1\t4"]
    table = load_sheet(sheet(tmp_path, rows), check_files=True)
    assert table["group"].tolist() == ["alkane", "blank", "qc", "control"]
    with pytest.raises(GcmsflowError, match="row 1, column 'group': empty cell \\(a group is needed for rows of type sample\\)"):
        load_sheet(sheet(tmp_path, ["s1\traw/a.cdf\t\tsample\t1\t1"]))


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "utf8-bom"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_sheet_with_crlf_or_bom_is_read(tmp_path: Path, prefix: bytes, newline: bytes) -> None:
    path = sheet(tmp_path, [])
    rows = [HEADER.strip(), "s1\traw/a.cdf\tcontrol\tsample\t1\t2", "q1\traw/b.cdf\t\tqc\t1\t1"]
    path.write_bytes(prefix + newline.join(r.encode() for r in rows) + newline)
    table = load_sheet(path, check_files=True)
    assert table.columns.tolist()[:6] == list(COLUMNS)
    assert table.to_dict("index")["s1"] | {"path": ""} == {
        "sample": "s1", "file": "raw/a.cdf", "group": "control", "type": "sample", "batch": "1", "injection_order": 2, "path": ""}
    assert runs_of_type(table, "sample", "qc") == ["q1", "s1"] and table.loc["q1", "group"] == "qc"


def test_the_schema_documents_the_same_rules() -> None:
    schema = yaml.safe_load((REPO / "config" / "schemas" / "samples.schema.yaml").read_text())
    assert schema["properties"]["sample"]["pattern"] == SAMPLE_ID.pattern
    assert tuple(schema["properties"]["type"]["enum"]) == TYPES
    assert set(schema["properties"]) == set(COLUMNS) | set(OPTIONAL_COLUMNS)
    assert set(schema["required"]) == set(COLUMNS) - {"group"}


def test_columns_of_type_keeps_the_column_order(tmp_path: Path) -> None:
    table = load_sheet(sheet(tmp_path, ["s1\traw/a.cdf\tcontrol\tsample\t1\t2", "q1\traw/b.cdf\t\tqc\t1\t1"]))
    assert columns_of_type(table, ["feature_id", "s1", "q1", "unknown"], *TYPES) == ["s1", "q1"]
    assert runs_of_type(table, *TYPES, among=["s1", "q1", "unknown"]) == ["q1", "s1"]
