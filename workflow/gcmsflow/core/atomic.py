"""Atomic file writes: write beside the target, then rename, so no partial output is ever left."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import GcmsflowError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success.

    ``suffix`` keeps an extension some writers insist on (numpy adds ``.npz`` otherwise). A folder
    as ``target``, or a place that cannot be written, is refused in one line.
    """
    target = Path(target)
    if target.is_dir():
        raise GcmsflowError(target, "is a folder; give the path of the file to write")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    except OSError as err:
        raise GcmsflowError(target, f"cannot be written ({err.strerror or err})") from None
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    tmp_path.chmod(0o666 & ~umask)
    try:
        yield tmp_path
        try:
            os.replace(tmp_path, target)
        except OSError as err:
            raise GcmsflowError(target, f"cannot be written ({err.strerror or err})") from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text)
