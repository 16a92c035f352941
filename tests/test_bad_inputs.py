"""The bad-input catalogue: every raw format, corrupted in several ways, through ``gcmsflow import``.

Each corrupted input must give exit status 1, one line on stderr naming the file and the cause, no
traceback and no output file; each awkward-but-valid input (spaces and non-ASCII in paths,
symlinks) must import. ``python tests/test_bad_inputs.py`` prints the counts: tried, refused
cleanly, accepted, tracebacks, partial outputs.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from gcmsflow.cli import main
from gcmsflow.core.rawscans import RawScans
from gcmsflow.core.scancube import load_cube

sys.path.insert(0, str(Path(__file__).parent))
from conftest import BIN, SHARED_DATA  # noqa: E402
from rawfiles import gc_run, mzml_text, ntuples_text, write_andi_with, write_text, xydata_text  # noqa: E402

AGILENT = SHARED_DATA / "gcms" / "agilent" / "GC01_0812_066.D"
AGILENT_INDEX_CUT = 0.97  # its DATA.MS holds the scan records in its first 91 %, then an index of scans rainbow does not read
TEXT = "sample\tgroup\nctrl01\tctrl\n"  # a sample sheet, saved under a raw file's name


def _with(raw: RawScans, **changes) -> RawScans:
    """A copy of ``raw`` with fields replaced (point arrays copied, so the base run stays intact)."""
    fields = {f: np.array(getattr(raw, f)) for f in ("times_s", "scan_index", "point_count", "mass", "intensity")}
    return RawScans(**{**fields, **changes})


def _bad_values(raw: RawScans, value: float) -> RawScans:
    intensity = raw.intensity.copy()
    intensity[raw.intensity.size // 2] = value
    return _with(raw, intensity=intensity)


def _swapped_times(raw: RawScans) -> RawScans:
    times = raw.times_s.copy()
    times[[10, 11]] = times[[11, 10]]
    return _with(raw, times_s=times)


def _no_scans(raw: RawScans) -> RawScans:
    empty = np.empty(0)
    return RawScans(empty, empty.astype(np.int64), empty.astype(np.int64), empty, empty)


def _one_scan(raw: RawScans) -> RawScans:
    n = int(raw.point_count[0])
    return RawScans(raw.times_s[:1], raw.scan_index[:1], raw.point_count[:1], raw.mass[:n], raw.intensity[:n])


# writers of a run in each text/netCDF format: (file name, writer(path, raw))
WRITERS: dict[str, tuple[str, Callable[[Path, RawScans], Path]]] = {
    "JCAMP XYDATA": ("run.jdx", lambda p, raw: write_text(p, xydata_text(raw))),
    "JCAMP NTUPLES": ("run.jdx", lambda p, raw: write_text(p, ntuples_text(raw))),
    "ANDI netCDF": ("run.cdf", lambda p, raw: write_andi_with(p, raw, test_ionization_mode="Electron Impact")),
    "mzML": ("run.mzML", lambda p, raw: write_text(p, mzml_text(raw))),
}
RUNS: dict[str, Callable[[RawScans], RawScans]] = {
    "NaN intensity": lambda raw: _bad_values(raw, float("nan")),
    "negative intensity": lambda raw: _bad_values(raw, -5.0),
    "non-monotonic time": _swapped_times,
    "no scans": _no_scans,
    "a single scan": _one_scan,
}
CAUSES = {  # what the one line must say, by corruption
    "truncated": r"truncated|not a readable|no ##PAGE=|cannot be read|damaged|unrecognised|contains no scans|too few|empty",
    "zero bytes": r"file is empty",
    "text renamed": r"unrecognised file content|not a readable",
    "NaN intensity": r"negative or NaN intensity",
    "negative intensity": r"negative or NaN intensity",
    "non-monotonic time": r"retention time .* does not increase|does not increase",
    "no scans": r"no scans|no ##PAGE= scans|no MS1 spectra|contains no scans|holds no scans|without mass spectra"
                r"|not a readable Agilent DATA\.MS",  # rainbow fails on a DATA.MS whose header counts no scans
    "a single scan": r"only 1 scans",
    "folder for the input": r"a folder without DATA\.MS",
    "folder for the output": r"is a folder; give the path of the file to write",
}


@dataclass
class Case:
    fmt: str
    kind: str  # a CAUSES key, or "valid: ..." for inputs that must import
    make: Callable[[Path], tuple[Path, Path]]  # (input, output) made in the given folder

    @property
    def valid(self) -> bool:
        return self.kind.startswith("valid")


def _cut(fraction: float) -> Callable[[Path], Path]:
    def cut(path: Path) -> Path:
        target = path / "DATA.MS" if path.is_dir() else path
        data = target.read_bytes()
        target.write_bytes(data[: max(1, int(len(data) * fraction))])
        return path
    return cut


def _zero(path: Path) -> Path:
    (path / "DATA.MS" if path.is_dir() else path).write_bytes(b"")
    return path


def _text(path: Path) -> Path:
    (path / "DATA.MS" if path.is_dir() else path).write_text(TEXT)
    return path


def _agilent_edit(edit: Callable[[bytearray, int], None]) -> Callable[[Path], Path]:
    """Edit DATA.MS in place; ``edit`` gets the bytes and the offset of the first scan record."""
    def apply(folder: Path) -> Path:
        data = bytearray((folder / "DATA.MS").read_bytes())
        edit(data, struct.unpack(">H", data[0x10A:0x10C])[0] * 2 - 2)
        (folder / "DATA.MS").write_bytes(bytes(data))
        return folder
    return apply


def _agilent_backwards(data: bytearray, first: int) -> None:
    second = first + 28 + 4 * struct.unpack(">H", data[first + 12 : first + 14])[0]
    data[second + 2 : second + 6] = struct.pack(">I", struct.unpack(">I", data[first + 2 : first + 6])[0] - 1000)


def _agilent_no_scans(data: bytearray, first: int) -> None:
    data[0x142:0x144] = struct.pack("<H", 0)


def _base(fmt: str, folder: Path, name: str | None = None) -> Path:
    """The valid base input of ``fmt`` in ``folder``."""
    if fmt == "Agilent .D":
        return Path(shutil.copytree(AGILENT, folder / (name or "run.D")))
    file_name, write = WRITERS[fmt]
    return write(folder / (name or file_name), gc_run())


def _case(fmt: str, kind: str, corrupt: Callable[[Path], Path] | None = None, name: str | None = None,
          output: str = "cube.npz") -> Case:
    def make(folder: Path) -> tuple[Path, Path]:
        path = _base(fmt, folder, name)
        return (corrupt(path) if corrupt else path), folder / output
    return Case(fmt, kind, make)


def _written(fmt: str, kind: str) -> Case:
    def make(folder: Path) -> tuple[Path, Path]:
        file_name, write = WRITERS[fmt]
        return write(folder / file_name, RUNS[kind](gc_run())), folder / "cube.npz"
    return Case(fmt, kind, make)


def _folder_input(fmt: str) -> Case:
    def make(folder: Path) -> tuple[Path, Path]:
        (folder / WRITERS[fmt][0]).mkdir()
        return folder / WRITERS[fmt][0], folder / "cube.npz"
    return Case(fmt, "folder for the input", make)


def _folder_output(fmt: str) -> Case:
    def make(folder: Path) -> tuple[Path, Path]:
        (folder / "out.npz").mkdir()
        return _base(fmt, folder), folder / "out.npz"
    return Case(fmt, "folder for the output", make)


def _symlink(fmt: str) -> Case:
    def make(folder: Path) -> tuple[Path, Path]:
        (folder / "store").mkdir()
        real = _base(fmt, folder / "store")
        link = folder / f"link to {real.name}"
        link.symlink_to(real, target_is_directory=real.is_dir())
        return link, folder / "cube.npz"
    return Case(fmt, "valid: symlink", make)


def catalogue(formats: tuple[str, ...] = (*WRITERS, "Agilent .D")) -> list[Case]:
    """Every case of ``formats``: their corruptions, then the awkward-but-valid inputs."""
    cases = []
    for fmt in formats:
        cuts = (0.0005, 0.05, 0.5, 0.97, 0.9999) if fmt in WRITERS else (0.0005, 0.05, 0.5, 0.9)  # DATA.MS: inside its scan records
        cases += [_case(fmt, "truncated", _cut(f)) for f in cuts]
        cases += [_case(fmt, "zero bytes", _zero), _case(fmt, "text renamed", _text), _folder_output(fmt)]
        if fmt in WRITERS:
            cases += [_written(fmt, kind) for kind in RUNS] + [_folder_input(fmt)]
        else:
            cases += [_case(fmt, "non-monotonic time", _agilent_edit(_agilent_backwards)),
                      _case(fmt, "no scans", _agilent_edit(_agilent_no_scans))]
    for fmt in formats:
        suffix = Path(WRITERS[fmt][0]).suffix if fmt in WRITERS else ".D"
        cases += [_case(fmt, "valid: spaces and non-ASCII in the path", name=f"échantillon ü 01{suffix}", output="sous dossier é/cube 1.npz"),
                  _symlink(fmt)]
    if "Agilent .D" in formats:
        cases.append(_case("Agilent .D", "valid: DATA.MS cut in its trailing scan index, every scan record intact", _cut(AGILENT_INDEX_CUT)))
    return cases


@dataclass
class Outcome:
    case: Case
    status: int | None
    stderr: str
    traceback: str
    leftovers: list[str]
    path: Path  # the file the message must name

    @property
    def verdict(self) -> str:
        if self.traceback:
            return "traceback"
        if self.case.valid:
            return "accepted" if self.status == 0 and not self.stderr.strip() else "wrongly refused"
        if self.leftovers:
            return "partial output"
        lines = self.stderr.strip().splitlines()
        named = len(lines) == 1 and (str(self.path) in lines[0] or self.path.name in lines[0])
        clean = self.status == 1 and named and re.search(CAUSES[self.case.kind], lines[0])
        return "refused cleanly" if clean else "refused unclearly" if self.status else "accepted bad input"


def run(case: Case, folder: Path) -> Outcome:
    """Run ``gcmsflow import`` on the case in-process, catching what a user would see."""
    folder.mkdir(parents=True)
    raw, out = case.make(folder)
    before = {p for p in folder.rglob("*")}
    stderr, status, trace = io.StringIO(), None, ""
    with contextlib.redirect_stderr(stderr):
        try:
            status = main(["import", "--input", str(raw), "--output", str(out)])
        except SystemExit as exit_:
            status = int(exit_.code or 0)
        except BaseException:  # noqa: BLE001 - any escape is what the catalogue counts as a traceback
            trace = traceback.format_exc()
    new = sorted(str(p.relative_to(folder)) for p in set(folder.rglob("*")) - before if p.is_file())
    if case.valid and status == 0:
        load_cube(out)
        new = [p for p in new if Path(folder / p) != out]
    return Outcome(case, status, stderr.getvalue(), trace, new, out if case.kind == "folder for the output" else raw)


def run_catalogue(root: Path, formats: tuple[str, ...] = (*WRITERS, "Agilent .D")) -> tuple[dict[str, int], list[Outcome]]:
    outcomes = [run(case, root / f"case{k:03d}") for k, case in enumerate(catalogue(formats))]
    counts = {"tried": len(outcomes)}
    for verdict in ("refused cleanly", "accepted", "traceback", "partial output", "refused unclearly", "accepted bad input", "wrongly refused"):
        counts[verdict] = sum(o.verdict == verdict for o in outcomes)
    return counts, outcomes


def _report(counts: dict[str, int], outcomes: list[Outcome]) -> str:
    lines = [f"{o.case.fmt:14} {o.case.kind:42} {o.verdict:18} {o.stderr.strip()[:150] or o.traceback.strip()[-150:]}" for o in outcomes]
    return "\n".join(lines + [", ".join(f"{k}: {v}" for k, v in counts.items())])


needs_agilent = pytest.mark.shared_data


@pytest.mark.parametrize("formats", [tuple(WRITERS), pytest.param(("Agilent .D",), marks=needs_agilent)], ids=["files", "agilent"])
def test_bad_input_catalogue(tmp_path: Path, formats: tuple[str, ...]) -> None:
    counts, outcomes = run_catalogue(tmp_path, formats)
    print(_report(counts, outcomes))
    bad = [o for o in outcomes if o.verdict not in ("refused cleanly", "accepted")]
    assert not bad, _report(counts, bad)
    assert counts["accepted"] == sum(c.valid for c in catalogue(formats)) and counts["traceback"] == counts["partial output"] == 0


@needs_agilent
def test_agilent_data_ms_cut_after_its_scan_records_imports_every_scan(tmp_path: Path) -> None:
    raw, out = _case("Agilent .D", "valid", _cut(AGILENT_INDEX_CUT)).make(tmp_path)
    assert main(["import", "--input", str(raw), "--output", str(out)]) == 0
    full = tmp_path / "full.npz"
    assert main(["import", "--input", str(AGILENT), "--output", str(full)]) == 0
    assert load_cube(out).intensity.tobytes() == load_cube(full).intensity.tobytes()


@pytest.mark.parametrize("corrupt", ["truncated mzML", "folder for the output", "text renamed"])
def test_the_command_line_prints_one_line_and_exits_1(tmp_path: Path, corrupt: str) -> None:
    case = {"truncated mzML": _case("mzML", "truncated", _cut(0.5)), "folder for the output": _folder_output("ANDI netCDF"),
            "text renamed": _case("JCAMP NTUPLES", "text renamed", _text)}[corrupt]
    raw, out = case.make(tmp_path)
    result = subprocess.run([str(BIN / "gcmsflow"), "import", "--input", str(raw), "--output", str(out)], capture_output=True, text=True)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    named = out if case.kind == "folder for the output" else raw
    assert re.search(CAUSES[case.kind], result.stderr) and named.name in result.stderr
    assert not out.is_file() and not list(tmp_path.glob(".*.tmp"))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        totals, results = run_catalogue(Path(tmp))
        print(_report(totals, results))
    sys.exit(0 if totals["traceback"] == totals["partial output"] == 0 else 1)
