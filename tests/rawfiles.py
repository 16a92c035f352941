"""Writers of raw GC-MS files for tests (JCAMP-DX in both layouts, mzML, ANDI with header attributes), from any run."""

from __future__ import annotations

import base64
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
    if declare and raw.times_s.size:
        header += [f"##VAR_DIM= , , {raw.times_s.size}", f"##FIRST= , , {float(raw.times_s[0])!r}", f"##LAST= , , {float(raw.times_s[-1])!r}"]
    body = "".join(_pages(raw, "##DATA TABLE= (XY..XY), PEAKS", separator))
    return "\n".join(header) + "\n" + extra + body + "##END NTUPLES= MASS SPECTRUM\n##END=\n"


def xydata_text(raw: RawScans, title: str = "run") -> str:
    """A JCAMP-DX file of ``##XYDATA= (XY..XY)`` pages, as PyMassSpec's test data are written."""
    header = f"##TITLE= {title}\n##IONIZATION_MODE= EI+\n"
    if raw.times_s.size:
        header += f"##FIRST= , , {float(raw.times_s[0]) / 60!r}\n##LAST= , , {float(raw.times_s[-1]) / 60!r}\n"
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


CV = '<cvParam cvRef="MS" accession="{}" name="{}" value="{}"/>'


def _binary(values: np.ndarray, accession: str, name: str) -> str:
    encoded = base64.b64encode(np.asarray(values, "<f8").tobytes()).decode()
    return (f'<binaryDataArray encodedLength="{len(encoded)}">{CV.format("MS:1000523", "64-bit float", "")}'
            f'{CV.format("MS:1000576", "no compression", "")}{CV.format(accession, name, "")}<binary>{encoded}</binary></binaryDataArray>')


def mzml_text(raw: RawScans, source: tuple[tuple[str, str], ...] = (("MS:1000389", "electron ionization"),),
              spectrum_type: tuple[str, str] = ("MS:1000127", "centroid spectrum"), ms_level: int = 1) -> str:
    """An mzML file of ``raw`` (times in seconds) with the given ionization/inlet terms in its instrument's source."""
    terms = "".join(CV.format(accession, name, "") for accession, name in source)
    spectra = []
    for k, (t, start, count) in enumerate(zip(raw.times_s.tolist(), raw.scan_index.tolist(), raw.point_count.tolist())):
        mz, intensity = raw.mass[start : start + count], raw.intensity[start : start + count]
        spectra.append(
            f'<spectrum index="{k}" id="scan={k + 1}" defaultArrayLength="{count}">{CV.format("MS:1000511", "ms level", ms_level)}'
            f'{CV.format(*spectrum_type, "")}<scanList count="1"><scan><cvParam cvRef="MS" accession="MS:1000016" name="scan start time" '
            f'value="{t!r}" unitCvRef="UO" unitAccession="UO:0000010" unitName="second"/></scan></scanList><binaryDataArrayList count="2">'
            f'{_binary(mz, "MS:1000514", "m/z array")}{_binary(intensity, "MS:1000515", "intensity array")}</binaryDataArrayList></spectrum>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<mzML xmlns="http://psi.hupo.org/ms/mzml" version="1.1.0"><cvList count="2">'
        '<cv id="MS" fullName="PSI-MS" URI="https://purl.obolibrary.org/obo/ms.obo"/><cv id="UO" fullName="Unit Ontology" '
        f'URI="https://purl.obolibrary.org/obo/uo.obo"/></cvList><fileDescription><fileContent>{CV.format("MS:1000579", "MS1 spectrum", "")}'
        '</fileContent></fileDescription><instrumentConfigurationList count="1"><instrumentConfiguration id="IC1"><componentList count="3">'
        f'<source order="1">{terms}</source><analyzer order="2">{CV.format("MS:1000081", "quadrupole", "")}</analyzer>'
        f'<detector order="3">{CV.format("MS:1000253", "electron multiplier", "")}</detector></componentList></instrumentConfiguration>'
        f'</instrumentConfigurationList><run id="r" defaultInstrumentConfigurationRef="IC1"><spectrumList count="{len(spectra)}">'
        f'{"".join(spectra)}</spectrumList></run></mzML>'
    )


def write_andi_with(path: Path, raw: RawScans, **attributes: str) -> Path:
    """An ANDI-MS file of ``raw`` whose global attributes are set as given (e.g. ``test_ionization_mode``)."""
    from gcmsflow.io.andi import write_andi
    from scipy.io import netcdf_file

    write_andi(path, raw, title="t")
    with netcdf_file(str(path), "a", mmap=False) as nc:
        for name, value in attributes.items():
            setattr(nc, name, value.encode())
    return path


def write_tic_only_andi(path: Path, n_scans: int = 400) -> Path:
    """An ANDI chromatography (E1947) file: a TIC trace and no mass spectra."""
    from scipy.io import netcdf_file

    with netcdf_file(str(path), "w", version=1) as nc:
        nc.createDimension("point_number", n_scans)
        nc.createVariable("ordinate_values", "f", ("point_number",))[:] = np.linspace(1, 2, n_scans)
        nc.actual_sampling_interval = 0.5
    return path
