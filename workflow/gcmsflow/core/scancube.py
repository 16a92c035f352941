"""The scan cube: the one in-memory and on-disk form of a GC-MS run after import.

A cube holds scan times in seconds, a contiguous nominal m/z axis and a float32 intensity
matrix (scans x m/z), plus metadata (source file, checksum, instrument, ranges).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from .atomic import atomic_path
from .errors import GcmsflowError

T = TypeVar("T")


@dataclass
class ScanCube:
    """A unit-mass GC-MS run: ``intensity[i, j]`` is the signal at ``times_s[i]`` and ``mz[j]``."""

    times_s: np.ndarray
    mz: np.ndarray
    intensity: np.ndarray
    metadata: dict = field(default_factory=dict)

    @property
    def scan_interval_s(self) -> float:
        """Median time between scans, in seconds."""
        return float(np.median(np.diff(self.times_s))) if self.times_s.size > 1 else 1.0

    def tic(self) -> np.ndarray:
        """Total ion current per scan."""
        return self.intensity.sum(axis=1, dtype=np.float64)

    def column(self, mz: int) -> np.ndarray:
        """The ion trace of nominal ``mz`` (zeros when outside the axis)."""
        j = int(mz) - int(self.mz[0])
        if 0 <= j < self.mz.size:
            return self.intensity[:, j]
        return np.zeros(self.times_s.size, dtype=np.float32)


def save_cube(cube: ScanCube, target: str | os.PathLike) -> None:
    """Write ``cube`` to an .npz file atomically (uncompressed: load speed matters more than disk)."""
    with atomic_path(target, suffix=".npz") as tmp:
        with open(tmp, "wb") as handle:
            np.savez(
                handle,
                times_s=cube.times_s.astype(np.float64),
                mz=cube.mz.astype(np.int32),
                intensity=cube.intensity.astype(np.float32),
                metadata=np.array(json.dumps(cube.metadata, sort_keys=True)),
            )


def _read(path: str | os.PathLike, read: Callable[[Any], T]) -> T:
    """``read`` applied to the opened .npz of a cube written by :func:`save_cube`; a missing or foreign file is one error."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return read(data)
    except FileNotFoundError:
        raise GcmsflowError(path, "scan cube not found (run the import step first)") from None
    except (OSError, ValueError, KeyError) as err:
        raise GcmsflowError(path, f"not a gcmsflow scan cube ({err})") from None


def load_metadata(path: str | os.PathLike) -> dict:
    """Only the metadata of a cube written by :func:`save_cube` (the arrays are not read)."""
    return _read(path, lambda data: json.loads(str(data["metadata"])))


def _stored_member(path: str | os.PathLike, name: str) -> np.ndarray | None:
    """The uncompressed ``name.npy`` member of an .npz as a read-only memory map (None when it is compressed)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(f"{name}.npy")
        if info.compress_type != zipfile.ZIP_STORED:
            return None
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        if local[:4] != b"PK\x03\x04":
            raise ValueError(f"bad zip entry {name}.npy")
        handle.seek(info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little"))
        version = np.lib.format.read_magic(handle)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(handle)
        offset = handle.tell()
    if dtype.hasobject:
        raise ValueError(f"{name}.npy holds objects")
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C")


def open_cube(path: str | os.PathLike) -> ScanCube:
    """A cube written by :func:`save_cube` with its intensity matrix memory-mapped, not read: the pages a caller
    touches (the ion columns it takes) are all that is read. Same values as :func:`load_cube`."""

    def read(data: Any) -> ScanCube:
        intensity = _stored_member(path, "intensity")
        if intensity is None:  # a compressed member cannot be mapped
            intensity = data["intensity"]
        return ScanCube(times_s=data["times_s"], mz=data["mz"], intensity=intensity, metadata=json.loads(str(data["metadata"])))

    return _read(path, read)


def load_cube(path: str | os.PathLike) -> ScanCube:
    """Read a cube written by :func:`save_cube`."""
    return _read(
        path,
        lambda data: ScanCube(times_s=data["times_s"], mz=data["mz"], intensity=data["intensity"], metadata=json.loads(str(data["metadata"]))),
    )
