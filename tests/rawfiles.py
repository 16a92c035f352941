"""Writers of raw GC-MS files for tests: JCAMP-DX in both layouts, from any run's point lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gcmsflow.core.rawscans import RawScans


def _pages(raw: RawScans, label: str, separator: str) -> list[str]:
    """One ``##PAGE=`` per scan; values written as Python's repr, so they read back bit for bit."""
    pages, mass, intensity = [], raw.mass.tolist(), raw.intensity.tolist()
    for t, start, count in zip(raw.times_s.tolist(), raw.scan_index.tolist(), raw.point_count.tolist()):
        pairs = separator.join(f"{mass[k]!r}, {intensity[k]!r}" for k in range(start, start + count))
        pages.append(f"##PAGE= T={t!r}\n##NPOINTS= {count}\n{label}\n{pairs}\n" if count else f"##PAGE= T={t!r}\n##NPOINTS= 0\n{label}\n")
    return pages


def ntuples_text(raw: RawScans, title: str = "run", declare: bool = True, separator: str = "\n", extra: str = "") -> str:
    """A JCAMP-DX 5.01 NTUPLES MASS SPECTRUM file (times in seconds); ``declare`` writes VAR_DIM/FIRST/LAST."""
    header = [
        f"##TITLE= {title}", "##JCAMP-DX= 5.01", "##DATA TYPE= MASS SPECTRUM", "##DATA CLASS= NTUPLES", "##ORIGIN= gcmsflow tests",
        "##OWNER= public", "##.IONIZATION MODE= EI+", "##NTUPLES= MASS SPECTRUM", "##VAR_NAME= MASS, INTENSITY, RETENTION TIME",
        "##SYMBOL= X, Y, T", "##VAR_TYPE= INDEPENDENT, DEPENDENT, INDEPENDENT", "##VAR_FORM= AFFN, AFFN, AFFN",
        "##UNITS= M/Z, RELATIVE ABUNDANCE, SECONDS",
    ]
    if declare:
        header += [f"##VAR_DIM= , , {raw.times_s.size}", f"##FIRST= , , {float(raw.times_s[0])!r}", f"##LAST= , , {float(raw.times_s[-1])!r}"]
    body = "".join(_pages(raw, "##DATA TABLE= (XY..XY), PEAKS", separator))
    return "\n".join(header) + "\n" + extra + body + "##END NTUPLES= MASS SPECTRUM\n##END=\n"


def xydata_text(raw: RawScans, title: str = "run") -> str:
    """A JCAMP-DX file of ``##XYDATA= (XY..XY)`` pages, as PyMassSpec's test data are written."""
    header = f"##TITLE= {title}\n##IONIZATION_MODE= EI+\n##FIRST= , , {float(raw.times_s[0]) / 60!r}\n##LAST= , , {float(raw.times_s[-1]) / 60!r}\n"
    return header + "".join(_pages(raw, "##XYDATA= (XY..XY)", "\n")) + "##END=\n"


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="latin-1", newline="")
    return path


def gc_run(n_scans: int = 400, seed: int = 0, interval_s: float = 0.5, mz: tuple[int, int] = (50, 300)) -> RawScans:
    """A plausible centroided GC-EI run: 20 ions per scan, a few Gaussian peaks over a baseline."""
    rng = np.random.default_rng(seed)
    times = 60.0 + interval_s * np.arange(n_scans)
    counts = np.full(n_scans, 20, dtype=np.int64)
    mass = np.sort(rng.uniform(mz[0], mz[1], size=(n_scans, 20)), axis=1).round(4).ravel()
    peaks = sum(np.exp(-0.5 * ((times - apex) / 1.5) ** 2) for apex in times[[n_scans // 5, n_scans // 2, 4 * n_scans // 5]])
    intensity = (np.repeat(1e3 + 1e5 * peaks, 20) * rng.uniform(0.5, 1.5, mass.size)).round(1)
    return RawScans.in_scan_order(times, counts, mass, intensity)
