"""The text form of a spectrum in tables (``"mz:value mz:value"``) and the unit-mass axis bound."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MZ_MAX = 1000


def format_spectrum(mz: np.ndarray, values: np.ndarray) -> str:
    """``"mz:value mz:value"`` with 4 significant digits, the spectrum column's text form.

    >>> format_spectrum([73, 147, 204], [1000.0, 123.456, 55.55555])
    '73:1000 147:123.5 204:55.56'
    """
    return " ".join(map("{}:{:.4g}".format, np.asarray(mz, dtype=np.int64).tolist(), np.asarray(values, dtype=float).tolist()))


def parse_spectra(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Many spectrum texts at once: ions per spectrum, and all m/z (int) and values (float) in order.

    >>> counts, mz, values = parse_spectra(["73:10 147:2", "", "57:1"])
    >>> counts.tolist(), mz.tolist(), values.tolist()
    ([2, 0, 1], [73, 147, 57], [10.0, 2.0, 1.0])
    """
    texts = [t if isinstance(t, str) else "" for t in texts]
    counts = np.array([t.count(":") for t in texts], dtype=np.int64)
    flat = np.fromstring(" ".join(texts).replace(":", " "), dtype=np.float64, sep=" ")
    if flat.size != 2 * counts.sum():
        raise ValueError("spectrum text is not a list of 'mz:value' pairs")
    flat = flat.reshape(-1, 2)
    return counts, flat[:, 0].astype(np.int64), flat[:, 1]


def parse_spectrum(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`format_spectrum`: nominal m/z (int) and values (float).

    >>> mz, values = parse_spectrum("73:1000 147:123.5")
    >>> mz.tolist(), values.tolist()
    ([73, 147], [1000.0, 123.5])
    """
    if not isinstance(text, str) or not text.strip():
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    pairs = [p.split(":") for p in text.split()]
    return np.array([int(m) for m, _ in pairs]), np.array([float(v) for _, v in pairs])
