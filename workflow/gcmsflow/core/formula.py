"""Elemental formulas of fragments: parse ``C5H14NSi``, count atoms, nominal mass, arithmetic."""

from __future__ import annotations

import re
from collections import Counter

from .errors import GcmsflowError

NOMINAL_MASS = {"C": 12, "H": 1, "N": 14, "O": 16, "Si": 28, "P": 31, "S": 32}
_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)")


def parse_formula(text: str, source: str = "formula") -> Counter[str]:
    """Atom counts of an elemental formula (elements in ``NOMINAL_MASS``); ``source`` is named in errors.

    >>> dict(parse_formula("C5H14NSi"))
    {'C': 5, 'H': 14, 'N': 1, 'Si': 1}
    >>> dict(parse_formula(""))
    {}
    """
    text = text.strip()
    tokens = _TOKEN.findall(text)
    if "".join(f"{element}{count}" for element, count in tokens) != text:
        raise GcmsflowError(source, f"'{text}' is not an elemental formula (e.g. C5H14NSi)")
    atoms: Counter[str] = Counter()
    for element, count in tokens:
        if element not in NOMINAL_MASS:
            raise GcmsflowError(source, f"formula '{text}': unknown element '{element}' (known: {', '.join(NOMINAL_MASS)})")
        atoms[element] += int(count) if count else 1
    return atoms


def format_formula(atoms: Counter[str]) -> str:
    """Hill order (C, H, then alphabetical), the text form IsoCor reads.

    >>> format_formula(parse_formula("SiC3H9"))
    'C3H9Si'
    """
    order = [e for e in ("C", "H") if atoms.get(e)] + sorted(e for e in atoms if e not in ("C", "H") and atoms[e])
    return "".join(f"{e}{atoms[e] if atoms[e] > 1 else ''}" for e in order)


def nominal_mass(atoms: Counter[str]) -> int:
    """Nominal (integer) mass of the lightest isotopologue.

    >>> nominal_mass(parse_formula("C5H14NSi"))
    116
    """
    return sum(NOMINAL_MASS[element] * count for element, count in atoms.items())
