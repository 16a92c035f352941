"""results/provenance.json: what produced the results — versions, config hash, input checksums, command."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata

from .. import __version__

PACKAGES = ("snakemake", "numpy", "scipy", "pandas", "statsmodels", "matchms", "matplotlib", "seaborn", "netCDF4", "pyteomics", "rainbow-api")


def sha256_of_file(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each named distribution ('not installed' when absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(config: dict, inputs: dict[str, str], command: str) -> dict:
    """The provenance record: versions, SHA-256 of the canonical config JSON, per-input SHA-256, command line.

    ``inputs`` maps a role (e.g. 'run qc01', 'library') to a file path.
    """
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return {
        "gcmsflow": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "packages": package_versions(),
        "config_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "config": config,
        "inputs": {role: {"path": path, "sha256": sha256_of_file(path)} for role, path in sorted(inputs.items())},
        "command": command,
    }
