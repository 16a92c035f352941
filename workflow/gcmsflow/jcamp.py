"""JCAMP-DX GC-MS runs: one ``##PAGE=`` per scan with ``##XYDATA=(XY..XY)`` centroid pairs.

Files with one ``x, y`` pair per data line (as instruments write them) are parsed in one pass by
pandas' C CSV reader; anything else, and every file with a fault, goes through the page-by-page
parser, which names the scan at fault.
"""

from __future__ import annotations

import io
import os
import re

import numpy as np
import pandas as pd

from .andi import RawScans
from .errors import GcmsflowError

PAGE = re.compile(r"^##PAGE=", re.MULTILINE)
LABEL = re.compile(r"^##([A-Z_ ]+)=\s*(.*)$", re.MULTILINE)


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
    return _read_one_pair_per_line(data) or _read_pages(data.decode("latin-1"), path)


def _read_one_pair_per_line(data: bytes) -> RawScans | None:
    """Parse a regular file (one ``x, y`` pair per data line, one retention time per page) at once.

    Label lines are found from the ``#`` bytes alone; a page's data lines are the lines between its
    ``##XYDATA=`` label and the next label, and they must add up to the rows pandas reads, so a
    blank or stray line anywhere sends the file to the page parser. Returns None for any file this
    fast path cannot vouch for.
    """
    if not data.endswith(b"\n"):
        data += b"\n"
    buf = np.frombuffer(data, np.uint8)
    hashes = np.flatnonzero(buf == ord("#"))
    labels = hashes[(hashes + 1 < buf.size) & ((hashes == 0) | (buf[hashes - 1] == ord("\n")))]
    labels = labels[buf[labels + 1] == ord("#")]
    pages = _with_prefix(buf, labels, b"##PAGE=")
    xydata = _with_prefix(buf, labels, b"##XYDATA=")
    rt_lines = _with_prefix(buf, labels, b"##RETENTION_TIME=")
    if pages.size == 0 or xydata.size != pages.size or np.any(np.searchsorted(pages, xydata, "right") - 1 != np.arange(pages.size)):
        return None
    span_ends = np.append(labels, buf.size)[np.searchsorted(labels, xydata, "right")]
    counts = np.array([data.count(b"\n", s, e) - 1 for s, e in zip(xydata.tolist(), span_ends.tolist())], dtype=np.int64)
    try:
        table = pd.read_csv(io.BytesIO(data), sep=",", header=None, comment="#", dtype=np.float64, engine="c", skip_blank_lines=True)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    if table.shape != (counts.sum(), 2) or table.isna().to_numpy().any():
        return None
    texts = [data[s + 7 : data.index(b"\n", s)].strip().removeprefix(b"T=") for s in pages.tolist()]
    for page, s in zip((np.searchsorted(pages, rt_lines, "right") - 1).tolist(), rt_lines.tolist()):
        texts[page] = data[s + 17 : data.index(b"\n", s)].strip() or texts[page]
    try:
        times = np.array(texts, dtype=np.float64)
    except ValueError:
        return None
    header = _labels(data[: pages[0]].decode("latin-1"))
    scale = 60.0 if _in_minutes(header) else 1.0
    index = np.concatenate(([0], np.cumsum(counts)[:-1]))
    mass, intensity = table[0].to_numpy(), table[1].to_numpy()
    return RawScans(times * scale, index, counts, mass, intensity, header.get("SPECTROMETER_SYSTEM", ""))


def _with_prefix(buf: np.ndarray, starts: np.ndarray, prefix: bytes) -> np.ndarray:
    """The line starts among ``starts`` whose line begins with ``prefix``."""
    starts = starts[starts + len(prefix) <= buf.size]
    return starts[(buf[starts[:, None] + np.arange(len(prefix))] == np.frombuffer(prefix, np.uint8)).all(axis=1)]


def _in_minutes(header: dict[str, str]) -> bool:
    return any("MIN" in header.get(k, "").upper() for k in ("XUNITS", "RETENTION_TIME_UNITS", "UNITS"))


def _read_pages(text: str, path: str) -> RawScans:
    """Page-by-page parser: any XYDATA layout, and errors that name the scan."""
    pages = PAGE.split(text)
    header, pages = _labels(pages[0]), pages[1:]
    if not pages:
        raise GcmsflowError(path, "JCAMP-DX file has no ##PAGE= scans")
    minutes = _in_minutes(header)
    times, counts, chunks = np.empty(len(pages)), np.empty(len(pages), dtype=np.int64), []
    for i, page in enumerate(pages):
        data_at = page.find("##XYDATA=")
        labels = _labels(page[:data_at] if data_at >= 0 else page)
        rt = labels.get("RETENTION_TIME") or page.split("\n", 1)[0].strip().removeprefix("T=")
        try:
            times[i] = float(rt)
        except ValueError:
            raise GcmsflowError(path, f"scan {i + 1}: retention time '{rt}' is not a number") from None
        if data_at < 0:
            counts[i] = 0
            chunks.append(np.empty(0))
            continue
        body = page[data_at:].split("\n", 1)[1] if "\n" in page[data_at:] else ""
        end = body.find("##")
        body = body[:end] if end >= 0 else body
        try:
            values = np.array(body.replace(",", " ").split(), dtype=np.float64)
        except ValueError:
            raise GcmsflowError(path, f"scan {i + 1}: XYDATA holds a value that is not a number") from None
        if values.size % 2:
            raise GcmsflowError(path, f"scan {i + 1}: XYDATA has an odd number of values")
        counts[i] = values.size // 2
        chunks.append(values)
    pairs = np.concatenate(chunks).reshape(-1, 2) if counts.sum() else np.empty((0, 2))
    scale = 60.0 if minutes else 1.0
    index = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return RawScans(times * scale, index, counts, pairs[:, 0], pairs[:, 1], header.get("SPECTROMETER_SYSTEM", ""))


def page_tic(path: str | os.PathLike) -> np.ndarray:
    """The ``##TIC=`` value of every page (NaN where a page has none), for checks against the import."""
    with open(path, encoding="latin-1") as handle:
        pages = PAGE.split(handle.read())[1:]
    return np.array([float(_labels(p[: max(p.find("##XYDATA="), 0)]).get("TIC", "nan")) for p in pages])
