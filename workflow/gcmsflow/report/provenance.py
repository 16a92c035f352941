"""results/provenance.json: what produced the results — versions, config hash, input checksums, command."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..core.checksums import sha256_of_file
from ..core.errors import GcmsflowError

PACKAGES = ("snakemake", "numpy", "scipy", "pandas", "statsmodels", "matchms", "matplotlib", "seaborn", "netCDF4", "pyteomics", "rainbow-api")


def sha256_of_folder(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a folder (e.g. an Agilent ``.D``): over its sorted relative file paths, each
    followed by that file's SHA-256, so a renamed, added, removed or changed file changes the hash."""
    root = Path(path)
    files = sorted((f for f in root.rglob("*") if f.is_file()), key=lambda f: f.relative_to(root).as_posix())
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.relative_to(root).as_posix()}\0{sha256_of_file(file, chunk_bytes)}\n".encode())
    return digest.hexdigest()


def sha256_of_input(path: str | os.PathLike) -> str:
    """SHA-256 of an input file, or of a folder input as ``sha256_of_folder``; a missing input is a one-line error."""
    if os.path.isdir(path):
        return sha256_of_folder(path)
    if not os.path.isfile(path):
        raise GcmsflowError(path, "input not found (neither a file nor a folder)")
    return sha256_of_file(path)


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each named distribution ('not installed' when absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def input_record(path: str | os.PathLike) -> dict:
    """Path and SHA-256 of one input; a folder also gets ``kind`` and its file count."""
    record = {"path": str(path), "sha256": sha256_of_input(path)}
    if os.path.isdir(path):
        record.update(kind="folder", files=sum(1 for f in Path(path).rglob("*") if f.is_file()))
    return record


def provenance(config: dict, inputs: dict[str, str], command: str) -> dict:
    """The provenance record: versions, SHA-256 of the canonical config JSON, per-input SHA-256, command line.

    ``inputs`` maps a role (e.g. 'run qc01', 'library') to a file or folder path; a folder's entry
    also says ``"kind": "folder"``.
    """
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return {
        "gcmsflow": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "packages": package_versions(),
        "config_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "config": config,
        "inputs": {role: input_record(path) for role, path in sorted(inputs.items())},
        "command": command,
    }
