"""Library names of derivatised compounds: "<metabolite>, <derivative>"."""

from __future__ import annotations


def split_name(name: str) -> tuple[str, str]:
    """(metabolite, derivative) from a library name; the derivative is '' without a comma."""
    metabolite, _, derivative = name.partition(",")
    return metabolite.strip(), derivative.strip()
