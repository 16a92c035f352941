"""What a JCAMP-DX GC-MS header declares, and the check that the file holds all of it.

Two layouts carry a run: pages of ``##XYDATA= (XY..XY)`` under a plain header, and the NTUPLES
layout (``##NTUPLES= MASS SPECTRUM`` with per-column ``##SYMBOL=``, ``##UNITS=``, ``##VAR_DIM=``,
``##FIRST=``, ``##LAST=``, ``##FACTOR=`` lists and ``##DATA TABLE= (XY..XY), PEAKS`` pages). Label
names compare as JCAMP-DX says: case, blanks, dashes, slashes, underscores and the leading dot of
MS-specific labels do not count.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..core.errors import GcmsflowError

HEADER_LABEL = re.compile(r"^##([^=\r\n]*)=[ \t]*([^\r\n]*)", re.MULTILINE)
NPOINTS = re.compile(r"^##NPOINTS=[ \t]*(\d+)", re.MULTILINE)
END = re.compile(r"##END=[^\n]*$")
TIME_SCALES = (1.0, 60.0, 1.0 / 60.0)  # ##FIRST=/##LAST= may count minutes where pages count seconds, or the reverse


def label_key(name: str) -> str:
    """The comparable form of a label name: ``.IONIZATION MODE`` and ``IONIZATION_MODE`` are one label."""
    return re.sub(r"[\s_/.\-]", "", name.upper())


@dataclass(frozen=True)
class JcampHeader:
    """The labels before the first ``##PAGE=``, keyed by :func:`label_key`."""

    labels: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> JcampHeader:
        return cls({label_key(name): value.strip() for name, value in HEADER_LABEL.findall(text)})

    @property
    def ntuples(self) -> bool:
        return "NTUPLES" in self.labels

    def _fields(self, key: str) -> list[str]:
        return [f.strip() for f in self.labels.get(key, "").strip("()").split(",")]

    def _column(self, symbol: str, default: int) -> int:
        """Index of an NTUPLES column by its ``##SYMBOL=`` (``X``, ``Y``, ``T``)."""
        symbols = [s.upper() for s in self._fields("SYMBOL")]
        return symbols.index(symbol) if symbol in symbols else default

    def _entry(self, key: str, symbol: str, default: int) -> str:
        fields = self._fields(key)
        i = self._column(symbol, default) if self.ntuples else default
        return fields[i] if len(fields) > i >= 0 and (self.ntuples or len(fields) >= 3) else ""

    @property
    def seconds_per_unit(self) -> float:
        """60 where the pages count minutes, else 1."""
        if self.ntuples:
            return 60.0 if "MIN" in self._entry("UNITS", "T", 2).upper() else 1.0
        return 60.0 if any("MIN" in self.labels.get(k, "").upper() for k in ("XUNITS", "RETENTIONTIMEUNITS", "UNITS")) else 1.0

    def factor(self, symbol: str, path: str) -> float:
        """The ``##FACTOR=`` (NTUPLES) or ``##XFACTOR=``/``##YFACTOR=`` of the m/z (X) or intensity (Y) values."""
        text = self._entry("FACTOR", symbol, "XY".index(symbol)) if self.ntuples else self.labels.get(f"{symbol}FACTOR", "")
        try:
            return float(text) if text else 1.0
        except ValueError:
            raise GcmsflowError(path, f"{symbol} factor '{text}' is not a number") from None

    def _number(self, key: str) -> float | None:
        try:
            return float(self._entry(key, "T", 2))
        except ValueError:
            return None

    @property
    def declared_scans(self) -> int | None:
        """The scan count ``##VAR_DIM=`` declares for the time column (NTUPLES only)."""
        count = self._number("VARDIM") if self.ntuples else None
        return int(count) if count and count > 0 else None

    @property
    def instrument(self) -> str:
        return self.labels.get("SPECTROMETERSYSTEM") or self.labels.get("SPECTROMETERDATASYSTEM", "")

    @property
    def acquisition(self) -> dict[str, str]:
        """What the header says of how the run was acquired (see :mod:`gcmsflow.io.acquisition`)."""
        keys = {"ionization": "IONIZATIONMODE", "inlet": "INLET", "data_type": "DATATYPE"}
        return {name: self.labels[key] for name, key in keys.items() if self.labels.get(key)}

    def declared_end(self, times: np.ndarray) -> float | None:
        """The ``##LAST=`` time in the pages' unit: the unit that puts ``##FIRST=`` (else ``##LAST=``) nearest the scans."""
        first, last = self._number("FIRST"), self._number("LAST")
        if last is None or not last > 0 or not times[-1] > 0:
            return None
        ref, declared = (times[0], first) if first and first > 0 and times[0] > 0 else (times[-1], last)
        scale = min(TIME_SCALES, key=lambda s: abs(math.log(ref / (declared * s))))
        return last * scale


def page_npoints(page: str) -> int | None:
    """The ``##NPOINTS=`` a page declares (before its data), or None."""
    match = NPOINTS.search(page)
    return int(match.group(1)) if match else None


def truncated(path: str, reason: str, times: np.ndarray, complete: int, seconds_per_unit: float) -> GcmsflowError:
    """The error for a file cut short, naming its last complete scan."""
    last = f"last complete scan {complete} at {times[complete - 1] * seconds_per_unit:.3f} s" if complete else "no complete scan"
    return GcmsflowError(path, f"truncated: {reason}; {last}")


def check_complete(path: str, header: JcampHeader, times: np.ndarray, counts: np.ndarray, last_page: str) -> None:
    """Refuse a file cut short: a last line without line end or ``##END=``, a last page with fewer points
    than its ``##NPOINTS=``, fewer scans than ``##VAR_DIM=`` declares, or an end well short (> 3 scans
    and > 1 % of the run) of ``##LAST=``."""
    n, unit = times.size, header.seconds_per_unit
    if not counts.any():
        return  # a run without any points is refused as such by the importer
    if not last_page.endswith("\n") and not END.search(last_page.rstrip()):
        raise truncated(path, f"its last line is cut (no line end and no ##END=) in scan {n}", times, n - 1, unit)
    declared = page_npoints(last_page)
    if declared is not None and counts[-1] < declared:
        raise truncated(path, f"its last scan ({n}) holds {counts[-1]} of the {declared} points its ##NPOINTS= declares", times, n - 1, unit)
    if header.declared_scans and n < header.declared_scans:
        raise truncated(path, f"it holds {n} of the {header.declared_scans} scans its header declares", times, n, unit)
    end = header.declared_end(times)
    if end is not None and n > 1:
        interval = float(np.median(np.diff(times)))
        if end - times[-1] > max(3 * interval, 0.01 * (end - times[0])):
            raise truncated(path, f"it ends at {times[-1] * unit:.1f} s, well short of the {end * unit:.1f} s its ##LAST= declares", times, n, unit)
