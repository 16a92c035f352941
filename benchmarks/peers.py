"""Peer pipelines the benchmarks run, written once: PyMassSpec peak detection as its documentation shows.

Needs PyMassSpec: ``pip install -r requirements-bench.lock``.
"""

from __future__ import annotations


def pymassspec_peaks(im, cutoff: float) -> list:
    """Savitzky–Golay + top-hat (1.5 min) per ion, ``BillerBiemann(points=9, scans=2)``,
    ``rel_threshold(2 %)`` and ``num_ions_threshold(3, cutoff)`` on a PyMassSpec IntensityMatrix."""
    from pyms.BillerBiemann import BillerBiemann, num_ions_threshold, rel_threshold
    from pyms.Noise.SavitzkyGolay import savitzky_golay
    from pyms.TopHat import tophat

    for i in range(im.size[1]):
        im.set_ic_at_index(i, tophat(savitzky_golay(im.get_ic_at_index(i)), struct="1.5m"))
    return num_ions_threshold(rel_threshold(BillerBiemann(im, points=9, scans=2), percent=2), n=3, cutoff=cutoff)


def pymassspec_andi_rts(path: str, cutoff: float) -> list[float]:
    """Apex retention times (s) of the peaks PyMassSpec finds in an ANDI-MS file."""
    from pyms.GCMS.IO.ANDI import ANDI_reader
    from pyms.IntensityMatrix import build_intensity_matrix_i

    return [peak.rt for peak in pymassspec_peaks(build_intensity_matrix_i(ANDI_reader(path)), cutoff)]
