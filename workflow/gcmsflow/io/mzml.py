"""mzML and gzip-compressed mzML runs (MS1 spectra only), read with pyteomics.

The ionization and inlet terms of the file's instrument configuration and the spectra's
profile/centroid term go to ``RawScans.acquisition`` (checked by :mod:`.acquisition`).
"""

from __future__ import annotations

import gzip
import os
import re
import zlib

import numpy as np

from ..core.errors import GcmsflowError
from ..core.rawscans import RawScans

HEADER_BYTES = 1 << 20  # the instrument configuration precedes the spectra, within the file's first MiB
SOURCE_TERM = re.compile(rb'<cvParam[^>]*?\bname="([^"]*(?:ioni[sz]ation|spray|desorption|bombardment|inlet|infusion)[^"]*)"', re.IGNORECASE)


def _open(path: str, gzipped: bool):
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _header_acquisition(path: str, gzipped: bool) -> dict[str, str]:
    """Ionization and inlet terms named before the file's spectra."""
    with _open(path, gzipped) as source:
        head = source.read(HEADER_BYTES)
    head = head[: head.find(b"<spectrumList")] if b"<spectrumList" in head else head
    terms = list(dict.fromkeys(name.decode(errors="replace") for name in SOURCE_TERM.findall(head)))
    inlets = [t for t in terms if "inlet" in t.lower() or "infusion" in t.lower()]
    ionization = [t for t in terms if t not in inlets]
    found = {"ionization": "; ".join(ionization), "inlet": "; ".join(inlets)}
    if b'name="profile spectrum"' in head and b'name="centroid spectrum"' not in head:
        found["spectrum_type"] = "profile spectrum"
    return {key: value for key, value in found.items() if value}


def _no_spectra(path: str, gzipped: bool, n_spectra: int) -> GcmsflowError:
    """The error for a file without MS1 spectra, saying what it holds instead."""
    if n_spectra == 0:
        with _open(path, gzipped) as source:
            if b"<chromatogram " in source.read():
                return GcmsflowError(path, "a chromatogram without mass spectra (the mzML holds chromatograms and no spectra)")
    return GcmsflowError(path, f"no MS1 spectra ({n_spectra} spectra of other MS levels)")


def _start_seconds(spectrum: dict) -> float:
    scan = spectrum.get("scanList", {}).get("scan", [{}])[0]
    value = scan.get("scan start time")
    if value is None:
        raise KeyError("scan start time")
    unit = getattr(value, "unit_info", "") or ""
    return float(value) * (60.0 if "min" in str(unit).lower() else 1.0)


def read_mzml(path: str | os.PathLike) -> RawScans:
    """MS1 spectra of an mzML file (``.mzML`` or ``.mzML.gz``), scan times converted to seconds."""
    from lxml import etree
    from pyteomics import mzml
    from pyteomics.auxiliary import PyteomicsError

    path = str(path)
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    times, masses, intensities, counts = [], [], [], []
    n_spectra, profile = 0, False
    try:
        acquisition = _header_acquisition(path, gzipped)
        with _open(path, gzipped) as source:
            for spectrum in mzml.MzML(source, use_index=False, decode_binary=True):
                n_spectra += 1
                if int(spectrum.get("ms level", 1)) != 1:
                    continue
                times.append(_start_seconds(spectrum))
                masses.append(np.asarray(spectrum["m/z array"], dtype=np.float64))
                intensities.append(np.asarray(spectrum["intensity array"], dtype=np.float64))
                if masses[-1].size != intensities[-1].size:
                    raise GcmsflowError(path, f"spectrum {n_spectra}: m/z and intensity arrays differ in length")
                counts.append(masses[-1].size)
                profile |= "profile spectrum" in spectrum
    except KeyError as err:
        raise GcmsflowError(path, f"spectrum {n_spectra}: missing {err}") from None
    except etree.XMLSyntaxError as err:
        raise GcmsflowError(path, f"truncated or malformed mzML after spectrum {n_spectra} ({err})") from None
    except (PyteomicsError, OSError, EOFError, ValueError, zlib.error) as err:
        raise GcmsflowError(path, f"not a readable mzML file ({err})") from None
    if not times:
        raise _no_spectra(path, gzipped, n_spectra)
    if profile:
        acquisition["spectrum_type"] = "profile spectrum"
    counts_arr = np.array(counts, dtype=np.int64)
    return RawScans.in_scan_order(
        times_s=np.array(times),
        point_count=counts_arr,
        mass=np.concatenate(masses),
        intensity=np.concatenate(intensities),
        acquisition=acquisition,
    )
