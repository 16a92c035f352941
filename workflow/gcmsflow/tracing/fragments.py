"""The fragment table (which ions of which derivative, with formulas) and tracers (which element is labelled)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from ..core.errors import GcmsflowError
from ..core.formula import format_formula, nominal_mass, parse_formula
from ..core.names import split_name

FRAGMENT_COLUMNS = ["metabolite", "derivative", "fragment", "fragment_mz", "formula", "metabolite_formula", "derivative_formula", "backbone"]
TRACER = re.compile(r"^(?P<mass>\d+)(?P<element>[A-Z][a-z]?)\d*(?:[-_ ].*)?$")
ISOTOPES = {"C": 13, "N": 15, "H": 2, "O": 18}  # heavy isotope a tracer of each element carries
STEREO = re.compile(r"^(?:l-|d-|dl-)", re.IGNORECASE)


@dataclass(frozen=True)
class TracingParams:
    """Tracing settings: labelled isotope (``13C``, ``15N``; None = no tracing), its purity (atom fraction),
    a fragment table (TSV path; None = the shipped TMS table) and the fragments to read (``"asparagine 231"``; empty = all)."""

    tracer: str | None = None
    purity: float = 0.99
    table: str | None = None
    fragments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fragment:
    """One fragment ion of a derivative: its m/z, formulas and the backbone carbons it keeps."""

    metabolite: str
    derivative: str
    fragment: str
    fragment_mz: int
    metabolite_formula: str
    derivative_formula: str
    backbone: str

    @property
    def fragment_id(self) -> str:
        return f"{self.metabolite.replace(' ', '_')}_{self.derivative.replace(' ', '_')}_{self.fragment_mz}"

    def tracer_atoms(self, element: str) -> int:
        """Atoms of the labelled element the metabolite part keeps (isotopologues M0 ... Mn)."""
        return parse_formula(self.metabolite_formula)[element]


def tracer_element(text: str, source: str = "tracer") -> str:
    """The labelled element of a tracer written as isotope first (``13C``, ``13C5-glutamine``, ``15N-amide-glutamine``).

    >>> tracer_element("13C6-glucose"), tracer_element("15N-amide-glutamine")
    ('C', 'N')
    """
    match = TRACER.match(str(text).strip())
    if not match or ISOTOPES.get(match["element"]) != int(match["mass"]):
        known = ", ".join(f"{mass}{element}" for element, mass in ISOTOPES.items())
        raise GcmsflowError(source, f"unknown tracer '{text}' (write the labelled isotope first: {known}, e.g. 13C6-glucose, 15N-amide-glutamine)")
    return match["element"]


def load_fragments(path: str | None = None) -> list[Fragment]:
    """The fragment table (``path`` or the shipped TMS table), each row checked: formulas parse, metabolite plus
    derivative part equal the whole formula, and its nominal mass equals ``fragment_mz``."""
    source = path or "tms_fragments.tsv"
    if path is None:
        with (resources.files(__package__) / "tms_fragments.tsv").open() as handle:
            table = pd.read_csv(handle, sep="\t", comment="#", dtype=str)
    else:
        try:
            table = pd.read_csv(path, sep="\t", comment="#", dtype=str)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
            raise GcmsflowError(path, f"not a readable fragment table ({err})") from None
    missing = [c for c in FRAGMENT_COLUMNS if c not in table.columns]
    if missing:
        raise GcmsflowError(source, f"missing column(s) {', '.join(missing)}")
    fragments = []
    for row, record in enumerate(table.itertuples(index=False), start=1):
        where = f"{source}: row {row}"
        whole = parse_formula(str(record.formula), where)
        parts = parse_formula(str(record.metabolite_formula), where) + parse_formula(str(record.derivative_formula), where)
        if parts != whole:
            raise GcmsflowError(where, f"metabolite part {record.metabolite_formula} + derivative part {record.derivative_formula} is not {record.formula}")
        if nominal_mass(whole) != int(record.fragment_mz):
            raise GcmsflowError(where, f"{format_formula(whole)} has nominal mass {nominal_mass(whole)}, not fragment_mz {record.fragment_mz}")
        fragments.append(Fragment(record.metabolite, record.derivative, record.fragment, int(record.fragment_mz), record.metabolite_formula, record.derivative_formula, record.backbone))
    return fragments


def select_fragments(fragments: list[Fragment], wanted: tuple[str, ...], source: str = "tracing.fragments") -> list[Fragment]:
    """The fragments named ``"<metabolite> <m/z>"`` in ``wanted`` (all when empty); an unknown name is an error."""
    if not wanted:
        return fragments
    by_name = {f"{f.metabolite} {f.fragment_mz}": f for f in fragments}
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        raise GcmsflowError(source, f"fragment(s) {', '.join(unknown)} not in the fragment table (e.g. {next(iter(by_name))})")
    return [by_name[w] for w in wanted]


def _derivative_key(derivative: str) -> tuple[int, bool]:
    tms = re.search(r"(\d*)\s*TMS", derivative, re.IGNORECASE)
    return (int(tms.group(1) or 1) if tms else 0, "meox" in derivative.lower())


def matches(fragment: Fragment, annotated_name: str) -> bool:
    """Whether a feature annotated ``annotated_name`` ("Alanine, 2TMS") is the fragment's derivative.

    >>> f = Fragment("alanine", "2TMS", "M-117", 116, "C2H5N", "C3H9Si", "C2-C3")
    >>> matches(f, "L-Alanine, 2TMS"), matches(f, "Alanine, 3TMS")
    (True, False)
    """
    metabolite, derivative = split_name(annotated_name)
    same = STEREO.sub("", metabolite).lower() == fragment.metabolite.lower()
    return same and _derivative_key(derivative) == _derivative_key(fragment.derivative)
