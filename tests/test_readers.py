"""The four raw formats and their bad-input catalogue; real files from ../shared/data where marked."""

from __future__ import annotations

import base64
import builtins
import gzip
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA
from gcmsflow.cli import main
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.io import jcamp
from gcmsflow.io.andi import read_andi, write_andi
from gcmsflow.io.importer import ImportParams, import_run, sniff_format
from gcmsflow.io.jcamp import page_tic
from test_importer import raw_scans

TINY = ImportParams(min_scans=1, min_duration_s=0.0)  # the small runs these tests build are not chromatography

CV = 'cvRef="MS" accession="{acc}" name="{name}" value="{value}"'


def _array(values: np.ndarray, accession: str, name: str) -> str:
    encoded = base64.b64encode(np.asarray(values, "<f8").tobytes()).decode()
    return (
        f'<binaryDataArray encodedLength="{len(encoded)}"><cvParam {CV.format(acc="MS:1000523", name="64-bit float", value="")}/>'
        f'<cvParam {CV.format(acc="MS:1000576", name="no compression", value="")}/>'
        f'<cvParam {CV.format(acc=accession, name=name, value="")}/><binary>{encoded}</binary></binaryDataArray>'
    )


def write_mzml(path: Path, spectra: list[tuple[int, float, str, np.ndarray, np.ndarray]]) -> None:
    """Minimal mzML: ``(ms level, start time, unit, m/z, intensity)`` per spectrum."""
    units = {"second": "UO:0000010", "minute": "UO:0000031"}
    body = []
    for k, (level, start, unit, mz, intensity) in enumerate(spectra):
        body.append(
            f'<spectrum index="{k}" id="scan={k + 1}" defaultArrayLength="{len(mz)}">'
            f'<cvParam {CV.format(acc="MS:1000511", name="ms level", value=level)}/>'
            f'<scanList count="1"><scan><cvParam {CV.format(acc="MS:1000016", name="scan start time", value=start)} '
            f'unitCvRef="UO" unitAccession="{units[unit]}" unitName="{unit}"/></scan></scanList>'
            f'<binaryDataArrayList count="2">{_array(mz, "MS:1000514", "m/z array")}'
            f'{_array(intensity, "MS:1000515", "intensity array")}</binaryDataArrayList></spectrum>'
        )
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n<mzML xmlns="http://psi.hupo.org/ms/mzml" version="1.1.0">'
        '<cvList count="2"><cv id="MS" fullName="PSI-MS" URI="https://purl.obolibrary.org/obo/ms.obo"/>'
        '<cv id="UO" fullName="Unit Ontology" URI="https://purl.obolibrary.org/obo/uo.obo"/></cvList>'
        f'<run id="r"><spectrumList count="{len(spectra)}">{"".join(body)}</spectrumList></run></mzML>'
    )
    data = text.encode()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


MS1 = [(1, 0.5, "minute", np.array([73.05, 147.07]), np.array([100.0, 50.0])), (1, 0.51, "minute", np.array([73.05]), np.array([80.0]))]


@pytest.mark.parametrize("name", ["run.mzML", "run.mzML.gz"])
def test_mzml_ms1_only_with_minutes(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_mzml(path, MS1[:1] + [(2, 0.505, "minute", np.array([60.0]), np.array([9.0]))] + MS1[1:])
    cube = import_run(path, TINY)
    assert sniff_format(path) == "mzml"
    assert cube.times_s.tolist() == pytest.approx([30.0, 30.6])
    assert cube.column(73).tolist() == [100.0, 80.0] and cube.column(60).sum() == 0


def test_mzml_with_only_ms2_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ms2.mzML"
    write_mzml(path, [(2, 1.0, "second", np.array([60.0]), np.array([9.0]))])
    with pytest.raises(GcmsflowError, match="no MS1 spectra"):
        import_run(path, TINY)


def test_netcdf4_andi_with_short_intensities_and_scale_factor(tmp_path: Path) -> None:
    import netCDF4

    path = tmp_path / "run.cdf"
    raw = raw_scans()
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("scan_number", 3)
        nc.createDimension("point_number", raw.mass.size)
        for name, kind, dim, values in (
            ("scan_acquisition_time", "f8", "scan_number", raw.times_s), ("scan_index", "i4", "scan_number", raw.scan_index),
            ("point_count", "i4", "scan_number", raw.point_count), ("mass_values", "f4", "point_number", raw.mass),
        ):
            nc.createVariable(name, kind, (dim,))[:] = values
        intensity = nc.createVariable("intensity_values", "i2", ("point_number",))
        intensity.set_auto_maskandscale(False)
        intensity.scale_factor = 0.5
        intensity[:] = (raw.intensity * 2).astype("i2")
    cube = import_run(path, TINY)
    assert cube.column(73).tolist() == [100.0] * 3 and cube.metadata["format"] == "andi"


def test_andi_without_instrument_name_reads(tmp_path: Path) -> None:
    path = tmp_path / "run.cdf"
    write_andi(path, raw_scans(), title="t")
    assert read_andi(path).instrument  # the simulator writes one
    from scipy.io import netcdf_file

    with netcdf_file(str(path), "a", mmap=False) as nc:
        nc.instrument_name = b""
    assert read_andi(path).instrument == "" and import_run(path, TINY).metadata["instrument"] == ""


def test_andi_tic_matches_the_file(small_study: Path) -> None:
    from scipy.io import netcdf_file

    path = small_study / "raw" / "qc01.cdf"
    with netcdf_file(str(path), "r", mmap=False) as nc:
        tic = np.array(nc.variables["total_intensity"][:])
    assert np.allclose(import_run(path).tic(), tic, rtol=1e-5)


def test_jcamp_minutes_and_no_scans(tmp_path: Path) -> None:
    good = tmp_path / "run.jdx"
    good.write_text("##TITLE= x\n##XUNITS= MINUTES\n##PAGE= T=1.0\n##RETENTION_TIME= 1.0\n##XYDATA= (XY..XY)\n 73.05, 10.0\n 147.0, 5.0\n##END=\n")
    cube = import_run(good, TINY)
    assert cube.times_s.tolist() == [60.0] and cube.column(147).tolist() == [5.0]
    empty = tmp_path / "empty.jdx"
    empty.write_text("##TITLE= x\n##JCAMP-DX= 4.24\n##END=\n")
    with pytest.raises(GcmsflowError, match="no ##PAGE= scans"):
        import_run(empty)


JCAMP_PAGES = "##PAGE= T=1.0\n##RETENTION_TIME= 1.0\n##XYDATA= (XY..XY)\n 73.05, 10.0\n 147.0, 5.0\n##PAGE= T=2.0\n##XYDATA= (XY..XY)\n 60.7, 7.0\n"
JCAMP_LAYOUTS = {
    "one pair per line": JCAMP_PAGES,
    "no newline at the end": JCAMP_PAGES + "##END=",  # without ##END= a missing line end would mean a cut line
    "two pairs per line": JCAMP_PAGES.replace(" 73.05, 10.0\n 147.0, 5.0", " 73.05, 10.0 147.0, 5.0"),
    "blank line in the data": JCAMP_PAGES.replace(" 147.0, 5.0\n", " 147.0, 5.0\n\n"),
    "CRLF line ends": JCAMP_PAGES.replace("\n", "\r\n"),
}


@pytest.mark.parametrize("layout", JCAMP_LAYOUTS)
def test_jcamp_layouts_read_the_same(tmp_path: Path, layout: str) -> None:
    path = tmp_path / "run.jdx"
    path.write_text("##TITLE= x\n" + JCAMP_LAYOUTS[layout], newline="")
    cube = import_run(path, TINY)
    assert cube.times_s.tolist() == [1.0, 2.0]
    assert cube.column(73).tolist() == [10.0, 0.0] and cube.column(147).tolist() == [5.0, 0.0] and cube.column(61).tolist() == [0.0, 7.0]


needs_c_reader = pytest.mark.skipif(
    jcamp._jcamp_pages is None and not os.environ.get("CI"), reason="C reader not built (no C compiler at install)"
)


def _same_scans(a, b) -> bool:
    fields = ("times_s", "scan_index", "point_count", "mass", "intensity")
    return all(getattr(a, f).dtype == getattr(b, f).dtype and getattr(a, f).tobytes() == getattr(b, f).tobytes() for f in fields)


@needs_c_reader
def test_c_reader_matches_the_page_parser_bit_for_bit() -> None:
    numbers = ["73.05", "5356.0", "0.1", "+2.5", "-0.0", ".5", "5.", "1e3", "2.5E-3", "00012.50", "9007199254740993",
               "0.30000000000000004", "123456789012345678901234", "1e-30", "4.35", "1.7976931348623157e308", "0"]
    lines = "".join(f" {x}, {y}\n" for x, y in zip(numbers, numbers[::-1]))
    text = (f"##TITLE= x\n##PAGE= T=1.25\n##XYDATA= (XY..XY)\n{lines}##PAGE= T= 2.5\n##RETENTION_TIME= 3.0625\n"
            f"##NPOINTS= 1\n##XYDATA= (XY..XY)\n\t1.0 ,\t2.0\t\r\n##PAGE= T=4\n##XYDATA= (XY..XY)\n##END=\n")
    fast = jcamp._read_regular(text.encode())
    assert fast is not None and fast.point_count.tolist() == [len(numbers), 1, 0] and fast.times_s.tolist() == [1.25, 3.0625, 4.0]
    assert _same_scans(fast, jcamp._read_pages(text, "run.jdx"))
    assert fast.mass[:len(numbers)].tolist() == [float(x) for x in numbers]


@needs_c_reader
@pytest.mark.parametrize("seed", range(6))
def test_c_reader_reads_every_pair_layout_as_the_page_parser(seed: int) -> None:
    rng = np.random.default_rng(seed)
    separators = [", ", ",", " ", "\t", " , ", ",\t"]
    pages = []
    for page in range(5):
        values = [f"{v:.{rng.integers(0, 6)}f}" for v in rng.uniform(0, 1e6, 2 * rng.integers(0, 12))]
        lines, line = [], []
        for value in values:  # one or several values per line, pairs split across lines too
            line.append(value)
            if rng.random() < 0.4:
                lines.append(rng.choice(separators).join(line) + rng.choice(["", " ", ","]))
                lines.extend([""] * int(rng.random() < 0.2))  # a blank line now and then
                line = []
        lines.append(" ".join(line))
        pages.append(f"##PAGE= T={page + 0.5}\n##XYDATA= (XY..XY)\n" + "\n".join(lines) + "\n")
    text = "##TITLE= x\n" + "".join(pages) + "##END=\n"
    if seed % 2:
        text = text.replace("\n", "\r\n")
    fast = jcamp._read_regular(text.encode())
    assert fast is not None and _same_scans(fast, jcamp._read_pages(text, "run.jdx"))


@pytest.mark.parametrize("layout", ["label text in a data line", "text between labels", "retention time spelt with spaces",
                                    "value with an underscore", "odd number of values", "text after a value",
                                    "profile data form"])
def test_c_reader_leaves_irregular_files_to_the_page_parser(layout: str) -> None:
    text = "##TITLE= x\n" + JCAMP_PAGES
    text = {
        "label text in a data line": text.replace(" 147.0, 5.0", " 147.0, 5.0 ##TIC= 1"),
        "text between labels": text.replace("##PAGE= T=2.0\n", "##PAGE= T=2.0\nnote\n"),
        "retention time spelt with spaces": text.replace("##RETENTION_TIME=", "## RETENTION TIME ="),
        "value with an underscore": text.replace("147.0", "14_7.0"),
        "odd number of values": text.replace(" 147.0, 5.0", " 147.0, 5.0, 6.0"),
        "text after a value": text.replace(" 147.0, 5.0", " 147.0, 5.0 (M+)"),
        "profile data form": text.replace("##XYDATA= (XY..XY)\n 60.7", "##XYDATA= (X++(Y..Y))\n 60.7"),
    }[layout]
    assert jcamp._read_regular(text.encode()) is None


def test_empty_retention_time_label_falls_back_to_the_page_time(tmp_path: Path) -> None:
    path = tmp_path / "run.jdx"
    path.write_text("##TITLE= x\n" + JCAMP_PAGES.replace("##RETENTION_TIME= 1.0\n", "##RETENTION_TIME=\n##TIC= 15\n"))
    assert import_run(path, TINY).times_s.tolist() == [1.0, 2.0]


def test_jcamp_bad_value_names_the_scan(tmp_path: Path) -> None:
    path = tmp_path / "run.jdx"
    path.write_text("##TITLE= x\n" + JCAMP_PAGES.replace("60.7, 7.0", "60.7, 7.o"))
    with pytest.raises(GcmsflowError, match="scan 2: XYDATA holds a value that is not a number"):
        import_run(path, TINY)


def test_agilent_folder_without_data_ms(tmp_path: Path) -> None:
    folder = tmp_path / "RUN01.D"
    folder.mkdir()
    (folder / "acqmeth.txt").write_text("method")
    with pytest.raises(GcmsflowError, match="without DATA.MS"):
        import_run(folder)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.cdf"
    write_andi(path, raw_scans(), title="t")
    real_open = builtins.open

    def deny(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    with pytest.raises(GcmsflowError, match="cannot be read \\(Permission denied\\)"):
        import_run(path, TINY)


@pytest.mark.parametrize("content", [b"\x1f\x8bgarbage", b"<html><body>not mzml</body></html>"])
def test_unknown_or_damaged_content_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "run.mzML.gz"
    path.write_bytes(content)
    out = tmp_path / "cube.npz"
    assert main(["import", "--input", str(path), "--output", str(out)]) == 1
    assert not out.exists()


JCAMP_DIR = SHARED_DATA / "gcms" / "jcamp"


@pytest.mark.shared_data
@pytest.mark.parametrize("name", [f"{g}_{i}_SUBTRACT.JDX" for g in ("ELEY", "GECO") for i in range(1, 6)])
def test_real_jcamp_runs(name: str) -> None:
    path = JCAMP_DIR / name
    cube = import_run(path, ImportParams(mz_min=1, mz_max=600))  # the file's TIC counts ions below m/z 50 too
    assert cube.intensity.shape[0] == 2103 and cube.metadata["format"] == "jcamp"
    assert 1.0 <= cube.times_s[0] < 2.0 and 2200 < cube.times_s[-1] < 2230
    assert np.allclose(cube.tic(), page_tic(path), rtol=1e-4)
    if jcamp._jcamp_pages is not None or os.environ.get("CI"):
        data = path.read_bytes()
        assert _same_scans(jcamp._read_regular(data), jcamp._read_pages(data.decode("latin-1"), str(path)))


@pytest.mark.shared_data
def test_real_agilent_folder() -> None:
    cube = import_run(SHARED_DATA / "gcms" / "agilent" / "GC01_0812_066.D")
    assert cube.intensity.shape == (9865, 551)
    assert cube.mz[0] == 50 and cube.mz[-1] == 600
    assert cube.metadata["format"] == "agilent" and np.all(np.diff(cube.times_s) > 0)
    assert cube.tic().max() > 0
