"""Per-run work in chunks: `gcmsflow chunk` writes what separate import + detect write, byte for byte; a failing
run leaves nothing of its chunk; the split of the sheet into chunk rules is deterministic, and a changed run
reruns its chunk only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import BIN, REPO, synthetic_cube
from gcmsflow.cli import main
from gcmsflow.core.chunks import split_runs
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.stages.chunk import as_reloaded

OPTIONS = ["--import-options", '{"mz_max": 400}', "--detect-options", '{"min_sn": 6.0}']


@pytest.fixture(scope="module")
def short_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated study of 300 s runs (1 per group: ladder, blank, 2 samples, QCs)."""
    from gcmsflow.demo.simulate import Design, simulate_study

    out = tmp_path_factory.mktemp("chunk_study")
    simulate_study(out, Design(per_group=1, qc_every=2, rt_start_s=250.0, rt_end_s=550.0))
    return out


def raw_runs(study: Path) -> list[tuple[str, Path]]:
    """(run, raw file) of the study, in sheet row order."""
    rows = [line.split("\t") for line in (study / "samples.tsv").read_text().splitlines()]
    header = rows[0]
    return [(row[header.index("sample")], study / row[header.index("file")]) for row in rows[1:]]


def chunk_args(runs: list[tuple[str, Path]], out: Path) -> list[str]:
    return [
        "chunk", "--inputs", *(str(raw) for _, raw in runs), "--cubes", *(str(out / "import" / f"{r}.npz") for r, _ in runs),
        "--peaks", *(str(out / "peaks" / f"{r}.tsv") for r, _ in runs), "--msp", *(str(out / "peaks" / f"{r}.msp") for r, _ in runs),
        *OPTIONS,
    ]


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_chunk_writes_the_bytes_of_separate_import_and_detect(short_study: Path, tmp_path: Path) -> None:
    runs = raw_runs(short_study)
    assert len(runs) >= 4
    separate, chunked = tmp_path / "separate", tmp_path / "chunked"
    for run, raw in runs:
        cube = separate / "import" / f"{run}.npz"
        assert main(["import", "--input", str(raw), "--output", str(cube), "--options", OPTIONS[1]]) == 0
        peaks, msp = separate / "peaks" / f"{run}.tsv", separate / "peaks" / f"{run}.msp"
        assert main(["detect", "--input", str(cube), "--output", str(peaks), "--msp", str(msp), "--options", OPTIONS[3]]) == 0
    assert main(chunk_args(runs, chunked)) == 0
    expected, written = files_under(separate), files_under(chunked)
    assert len(expected) == 3 * len(runs)
    assert written.keys() == expected.keys()
    assert [name for name in expected if written[name] != expected[name]] == []
    assert all(b"\n" in written[f"peaks/{run}.tsv"] for run, _ in runs)  # tables, not empty files


def test_a_failing_run_stops_the_chunk_and_leaves_none_of_its_files(short_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    runs = raw_runs(short_study)[:3]
    broken = tmp_path / "broken.cdf"
    broken.write_bytes((runs[1][1]).read_bytes()[:5000])  # a run cut short
    runs[1] = ("broken", broken)
    out = tmp_path / "out"
    assert main(chunk_args(runs, out)) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and error.startswith("gcmsflow chunk: error: ") and str(broken) in error
    assert files_under(out) == {}  # neither the first run's files nor temporary files remain


def test_output_lists_must_match_the_inputs(short_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    runs = raw_runs(short_study)[:2]
    args = chunk_args(runs, tmp_path)
    args.remove(str(tmp_path / "peaks" / f"{runs[1][0]}.msp"))
    assert main(args) == 1
    assert "--msp: 1 paths for 2 --inputs" in capsys.readouterr().err
    assert not tmp_path.joinpath("import").exists()


def test_detection_sees_the_cube_as_read_back() -> None:
    cube = synthetic_cube([(130.0, 1000.0, {73: 1.0, 147: 0.5})])
    cube.intensity = np.asfortranarray(cube.intensity.astype(np.float64))
    cube.mz = cube.mz.astype(np.int64)
    cube.metadata = {"source": "x.cdf", "time_range_s": (1.0, 2.0)}
    back = as_reloaded(cube)
    assert back.intensity.dtype == np.float32 and back.mz.dtype == np.int32 and back.times_s.dtype == np.float64
    assert back.intensity.flags.f_contiguous and back.metadata == {"source": "x.cdf", "time_range_s": [1.0, 2.0]}


def test_the_split_is_consecutive_deterministic_and_checked() -> None:
    runs = [f"r{i}" for i in range(7)]
    assert split_runs(runs, 3) == [["r0", "r1", "r2"], ["r3", "r4", "r5"], ["r6"]]
    assert split_runs(runs, 3) == split_runs(list(runs), 3) and split_runs(runs, 25) == [runs] and split_runs([], 5) == []
    assert split_runs([*runs, "r7"], 3)[:2] == split_runs(runs, 3)[:2]  # a run added at the end leaves earlier chunks alone
    for bad in (0, -1, 2.5, True):
        with pytest.raises(GcmsflowError, match="chunks.runs_per_job"):
            split_runs(runs, bad)
    with pytest.raises(GcmsflowError, match="listed twice"):
        split_runs(["a", "a"], 2)


def snakemake(workdir: Path, study: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    config = workdir / "chunks.yaml"
    config.write_text(f"samples: {study / 'samples.tsv'}\nlibrary: {study / 'library.msp'}\nchunks:\n  runs_per_job: 2\n")
    command = [str(BIN / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
               "--configfile", str(config), "--cores", "2", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_chunk_rules_follow_the_sheet_and_a_changed_run_reruns_its_chunk_only(short_study: Path, tmp_path: Path) -> None:
    study = tmp_path / "study"
    shutil.copytree(short_study, study)
    runs, workdir = raw_runs(study), tmp_path / "work"
    workdir.mkdir()
    peaks = [f"results/peaks/{run}.tsv" for run, _ in runs]
    planned = snakemake(workdir, study, "-n", *peaks)
    assert planned.returncode == 0, planned.stderr[-3000:]
    outputs = dict(re.findall(r"rule (chunk_\d+):\n    input: .*\n    output: (.*)\n", planned.stdout))
    assert sorted(outputs) == [f"chunk_{i}" for i in range((len(runs) + 1) // 2)]
    for i, (run, _) in enumerate(runs):  # run i of the sheet is in chunk i // 2
        assert f"results/import/{run}.npz" in outputs[f"chunk_{i // 2}"].split(", ")
    done = snakemake(workdir, study, *peaks)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (workdir / "results" / "logs" / "chunks" / "chunk_0.log").exists()
    runs[2][1].write_bytes(runs[3][1].read_bytes())  # the third run's raw file changed
    again = snakemake(workdir, study, "-n", *peaks)
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(set(re.findall(r"rule (chunk_\d+):", again.stdout))) == ["chunk_1"]


def test_a_chunk_too_long_for_one_command_line_is_refused() -> None:
    from gcmsflow.core.chunks import MAX_COMMAND_CHARS, check_command

    paths = [f"/data/study/raw/run{i:05d}.cdf" for i in range(4000)] + [f"results/import/run{i:05d}.npz" for i in range(4000)]
    check_command("chunk_0", paths[:100], 1000)
    with pytest.raises(GcmsflowError, match=rf"chunk_3's command line would be \d+ characters, more than the {MAX_COMMAND_CHARS}.*lower runs_per_job"):
        check_command("chunk_3", paths, 1000)
