"""JCAMP-DX GC-MS runs: one ``##PAGE=`` per scan with ``(XY..XY)`` centroid pairs.

Pages hold their pairs under ``##XYDATA=``, or, in the NTUPLES layout, ``##DATA TABLE= (XY..XY), PEAKS``
(``##PEAK TABLE=`` too). Files made of labels and ``x, y`` values (one or several pairs per line,
as instruments and NIST tools write them) are read in one pass by a small C reader
(``_jcamp_pages.c``, built at install); anything else, every file with a fault, and every file
where the C reader is not built, goes through the page-by-page parser, which names the scan at
fault. Either way the header is checked against what was read (:mod:`.jcamp_header`), so a file
cut short is refused, naming its last complete scan.
"""

from __future__ import annotations

import os
import re

import numpy as np

from ..core.errors import GcmsflowError
from ..core.rawscans import RawScans
from .jcamp_header import JcampHeader, check_complete, truncated

try:
    from . import (
        _jcamp_pages,  # C reader, built at install where a C compiler is present
    )
except ImportError:
    _jcamp_pages = None

PAGE = re.compile(r"^##PAGE=", re.MULTILINE)
PAGE_BYTES = re.compile(rb"^##PAGE=", re.MULTILINE)
LABEL = re.compile(r"^##([A-Z_ ]+)=[ \t]*(.*)$", re.MULTILINE)
DATA_LABEL = re.compile(r"##(XYDATA|DATA TABLE|PEAK TABLE)=([^\n]*)")


def _labels(block: str) -> dict[str, str]:
    return {key.strip().replace(" ", "_"): value.strip() for key, value in LABEL.findall(block)}


def read_jcamp(path: str | os.PathLike) -> RawScans:
    """Read a JCAMP-DX GC-MS file (retention times in seconds unless the header says minutes)."""
    path = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise GcmsflowError(path, f"cannot be read ({err.strerror})") from None
    return _read_regular(data, path) or _read_pages(data.decode("latin-1"), path)


def _read_regular(data: bytes, path: str = "") -> RawScans | None:
    """Read a regular file (labels, blank lines and ``x, y`` values) in one pass of the C reader.

    Returns None where the C reader is not built or the file is not regular; the page parser then
    reads it (the two give identical values on every file the C reader accepts).
    """
    first_page = PAGE_BYTES.search(data)
    if _jcamp_pages is None or first_page is None:
        return None
    n_lines, n_pages = len(data) // 4 + 1, len(data) // 8 + 1  # a data line holds >= 4 bytes, a page >= 8
    mass, intensity = np.empty(n_lines), np.empty(n_lines)  # untouched capacity costs no memory
    times, counts = np.empty(n_pages), np.empty(n_pages, dtype=np.int64)
    read = _jcamp_pages.read_regular(data, first_page.start(), mass, intensity, times, counts)
    if read is None:
        return None
    n_pages, n_points = read
    header = JcampHeader.parse(data[: first_page.start()].decode("latin-1"))
    last_page = data[data.rfind(b"##PAGE=") :].decode("latin-1")
    return _scans(header, times[:n_pages], counts[:n_pages], mass[:n_points], intensity[:n_points], last_page, path)


def _scans(header: JcampHeader, times: np.ndarray, counts: np.ndarray, mass: np.ndarray, intensity: np.ndarray, last_page: str, path: str) -> RawScans:
    """The run's point lists, times in seconds (the header may say minutes), once the file is known to be complete."""
    check_complete(path, header, times, counts, last_page)
    x_factor, y_factor = header.factor("X", path), header.factor("Y", path)
    if x_factor != 1.0:
        mass = mass * x_factor
    if y_factor != 1.0:
        intensity = intensity * y_factor
    return RawScans.in_scan_order(times * header.seconds_per_unit, counts, mass, intensity, header.instrument, header.acquisition)


def _read_pages(text: str, path: str) -> RawScans:
    """Page-by-page parser: any (XY..XY) layout, and errors that name the scan."""
    pages = PAGE.split(text)
    header, pages = JcampHeader.parse(pages[0]), pages[1:]
    if not pages and header.declared_scans:
        raise GcmsflowError(path, f"truncated: no ##PAGE= scans of the {header.declared_scans} its header declares")
    if not pages:
        single = DATA_LABEL.search(text) is not None
        raise GcmsflowError(path, "JCAMP-DX file has no ##PAGE= scans" + (" (a single mass spectrum, not a GC-MS run)" if single else ""))
    times, counts, chunks = np.empty(len(pages)), np.empty(len(pages), dtype=np.int64), []
    for i, page in enumerate(pages):
        data = DATA_LABEL.search(page)
        data_at = data.start() if data else -1
        labels = _labels(page[:data_at] if data_at >= 0 else page)
        rt = labels.get("RETENTION_TIME") or page.split("\n", 1)[0].strip().removeprefix("T=")
        try:
            times[i] = float(rt)
        except ValueError:
            raise GcmsflowError(path, f"scan {i + 1}: retention time '{rt}' is not a number") from None
        if data is None:
            counts[i] = 0
            chunks.append(np.empty(0))
            continue
        form = data.group(2).strip()
        if not form.startswith("(XY..XY)"):
            kind = "profile (continuum) spectra" if "++" in form else "an unsupported data form"
            raise GcmsflowError(path, f"scan {i + 1}: ##{data.group(1)}= {form} holds {kind}; gcmsflow reads centroided (XY..XY) peak lists")
        body = page[data_at:].split("\n", 1)[1] if "\n" in page[data_at:] else ""
        end = body.find("##")
        body = body[:end] if end >= 0 else body
        try:
            values = np.array(body.replace(",", " ").replace(";", " ").split(), dtype=np.float64)
        except ValueError:
            raise GcmsflowError(path, f"scan {i + 1}: {data.group(1)} holds a value that is not a number") from None
        if values.size % 2 and i == len(pages) - 1 and end < 0:  # cut inside its last pair
            raise truncated(path, f"its last scan ({i + 1}) ends inside an (x, y) pair", times, i, header.seconds_per_unit)
        if values.size % 2:
            raise GcmsflowError(path, f"scan {i + 1}: {data.group(1)} has an odd number of values")
        counts[i] = values.size // 2
        chunks.append(values)
    pairs = np.concatenate(chunks).reshape(-1, 2) if counts.sum() else np.empty((0, 2))
    return _scans(header, times, counts, pairs[:, 0], pairs[:, 1], "##PAGE=" + pages[-1], path)


def page_tic(path: str | os.PathLike) -> np.ndarray:
    """The ``##TIC=`` value of every page (NaN where a page has none), for checks against the import."""
    with open(path, encoding="latin-1") as handle:
        pages = PAGE.split(handle.read())[1:]
    return np.array([float(_labels(p[: m.start() if (m := DATA_LABEL.search(p)) else len(p)]).get("TIC", "nan")) for p in pages])
