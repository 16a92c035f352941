"""mzTab-M 2.0 export and its structural checker; the provenance record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.report.mztab import check_mztab, mztab_lines
from gcmsflow.report.provenance import provenance, sha256_of_file, sha256_of_input


@pytest.fixture()
def study(tmp_path: Path) -> dict:
    runs = ["qc01", "ctrl1", "ctrl2", "asn1", "asn2", "blank01"]
    for run in runs:
        (tmp_path / f"{run}.cdf").write_bytes(run.encode())
    (tmp_path / "lib.msp").write_text("NAME: x\n")
    sheet = pd.DataFrame(
        {"group": ["pool", "control", "control", "asn_deprived", "asn_deprived", "blank"],
         "type": ["qc", "sample", "sample", "sample", "sample", "blank"], "path": [str(tmp_path / f"{r}.cdf") for r in runs]},
        index=runs,
    )
    features = pd.DataFrame({"feature_id": ["F1", "F2", "F3"], "rt": [300.0, 400.0, 500.0], "ri": [1100.0, np.nan, 1500.0], "quant_mz": [116, 73, 245]})
    for k, run in enumerate(runs):
        features[run] = [1000.0 + k, np.nan if run == "asn1" else 50.0, 10.0]
    abundance = pd.DataFrame(np.log2(features.set_index("feature_id").loc[["F1", "F2"], runs[:-1]].fillna(10.0)))
    annotations = pd.DataFrame({"feature_id": ["F1", "F2", "F3"], "name": ["Asparagine, 3TMS", "", ""], "inchikey": ["DCXYFEDJOCDNAF-REOHCLBHSA-N", "", ""],
                                "library_id": ["SIM1", "", ""], "score": [0.93, np.nan, np.nan], "ri_delta": [2.0, np.nan, np.nan], "msi_level": [2, 4, 4]})
    return {"features": features, "abundance": abundance, "annotations": annotations, "sheet": sheet, "library": str(tmp_path / "lib.msp"), "study_id": "demo"}


def test_export_passes_the_structural_check(study: dict) -> None:
    lines = mztab_lines(**study)
    assert check_mztab("\n".join(lines)) == []
    prefixes = [line.split("\t")[0] for line in lines]
    assert prefixes.count("SML") == 2 and prefixes.count("SMF") == 3 and prefixes.count("SME") == 1
    sml = dict(zip(lines[prefixes.index("SMH")].split("\t"), lines[prefixes.index("SML")].split("\t")))
    assert sml["chemical_name"] == "Asparagine, 3TMS" and sml["reliability"] == "2" and sml["abundance_assay[6]"] == "null"
    assert float(sml["abundance_assay[1]"]) == pytest.approx(1000.0)
    sme = dict(zip(lines[prefixes.index("SEH")].split("\t"), lines[prefixes.index("SME")].split("\t")))
    assert sme["derivatized_form"] == "[, , derivatized form, 3TMS]" and sme["evidence_input_id"] == "F1"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda lines: [line.replace("\tnull", "\t", 1) if line.startswith("SML") else line for line in lines], "empty cell"),
        (lambda lines: [line for line in lines if not line.startswith("MTD\tmzTab-version")], "mzTab-version"),
        (lambda lines: [line for line in lines if not line.startswith("MTD\tassay[2]")], "unknown assay[2]"),
        (lambda lines: [line for line in lines if not line.startswith("SME")], "unknown SME"),
        (lambda lines: lines[-1:] + lines[:-1], "sections in order"),
        (lambda lines: [line + "\textra" if line.startswith("SMF") else line for line in lines], "cells, header has"),
    ],
)
def test_checker_finds_broken_files(study: dict, change, problem: str) -> None:
    problems = check_mztab("\n".join(change(mztab_lines(**study))))
    assert any(problem in p for p in problems), problems


def test_provenance_records_versions_hashes_and_command(study: dict, tmp_path: Path) -> None:
    record = provenance({"b": 1, "a": [1, 2]}, {"library": study["library"]}, "snakemake --cores 2")
    assert record["inputs"]["library"]["sha256"] == sha256_of_file(study["library"])
    assert record["packages"]["pandas"] == pd.__version__ and record["command"] == "snakemake --cores 2"
    assert provenance({"a": [1, 2], "b": 1}, {}, "")["config_sha256"] == record["config_sha256"]
    assert json.dumps(record)


def test_folder_inputs_are_hashed_by_relative_paths_and_contents(tmp_path: Path) -> None:
    folder = tmp_path / "RUN.D"
    (folder / "sub").mkdir(parents=True)
    (folder / "DATA.MS").write_bytes(b"\x00\x01scans")
    (folder / "sub" / "acqmeth.txt").write_text("method")
    first = provenance({}, {"run r1": str(folder)}, "")["inputs"]["run r1"]
    assert first["kind"] == "folder" and first["files"] == 2 and len(first["sha256"]) == 64
    assert sha256_of_input(folder) == first["sha256"]
    (folder / "sub" / "acqmeth.txt").write_text("other method")
    changed = sha256_of_input(folder)
    (folder / "sub" / "acqmeth.txt").rename(folder / "sub" / "renamed.txt")
    renamed = sha256_of_input(folder)
    assert len({first["sha256"], changed, renamed}) == 3
    with pytest.raises(GcmsflowError, match="input not found"):
        sha256_of_input(tmp_path / "missing.D")
