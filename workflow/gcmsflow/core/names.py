"""Library names of derivatised compounds: "<metabolite>, <derivative>"."""

from __future__ import annotations


def split_name(name: str) -> tuple[str, str]:
    """(metabolite, derivative) from a library name; the derivative is '' without a comma.

    >>> split_name("Glucose, MeOX 5TMS (BP)")
    ('Glucose', 'MeOX 5TMS (BP)')
    >>> split_name("Ribitol")
    ('Ribitol', '')
    """
    metabolite, _, derivative = name.partition(",")
    return metabolite.strip(), derivative.strip()
