"""The prepared library: a library's parsed spectra and its decoys, built once per library and settings.

Parsing a large MSP library and crossing every entry with its nearest other compound cost seconds to
minutes, the same in every annotate run. ``prepare-library`` writes them to one ``.npz`` (arrays only,
read without pickle): the spectra and decoys as sparse rows (entry counts, m/z, intensities; exact
float64, so the dense matrices are rebuilt bit for bit), the entries' names, ids, InChIKeys, RIs and
column classes, and its key: the library file's SHA-256 and name and the annotate settings the
artefact depends on (``KEY_SETTINGS``). ``annotate --prepared`` reads it only when its key is that of
the library and settings it is given, and refuses a stale one, naming what differs; the tables are
the same bytes with and without it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

import numpy as np

from ..core.atomic import atomic_path
from ..core.checksums import sha256_of_file
from ..core.errors import GcmsflowError
from ..io.library import Library, load_library
from .decoys import compound_keys, make_decoys
from .params import MatchParams

FORMAT = 1
# the settings a prepared library depends on: the RI filter and the decoys' crossing
KEY_SETTINGS = ("column_class", "mz_power", "intensity_power", "decoy_seed", "decoy_share")


@dataclass
class PreparedLibrary:
    """A library, its decoy spectra (entries x nominal m/z, like ``library.intensity``) and its key."""

    library: Library
    decoys: np.ndarray
    key: dict


def preparation_key(library_path: str | os.PathLike, params: MatchParams) -> dict:
    """What a prepared library was made from: format, library file checksum and name, and ``KEY_SETTINGS``."""
    if not os.path.isfile(library_path):
        raise GcmsflowError(library_path, "library file not found")
    settings = asdict(params)
    return {"format": FORMAT, "library_sha256": sha256_of_file(library_path), "library_name": os.path.basename(library_path),
            **{name: settings[name] for name in KEY_SETTINGS}}


def library_decoys(library: Library, params: MatchParams) -> np.ndarray:
    """The decoy spectra of ``library`` under ``params`` (see :mod:`.decoys`)."""
    keys = compound_keys(library.inchikeys, library.names)
    return make_decoys(library.intensity, keys, params.mz_power, params.intensity_power, params.decoy_seed, params.decoy_share)


def prepare_library(library_path: str | os.PathLike, params: MatchParams) -> PreparedLibrary:
    """Parse ``library_path`` (RIs of other column classes dropped) and build its decoys."""
    key = preparation_key(library_path, params)
    library = load_library(library_path, params.column_class)
    return PreparedLibrary(library, library_decoys(library, params), key)


def _sparse(matrix: np.ndarray, prefix: str) -> dict[str, np.ndarray]:
    rows, columns = np.nonzero(matrix)
    return {f"{prefix}_counts": np.bincount(rows, minlength=matrix.shape[0]).astype(np.int64), f"{prefix}_mz": columns.astype(np.int32),
            f"{prefix}_values": matrix[rows, columns].astype(np.float64)}


def _dense(data: np.lib.npyio.NpzFile, prefix: str, width: int) -> np.ndarray:
    counts = data[f"{prefix}_counts"]
    matrix = np.zeros((counts.size, width))
    matrix[np.repeat(np.arange(counts.size), counts), data[f"{prefix}_mz"]] = data[f"{prefix}_values"]
    return matrix


def save_prepared(prepared: PreparedLibrary, target: str | os.PathLike) -> None:
    """Write ``prepared`` to an .npz atomically (text as unicode arrays, no pickled objects)."""
    library = prepared.library
    classes = library.column_classes or [None] * len(library.names)
    arrays = {
        "key": np.array(json.dumps(prepared.key, sort_keys=True)), "width": np.array(library.intensity.shape[1]),
        "names": np.array(library.names, dtype=str), "ids": np.array(library.ids, dtype=str), "inchikeys": np.array(library.inchikeys, dtype=str),
        "column_classes": np.array([c or "" for c in classes], dtype=str), "ri": np.asarray(library.ri, dtype=np.float64),
        **_sparse(library.intensity, "spectra"), **_sparse(prepared.decoys, "decoys"),
    }
    with atomic_path(target, suffix=".npz") as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


def _texts(array: np.ndarray) -> list[str]:
    return [str(x) for x in array.tolist()]


def load_prepared(path: str | os.PathLike, library_path: str | os.PathLike, params: MatchParams) -> PreparedLibrary:
    """Read a prepared library, refusing it (one error naming what differs) unless it was made from
    ``library_path``'s bytes and name and ``params``' ``KEY_SETTINGS``."""
    expected = preparation_key(library_path, params)
    try:
        with np.load(path, allow_pickle=False) as data:
            key = json.loads(str(data["key"]))
            stale = [name for name in expected if key.get(name) != expected[name]]
            if stale:
                what = ", ".join("library file checksum" if name == "library_sha256" else name for name in stale)
                raise GcmsflowError(path, f"stale prepared library ({what} differs from {library_path} and the annotate settings; "
                                    "rerun gcmsflow prepare-library)")
            width = int(data["width"])
            classes = [c or None for c in _texts(data["column_classes"])]
            library = Library(_texts(data["names"]), _texts(data["ids"]), _texts(data["inchikeys"]), data["ri"], _dense(data, "spectra", width), classes)
            return PreparedLibrary(library, _dense(data, "decoys", width), key)
    except FileNotFoundError:
        raise GcmsflowError(path, "prepared library not found (run gcmsflow prepare-library first)") from None
    except (OSError, ValueError, KeyError) as err:
        raise GcmsflowError(path, f"not a gcmsflow prepared library ({err})") from None
