"""Stage settings: a JSON object (a config block) turned into a settings dataclass, refusing unknown keys."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, TypeVar

from .errors import GcmsflowError

T = TypeVar("T")


def settings_from_json(text: str, cls: type[T], source: str = "--options", base: T | None = None) -> T:
    """Settings dataclass ``cls`` from a JSON object (over ``base``'s values when given, else the defaults);
    lists become tuples, unknown keys are refused.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class P:
    ...     width_s: float = 2.0
    ...     ions: tuple = ()
    >>> settings_from_json('{"ions": [73, 147]}', P)
    P(width_s=2.0, ions=(73, 147))
    """
    try:
        values = dict(json.loads(text) or {}) if text else {}
    except (json.JSONDecodeError, TypeError, ValueError) as err:
        raise GcmsflowError(source, f"not a JSON object ({err})") from None
    return settings_from_mapping(values, cls, source, base)


def settings_from_mapping(values: dict[str, Any], cls: type[T], source: str = "config", base: T | None = None) -> T:
    """Settings dataclass ``cls`` from a mapping (a config block), as :func:`settings_from_json` does."""
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise GcmsflowError(source, f"unknown setting(s) {', '.join(unknown)} (known: {', '.join(known)})")
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in values.items()}
    return dataclasses.replace(base, **values) if base is not None else cls(**values)


def json_object(text: str, source: str) -> dict[str, Any]:
    """A JSON object given on the command line (e.g. the whole config), or a one-line error naming ``source``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise GcmsflowError(source, f"not JSON ({err})") from None
    if not isinstance(value, dict):
        raise GcmsflowError(source, "not a JSON object")
    return value


def runs_by_name(paths: list[str], suffix: str) -> dict[str, str]:
    """Per-run files keyed by run name: the file name without ``suffix`` (e.g. ``peaks/qc01.tsv`` -> ``qc01``).

    >>> runs_by_name(["results/peaks/qc01.tsv", "x/ctrl.1.tsv"], ".tsv")
    {'qc01': 'results/peaks/qc01.tsv', 'ctrl.1': 'x/ctrl.1.tsv'}
    """
    return {Path(p).name[: -len(suffix)] if p.endswith(suffix) else Path(p).stem: p for p in paths}
