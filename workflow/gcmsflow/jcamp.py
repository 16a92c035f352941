"""JCAMP-DX GC-MS runs: one ``##PAGE=`` per scan with ``##XYDATA=(XY..XY)`` centroid pairs."""

from __future__ import annotations

import os
import re

import numpy as np

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
        with open(path, encoding="latin-1") as handle:
            text = handle.read()
    except OSError as err:
        raise GcmsflowError(path, f"cannot be read ({err.strerror})") from None
    pages = PAGE.split(text)
    header, pages = _labels(pages[0]), pages[1:]
    if not pages:
        raise GcmsflowError(path, "JCAMP-DX file has no ##PAGE= scans")
    minutes = any("MIN" in header.get(k, "").upper() for k in ("XUNITS", "RETENTION_TIME_UNITS", "UNITS"))
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
