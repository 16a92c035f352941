"""The raw-scan model every reader returns: centroid point lists of one run, scan after scan."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RawScans:
    """Centroid point lists of a run: points of scan ``i`` are ``[scan_index[i], scan_index[i] + point_count[i])``."""

    times_s: np.ndarray
    scan_index: np.ndarray
    point_count: np.ndarray
    mass: np.ndarray
    intensity: np.ndarray
    instrument: str = ""
    acquisition: dict[str, str] = field(default_factory=dict)  # what the file says of how it was acquired (ionization, ...)

    @classmethod
    def in_scan_order(
        cls, times_s: np.ndarray, point_count: np.ndarray, mass: np.ndarray, intensity: np.ndarray, instrument: str = "",
        acquisition: dict[str, str] | None = None,
    ) -> RawScans:
        """Point lists stored scan after scan: each scan's first point follows the previous scan's last."""
        return cls(times_s, scan_starts(point_count), point_count, mass, intensity, instrument, dict(acquisition or {}))


def scan_starts(point_count: np.ndarray) -> np.ndarray:
    """The index of each scan's first point when the points are stored scan after scan."""
    return np.cumsum(point_count) - point_count
