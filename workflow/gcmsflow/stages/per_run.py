"""Per-run stages: import a raw run into a scan cube, detect and deconvolute its components."""

from __future__ import annotations

from pathlib import Path

from ..core.scancube import load_cube, save_cube
from ..core.tables import write_tsv
from ..io.importer import ImportParams, import_run
from ..io.msp import component_entries, write_msp
from ..signal.detect import DetectParams, detect_components


def run_import(input: str, output: str, options: ImportParams) -> None:
    """Raw run (any supported format) -> scan cube (.npz)."""
    save_cube(import_run(input, options), output)


def run_detect(input: str, output: str, msp: str, options: DetectParams) -> None:
    """Scan cube -> component table (and the components' spectra as MSP when ``msp`` is given)."""
    cube = load_cube(input)
    peaks = detect_components(cube, options)
    write_tsv(peaks, output)
    if msp:
        write_msp(component_entries(peaks, Path(input).stem, cube.metadata.get("source", "")), msp)
