"""Write unit-mass spectra as NIST MSP text, and check an MSP file's structure line by line before
matchms reads it (see ``library``): matchms raises on a peak line with an odd count of numbers and
silently drops or merges entries whose peak lines are not numbers or do not match ``Num Peaks``.
The feature spectra gcmsflow writes itself are read back without matchms (:func:`.library.read_msp_library`),
as importing matchms costs a study step more than reading them."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.atomic import write_text
from ..core.errors import GcmsflowError
from ..core.spectra import parse_spectrum


@dataclass
class MspEntry:
    """One MSP record: a name, ordered metadata fields and a unit-mass spectrum."""

    name: str
    mz: np.ndarray
    intensity: np.ndarray
    fields: dict[str, str] = field(default_factory=dict)


def format_entry(entry: MspEntry, scale_to: float = 999.0) -> str:
    """MSP text of ``entry``; intensities scaled to ``scale_to`` at the base peak, zeros dropped."""
    intensity = np.asarray(entry.intensity, dtype=np.float64)
    top = intensity.max(initial=0.0)
    scaled = np.round(intensity / top * scale_to).astype(int) if top > 0 else np.zeros(0, int)
    keep = scaled > 0
    lines = [f"NAME: {entry.name}"]
    lines += [f"{key}: {value}" for key, value in entry.fields.items()]
    lines.append(f"Num Peaks: {int(keep.sum())}")
    lines += [f"{int(m)} {int(i)}" for m, i in zip(np.asarray(entry.mz)[keep], scaled[keep])]
    return "\n".join(lines) + "\n"


def write_msp(entries: list[MspEntry], target: str | os.PathLike) -> None:
    """Write ``entries`` to an MSP file atomically, records separated by blank lines."""
    write_text(target, "\n".join(format_entry(e) for e in entries))


_GOLM_PEAKS = re.compile(r"\d+:\d+")  # matchms reads a line starting "<m/z>:<intensity>" as peaks
_PEAK_SEPARATORS = re.compile(r"[\s,;:()\[\]]+")


def _peak_values(line: str) -> list[float] | None:
    """The numbers of a peak line (a quoted peak comment removed), or None when one is not a finite number."""
    values = [token for token in _PEAK_SEPARATORS.split(re.split(r"[\"']", line, maxsplit=1)[0]) if token]
    try:
        numbers = [float(token) for token in values]
    except ValueError:
        return None
    return numbers if all(math.isfinite(x) for x in numbers) else None


def check_msp(path: str | os.PathLike) -> None:
    """Raise :class:`GcmsflowError` naming the line and entry of the first structural fault of an MSP
    file: a peak line that is not m/z–intensity number pairs, peaks outside an entry, a ``Num Peaks``
    that is not a whole number or does not match the peak lines that follow it."""
    name, name_line, expected, found, number = None, 0, None, 0, 0

    def fail(at: int, cause: str) -> GcmsflowError:
        entry = f", entry '{name}' (line {name_line})" if name is not None else ""
        return GcmsflowError(path, f"line {at}{entry}: {cause}")

    def close(at: int) -> None:
        if expected is not None and found != expected:
            raise fail(at, f"'Num Peaks: {expected}' but {found} peaks follow")

    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            if ":" in text and not _GOLM_PEAKS.match(text):
                key, value = (part.strip() for part in text.split(":", 1))
                if key.lower() == "name":
                    close(number)
                    name, name_line, expected, found = value, number, None, 0
                elif key.lower() == "num peaks":
                    if not value.isdigit():
                        raise fail(number, f"'Num Peaks: {value}' is not a whole number")
                    expected = int(value)
                continue
            values = _peak_values(text)
            if values is None or len(values) % 2:
                raise fail(number, f"peak line '{text[:40]}' is not m/z–intensity number pairs")
            if expected is None:
                raise fail(number, "peak line outside an entry (no NAME and Num Peaks before it)")
            found += len(values) // 2
            if found > expected:
                raise fail(number, f"more peaks than 'Num Peaks: {expected}'")
    close(number + 1)


def component_entries(peaks: pd.DataFrame, run_name: str, source: str) -> list[MspEntry]:
    """One MSP record per detected component (``peaks`` as written by detection), named ``"<run> <component_id>"``."""
    entries = []
    for row in peaks.itertuples():
        mz, values = parse_spectrum(row.spectrum)
        fields = {"RETENTIONTIME": f"{row.rt:.3f}", "QUANTMZ": str(row.quant_mz), "SOURCE": source}
        entries.append(MspEntry(f"{run_name} {row.component_id}", mz, values, fields))
    return entries
