"""Import of ANDI-MS netCDF into scan cubes, unit-mass binning, and the refusal of bad files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from gcmsflow.cli import main
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.core.rawscans import RawScans
from gcmsflow.core.scancube import load_cube
from gcmsflow.io import importer
from gcmsflow.io.andi import write_andi
from gcmsflow.io.importer import ImportParams, bin_unit_mass, import_run, sum_by_cell

TINY = ImportParams(min_scans=1, min_duration_s=0.0)  # the small runs these tests build are not chromatography


def raw_scans(times=(1.0, 2.0, 3.0), points=((73.05, 100.0), (147.07, 50.0))) -> RawScans:
    mass = np.array([m for _ in times for m, _ in points], dtype=np.float32)
    intensity = np.array([i for _ in times for _, i in points], dtype=np.float32)
    count = np.full(len(times), len(points))
    return RawScans(np.array(times, float), np.arange(len(times)) * len(points), count, mass, intensity)


def test_roundtrip_andi_to_cube(tmp_path: Path) -> None:
    path = tmp_path / "run.cdf"
    write_andi(path, raw_scans(), title="t")
    cube = import_run(path, TINY)
    assert cube.intensity.shape == (3, 551)
    assert cube.column(73).tolist() == [100.0, 100.0, 100.0]
    assert cube.column(147).tolist() == [50.0, 50.0, 50.0]
    assert cube.metadata["n_scans"] == 3 and len(cube.metadata["sha256"]) == 64


def test_bin_offset_puts_mass_defects_in_the_right_bin() -> None:
    raw = raw_scans(times=(1.0,), points=((72.8, 1.0), (73.2, 2.0), (500.25, 4.0), (500.75, 8.0)))
    mz, cube = bin_unit_mass(raw, 50, 600, 0.3)
    assert cube[0, 73 - 50] == 3.0
    assert cube[0, 500 - 50] == 4.0 and cube[0, 501 - 50] == 8.0


def test_scan_index_is_honoured_when_points_are_not_in_scan_order() -> None:
    raw = raw_scans(times=(1.0, 2.0), points=((60.0, 1.0), (61.0, 2.0)))
    raw.mass = np.array([70.0, 71.0, 60.0, 61.0], dtype=np.float32)
    raw.scan_index = np.array([2, 0])
    _, cube = bin_unit_mass(raw, 50, 100, 0.3)
    assert cube[0, 10] == 1.0 and cube[1, 20] == 1.0


@pytest.mark.parametrize("sorted_cells", [True, False])
def test_sum_by_cell_equals_bincount(sorted_cells: bool) -> None:
    rng = np.random.default_rng(5)
    cells = np.sort(rng.integers(0, 300, 2000)) if sorted_cells else rng.integers(0, 300, 2000)
    values = rng.random(2000) * 10 ** rng.integers(0, 9, 2000)
    values[:3] = -0.0
    distinct, sums = sum_by_cell(cells.astype(np.int32), values)
    dense = np.bincount(cells, values)
    assert np.array_equal(distinct, np.unique(cells))
    assert sums.tobytes() == dense[distinct].tobytes()  # same values in the same order of addition, bit for bit


@pytest.mark.filterwarnings("error")  # a far-off mass must not overflow the cell cast
def test_masses_outside_the_range_are_dropped() -> None:
    raw = RawScans(np.array([1.0, 2.0]), np.array([0, 3]), np.array([3, 2]), np.array([10.0, 49.69, 49.71, 600.69, 6e12]), np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    _, cube = bin_unit_mass(raw, 50, 600, 0.3)
    assert cube.sum() == 7.0 and cube[0, 0] == 3.0 and cube[1, -1] == 4.0


@pytest.mark.skipif(importer._unit_mass is None and not os.environ.get("CI"), reason="C kernel not built (no C compiler at install)")
@pytest.mark.parametrize("case", ["sorted", "unsorted scan", "float32 masses"])
def test_c_binning_equals_numpy_binning(case: str) -> None:
    rng = np.random.default_rng(9)
    counts = rng.integers(0, 60, 300)
    mass = np.concatenate([np.sort(rng.uniform(40.0, 620.0, n)) for n in counts])
    mass[::7] = np.round(mass[::7]) - 0.3  # exactly on bin edges
    intensity = rng.random(mass.size) * 10 ** rng.integers(0, 9, mass.size)
    if case == "unsorted scan":
        mass[counts[0] : counts[0] + counts[1]] = mass[counts[0] : counts[0] + counts[1]][::-1]
    if case == "float32 masses":
        mass = mass.astype(np.float32)
    raw = RawScans.in_scan_order(np.arange(counts.size, dtype=float), counts, mass, intensity)
    _, cube = bin_unit_mass(raw, 50, 600, 0.3)
    if case == "unsorted scan":  # the kernel declines, numpy bins
        assert not importer._unit_mass.bin_sorted(mass, intensity, counts.astype(np.int64), 50, 551, 0.3, np.zeros(cube.size, np.float32))
    expected = importer._bin_with_numpy(mass, intensity, counts, 50, 551, 0.3)
    assert cube.tobytes() == expected.tobytes()
    dense = np.zeros((counts.size, 551))  # and both equal bincount's sums, cast once
    nominal = np.floor(mass + 0.3).astype(int) - 50
    keep = (nominal >= 0) & (nominal < 551)
    np.add.at(dense, (np.repeat(np.arange(counts.size), counts)[keep], nominal[keep]), intensity[keep])
    assert cube.tobytes() == dense.astype(np.float32).tobytes()


def test_minutes_are_converted_to_seconds(tmp_path: Path) -> None:
    from scipy.io import netcdf_file

    path = tmp_path / "run.cdf"
    write_andi(path, raw_scans(times=(1.0, 1.5)), title="t")
    with netcdf_file(str(path), "a", mmap=False) as nc:
        nc.variables["scan_acquisition_time"].units = b"minutes"
    assert import_run(path, TINY).times_s.tolist() == [60.0, 90.0]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "file is empty"),
        (lambda p: p.write_text("sample,area\n1,2\n"), "unrecognised file content"),
        (lambda p: None, "file not found"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "bad.cdf"
    make(path)
    with pytest.raises(GcmsflowError, match=message) as err:
        import_run(path, TINY)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_truncated_netcdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.cdf"
    write_andi(path, raw_scans(), title="t")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(GcmsflowError, match=str(path)):
        import_run(path, TINY)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: setattr(r, "times_s", np.array([1.0, 3.0, 2.0])), r"scan 3: retention time 2.000 s does not increase"),
        (lambda r: r.intensity.__setitem__(3, np.nan), r"scan 2: negative or NaN intensity"),
        (lambda r: r.intensity.__setitem__(0, -5.0), r"scan 1: negative or NaN intensity"),
    ],
)
def test_untrustworthy_scans_are_named(tmp_path: Path, edit, message: str) -> None:
    raw = raw_scans()
    edit(raw)
    path = tmp_path / "run.cdf"
    write_andi(path, raw, title="t")
    with pytest.raises(GcmsflowError, match=message):
        import_run(path, TINY)


def test_cli_error_exits_nonzero_without_output(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.cdf"
    bad.write_text("not a run")
    out = tmp_path / "cube.npz"
    assert main(["import", "--input", str(bad), "--output", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(bad) in err
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_cli_import_writes_cube_with_configured_range(tmp_path: Path) -> None:
    path = tmp_path / "run.cdf"
    write_andi(path, raw_scans(), title="t")
    out = tmp_path / "cube.npz"
    assert main(["import", "--input", str(path), "--output", str(out), "--options", '{"mz_min": 70, "mz_max": 150, "min_scans": 1, "min_duration_s": 0}']) == 0
    cube = load_cube(out)
    assert cube.mz[0] == 70 and cube.mz[-1] == 150


def test_invalid_mz_range_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.cdf"
    write_andi(path, raw_scans(), title="t")
    with pytest.raises(GcmsflowError, match="invalid m/z range"):
        import_run(path, ImportParams(mz_min=300, mz_max=100))
