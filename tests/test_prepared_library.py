"""The prepared library: parsed spectra and decoys made once, keyed by the library file's checksum and the
annotate settings; a stale one is refused; annotation tables are the same bytes with and without it."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import snakemake
from gcmsflow.cli import main
from gcmsflow.core.errors import GcmsflowError
from gcmsflow.identify.params import MatchParams
from gcmsflow.identify.prepared import library_decoys, load_prepared, prepare_library, save_prepared
from gcmsflow.io.library import load_library, read_msp_library
from gcmsflow.io.msp import MspEntry, write_msp

OUTPUTS = ("annotations", "hits", "confidence", "named", "standard-qc")


def _spectrum(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    mz = np.unique(np.r_[73, 147, rng.choice(np.arange(60, 450), 14, replace=False)])
    return mz, rng.uniform(5.0, 999.0, mz.size)


def write_library(path: Path, n: int = 40, seed: int = 3) -> list[MspEntry]:
    """``n`` entries with RIs, some on a polar column (their RIs are dropped), InChIKeys on every other entry."""
    rng = np.random.default_rng(seed)
    entries = []
    for k in range(n):
        mz, values = _spectrum(rng)
        fields = {"DB#": f"LIB{k:03d}", "RI": f"{1000 + 40 * k:.1f}"}
        if k % 2:
            fields["INCHIKEY"] = f"{'ABCDEFGHIJKLMN'[k % 14] * 10}{k:04d}-UHFFFAOYSA-N"
        if k % 7 == 3:
            fields["COLUMN"] = "DB-WAX"
        entries.append(MspEntry(f"compound {k}" if k != 5 else "ribitol, 5TMS", mz, values, fields))
    write_msp(entries, path)
    return entries


def write_features(path: Path, library: list[MspEntry], seed: int = 4) -> None:
    """Noisy copies of most library entries (with RIs near theirs) and a few unknown spectra, as align writes them."""
    rng = np.random.default_rng(seed)
    features = []
    for k, entry in enumerate(library[:32]):
        values = entry.intensity * rng.uniform(0.8, 1.2, entry.intensity.size)
        ri = 1000 + 40 * k + rng.normal(0.0, 5.0)
        features.append(MspEntry(f"F{k + 1:04d}", entry.mz, values, {"RETENTIONTIME": f"{300 + k:.3f}", "RETENTIONINDEX": f"{ri:.1f}", "QUANTMZ": "147"}))
    for k in range(6):
        mz, values = _spectrum(rng)
        features.append(MspEntry(f"F{len(features) + 1:04d}", mz, values, {"RETENTIONTIME": f"{400 + k:.3f}", "QUANTMZ": str(mz[0])}))
    write_msp(features, path)


def test_the_artefact_is_keyed_by_the_library_checksum_and_holds_the_parsed_library_and_decoys(tmp_path: Path) -> None:
    write_library(tmp_path / "lib.msp")
    params = MatchParams()
    save_prepared(prepare_library(tmp_path / "lib.msp", params), tmp_path / "prepared.npz")
    ready = load_prepared(tmp_path / "prepared.npz", tmp_path / "lib.msp", params)
    assert ready.key["library_sha256"] == hashlib.sha256((tmp_path / "lib.msp").read_bytes()).hexdigest()
    assert ready.key["decoy_seed"] == params.decoy_seed and ready.key["column_class"] == params.column_class
    parsed = load_library(tmp_path / "lib.msp", params.column_class)
    assert ready.library.names == parsed.names and ready.library.ids == parsed.ids and ready.library.inchikeys == parsed.inchikeys
    assert ready.library.column_classes == parsed.column_classes and "polar" in parsed.column_classes
    np.testing.assert_array_equal(ready.library.ri, parsed.ri)  # NaN where the polar column's RIs were dropped
    assert np.isnan(parsed.ri).sum() > 0
    assert np.array_equal(ready.library.intensity, parsed.intensity)
    assert np.array_equal(ready.decoys, library_decoys(parsed, params)) and ready.decoys.any()
    with np.load(tmp_path / "prepared.npz", allow_pickle=False) as data:  # arrays only: readable without pickle
        assert all(data[name].dtype != object for name in data.files)


def test_a_stale_artefact_is_refused_naming_what_differs(tmp_path: Path) -> None:
    entries = write_library(tmp_path / "lib.msp")
    params = MatchParams()
    save_prepared(prepare_library(tmp_path / "lib.msp", params), tmp_path / "prepared.npz")
    load_prepared(tmp_path / "prepared.npz", tmp_path / "lib.msp", replace(params, min_score=0.5, top_k=3))  # settings it does not depend on
    with pytest.raises(GcmsflowError, match="stale prepared library .*decoy_seed"):
        load_prepared(tmp_path / "prepared.npz", tmp_path / "lib.msp", replace(params, decoy_seed=2))
    with pytest.raises(GcmsflowError, match="column_class"):
        load_prepared(tmp_path / "prepared.npz", tmp_path / "lib.msp", replace(params, column_class="polar"))
    write_msp(entries[:-1], tmp_path / "lib.msp")  # the library changed under the same name
    with pytest.raises(GcmsflowError, match="library file checksum differs"):
        load_prepared(tmp_path / "prepared.npz", tmp_path / "lib.msp", params)
    (tmp_path / "prepared.npz").write_bytes(b"not an npz")
    with pytest.raises(GcmsflowError, match="not a gcmsflow prepared library"):
        load_prepared(tmp_path / "prepared.npz", tmp_path / "lib.msp", params)


def test_annotate_refuses_a_stale_artefact_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entries = write_library(tmp_path / "lib.msp")
    write_features(tmp_path / "features.msp", entries)
    assert main(["prepare-library", "--library", str(tmp_path / "lib.msp"), "--output", str(tmp_path / "prepared.npz")]) == 0
    write_msp(entries[1:], tmp_path / "lib.msp")
    out = [f"--{name}={tmp_path / name}.tsv" for name in ("output", "hits", "confidence", "named")]
    assert main(["annotate", "--features", str(tmp_path / "features.msp"), "--library", str(tmp_path / "lib.msp"), *out, "--prepared", str(tmp_path / "prepared.npz")]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "prepared.npz: stale prepared library (library file checksum differs" in error
    assert not (tmp_path / "output.tsv").exists()


def test_annotation_tables_are_byte_identical_with_and_without_the_artefact(tmp_path: Path) -> None:
    entries = write_library(tmp_path / "lib.msp")
    write_features(tmp_path / "features.msp", entries)
    options = '{"decoy_seed": 3, "min_candidates": 5}'
    assert main(["prepare-library", "--library", str(tmp_path / "lib.msp"), "--output", str(tmp_path / "prepared.npz"), "--options", options]) == 0
    tables = {}
    for label, extra in (("plain", []), ("prepared", ["--prepared", str(tmp_path / "prepared.npz")])):
        out = [f"--{name if name != 'annotations' else 'output'}={tmp_path / label}_{name}.tsv" for name in OUTPUTS]
        command = ["annotate", "--features", str(tmp_path / "features.msp"), "--library", str(tmp_path / "lib.msp"), "--internal-standard=ribitol"]
        assert main([*command, *out, *extra, "--options", options]) == 0
        tables[label] = {name: (tmp_path / f"{label}_{name}.tsv").read_bytes() for name in OUTPUTS}
    assert tables["plain"] == tables["prepared"]
    assert tables["plain"]["annotations"].count(b"\n") > 10  # names were given: the comparison covers real hits


def test_feature_spectra_are_read_as_matchms_reads_them(tmp_path: Path) -> None:
    write_features(tmp_path / "features.msp", write_library(tmp_path / "lib.msp"))
    ours, theirs = read_msp_library(tmp_path / "features.msp"), load_library(tmp_path / "features.msp")
    assert ours.names == theirs.names and ours.ids == theirs.ids and ours.inchikeys == theirs.inchikeys
    np.testing.assert_array_equal(ours.ri, theirs.ri)
    assert np.array_equal(ours.intensity, theirs.intensity)


def test_the_workflow_rebuilds_it_only_for_a_setting_it_depends_on(demo: tuple[Path, list[str]], tmp_path: Path) -> None:
    target = "results/library/prepared.npz"
    built = snakemake(tmp_path, target, *demo[1])
    assert built.returncode == 0, built.stderr[-3000:]
    for setting, rebuilt in (("min_score: 0.5", False), ("decoy_seed: 2", True)):
        (tmp_path / "annotate.yaml").write_text(f"annotate:\n  {setting}\n")
        planned = snakemake(tmp_path, "-n", target, "--configfile", str(tmp_path / "annotate.yaml"), *demo[1])
        assert planned.returncode == 0, planned.stderr[-3000:]
        assert ("rule prepare_library" in planned.stdout + planned.stderr) == rebuilt, setting
