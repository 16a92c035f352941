"""Write unit-mass spectra as NIST MSP text (reading goes through matchms, see ``library``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.atomic import write_text
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


def component_entries(peaks: pd.DataFrame, run_name: str, source: str) -> list[MspEntry]:
    """One MSP record per detected component (``peaks`` as written by detection), named ``"<run> <component_id>"``."""
    entries = []
    for row in peaks.itertuples():
        mz, values = parse_spectrum(row.spectrum)
        fields = {"RETENTIONTIME": f"{row.rt:.3f}", "QUANTMZ": str(row.quant_mz), "SOURCE": source}
        entries.append(MspEntry(f"{run_name} {row.component_id}", mz, values, fields))
    return entries
