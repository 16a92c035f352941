"""SHA-256 of files: the importer's run records, provenance and the prepared library's key."""

from __future__ import annotations

import hashlib
import os


def sha256_of_file(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in ``chunk_bytes`` blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()
