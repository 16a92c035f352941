"""A chunk of runs in one process: import each raw run and detect its components from the cube in memory.

Each run's files are the ones the separate ``import`` and ``detect`` stages write, byte for byte: the cube is
saved as usual and detection runs on the cube as it would be read back (same dtypes, layout and metadata), so
the process is started, and numpy and scipy are loaded, once per chunk instead of twice per run. A failing run
stops the chunk with its one-line error, and every file the chunk wrote in this invocation is removed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..core.errors import GcmsflowError
from ..core.scancube import ScanCube, save_cube
from ..core.tables import write_tsv
from ..io.importer import ImportParams, import_run
from ..io.msp import component_entries, write_msp
from ..signal.detect import DetectParams, detect_components


def _as_saved(array: np.ndarray, dtype: type) -> np.ndarray:
    """``array`` as :func:`save_cube` writes it and ``np.load`` returns it: cast to ``dtype``, C order unless it is Fortran order."""
    array = array.astype(dtype, copy=False)
    if array.flags.f_contiguous and not array.flags.c_contiguous:
        return array
    return np.ascontiguousarray(array)


def as_reloaded(cube: ScanCube) -> ScanCube:
    """The cube that :func:`~gcmsflow.core.scancube.load_cube` returns after :func:`save_cube` wrote ``cube``."""
    return ScanCube(
        times_s=_as_saved(cube.times_s, np.float64),
        mz=_as_saved(cube.mz, np.int32),
        intensity=_as_saved(cube.intensity, np.float32),
        metadata=json.loads(json.dumps(cube.metadata, sort_keys=True)),
    )


def process_run(raw: str, cube_path: str, peaks_path: str, msp_path: str, import_options: ImportParams, detect_options: DetectParams,
                written: list[Path]) -> None:
    """Import ``raw``, save its cube, detect its components and write them; each file written is appended to ``written``."""
    cube = as_reloaded(import_run(raw, import_options))
    save_cube(cube, cube_path)
    written.append(Path(cube_path))
    components = detect_components(cube, detect_options)
    write_tsv(components, peaks_path)
    written.append(Path(peaks_path))
    write_msp(component_entries(components, Path(cube_path).stem, cube.metadata.get("source", "")), msp_path)
    written.append(Path(msp_path))


def run_chunk(inputs: list[str], cubes: list[str], peaks: list[str], msp: list[str], import_options: ImportParams,
              detect_options: DetectParams) -> None:
    """Raw runs -> their scan cubes (.npz), component tables (.tsv) and spectra (.msp), the i-th output of each list for the i-th input."""
    for flag, paths in (("--cubes", cubes), ("--peaks", peaks), ("--msp", msp)):
        if len(paths) != len(inputs):
            raise GcmsflowError(flag, f"{len(paths)} paths for {len(inputs)} --inputs (one per run, in the same order)")
    written: list[Path] = []
    try:
        for raw, cube_path, peaks_path, msp_path in zip(inputs, cubes, peaks, msp):
            process_run(raw, cube_path, peaks_path, msp_path, import_options, detect_options, written)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
