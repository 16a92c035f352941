"""A study design from the config: a formula over sample-sheet columns, its design matrix, contrasts and F-tests.

The formula is read by ``formulaic`` (``~ genotype * treatment + dose``); coefficients are named as
formulaic names them (``genotype[T.KD]:treatment[T.ASNase]``). A column with declared ``levels`` or
non-numeric values is a factor (treatment-coded, first level the reference unless ``reference``
names another); a numeric column enters as it is. A contrast is a linear combination such as
``treatment[T.ASNase] + 0.5 genotype[T.KD]:treatment[T.ASNase]``, whose terms are coefficients or
group means written ``{genotype: KD, treatment: ASNase}``; an F-test lists contrasts (names or expressions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from formulaic import Formula
from formulaic.errors import FormulaicError

from ..core.errors import GcmsflowError

TERM = re.compile(r"^(?:(?P<weight>\d+(?:\.\d*)?|\.\d+)\s*\*?\s*)?(?P<atom>.+)$")
RESERVED = ("model", "design_matrix")  # output names in results/stats/designs/{design}/ besides the contrasts
FACTOR_ONLY = ("batch",)  # numeric-looking sheet columns that are always factors


@dataclass(frozen=True)
class DesignSpec:
    """One entry of the config's ``designs:`` list."""

    name: str = ""
    formula: str = ""
    levels: dict = field(default_factory=dict)
    reference: dict = field(default_factory=dict)
    contrasts: dict = field(default_factory=dict)
    ftests: dict = field(default_factory=dict)
    block: str | None = None
    block_as_fixed: bool = False
    robust: bool = False


@dataclass(frozen=True)
class Design:
    """The design matrix over ``samples`` (runs x coefficients), contrast and F-test matrices (coefficients x columns), blocks."""

    spec: DesignSpec
    samples: list[str]
    matrix: np.ndarray
    coefficients: list[str]
    contrasts: dict[str, np.ndarray]
    ftests: dict[str, np.ndarray]
    blocks: np.ndarray | None
    variables: dict[str, list[str] | None]  # formula column -> its levels (None: numeric)


def _split_terms(expression: str) -> list[tuple[float, str]]:
    """Signed terms of a linear combination, split at + and - outside brackets.

    >>> _split_terms("a[T.x] - 0.5*{g: b, h: c} + b:c")
    [(1.0, 'a[T.x]'), (-1.0, '0.5*{g: b, h: c}'), (1.0, 'b:c')]
    """
    terms, depth, sign, current = [], 0, 1.0, ""
    for char in expression:
        depth += (char in "([{") - (char in ")]}")
        if depth == 0 and char in "+-":
            if current.strip():
                terms.append((sign, current.strip()))
                sign = 1.0
            sign, current = (-sign if char == "-" else sign), ""
        else:
            current += char
    if current.strip():
        terms.append((sign, current.strip()))
    return terms


def _cell_mean(atom: str, design: Design, model_spec: object, source: str) -> np.ndarray:
    """The design row of a group mean ``{column: level, ...}``."""
    pairs = [part.split(":", 1) for part in atom.strip("{} ").split(",") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise GcmsflowError(source, f"group mean '{atom}' must read {{column: level, ...}}")
    given = {key.strip(): value.strip().strip("'\"") for key, value in pairs}
    missing = sorted(set(design.variables) - set(given))
    unknown = sorted(set(given) - set(design.variables))
    if missing or unknown:
        raise GcmsflowError(source, f"group mean '{atom}' must give every formula column once: " + (f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"))
    row = {}
    for column, levels in design.variables.items():
        if levels is None:
            try:
                row[column] = [float(given[column])]
            except ValueError:
                raise GcmsflowError(source, f"group mean '{atom}': column '{column}' is numeric, '{given[column]}' is not a number") from None
        elif given[column] not in levels:
            raise GcmsflowError(source, f"group mean '{atom}': '{given[column]}' is not a level of '{column}' ({', '.join(levels)})")
        else:
            row[column] = pd.Categorical([given[column]], categories=levels)
    return np.asarray(model_spec.get_model_matrix(pd.DataFrame(row)), float)[0]


def parse_contrast(expression: str, design: Design, model_spec: object, source: str) -> np.ndarray:
    """Coefficient weights of a linear combination of coefficients and group means."""
    vector = np.zeros(len(design.coefficients))
    terms = _split_terms(str(expression))
    if not terms:
        raise GcmsflowError(source, "empty contrast")
    for sign, term in terms:
        match = TERM.match(term)
        weight, atom = float(match["weight"] or 1.0), match["atom"].strip()
        if atom.startswith("{"):
            vector += sign * weight * _cell_mean(atom, design, model_spec, source)
        elif atom in design.coefficients:
            vector[design.coefficients.index(atom)] += sign * weight
        else:
            raise GcmsflowError(source, f"unknown coefficient '{atom}' (coefficients: {', '.join(design.coefficients)})")
    return vector


def _variables(spec: DesignSpec, runs: pd.DataFrame, formula: Formula, source: str) -> tuple[pd.DataFrame, dict[str, list[str] | None]]:
    """The formula's columns of ``runs`` typed as factors (levels ordered, reference first) or numbers."""
    names = sorted(str(v) for v in formula.required_variables)
    data, variables = {}, {}
    for column in names:
        if column not in runs.columns:
            raise GcmsflowError(source, f"formula names column '{column}', which is not in the sample sheet (columns: {', '.join(c for c in runs.columns if c != 'path')})")
        values = runs[column]
        if values.isna().any() or (values.astype(str).str.strip() == "").any():
            raise GcmsflowError(source, f"column '{column}' is empty for {', '.join(runs.index[values.isna() | (values.astype(str).str.strip() == '')])}")
        numeric = pd.to_numeric(values, errors="coerce")
        if column not in spec.levels and column not in FACTOR_ONLY and column != spec.block and numeric.notna().all():
            data[column], variables[column] = numeric.to_numpy(float), None
            continue
        text = values.astype(str).str.strip()
        levels = [str(level) for level in spec.levels.get(column, sorted(text.unique()))]
        unknown = sorted(set(text) - set(levels))
        if unknown:
            raise GcmsflowError(source, f"column '{column}' has values {', '.join(unknown)} not among its declared levels {', '.join(levels)}")
        reference = spec.reference.get(column)
        if reference is not None:
            if str(reference) not in levels:
                raise GcmsflowError(source, f"reference '{reference}' is not a level of '{column}' ({', '.join(levels)})")
            levels = [str(reference)] + [level for level in levels if level != str(reference)]
        data[column], variables[column] = pd.Categorical(text, categories=levels), levels
    return pd.DataFrame(data, index=runs.index), variables


def build_design(spec: DesignSpec, runs: pd.DataFrame, source: str = "config: designs") -> Design:
    """The design of ``spec`` over ``runs`` (sample-sheet rows of the study samples, indexed by sample), checked.

    Raises one-line errors for a missing column, an unknown coefficient, a design not of full rank or without residual df.
    """
    where = f"{source}: design '{spec.name}'"
    formula_text = spec.formula + (f" + {spec.block}" if spec.block and spec.block_as_fixed else "")
    try:
        formula = Formula(formula_text)
    except FormulaicError as err:
        raise GcmsflowError(where, f"formula '{formula_text}' does not parse ({err})") from None
    if spec.block and spec.block not in runs.columns:
        raise GcmsflowError(where, f"block column '{spec.block}' is not in the sample sheet")
    data, variables = _variables(spec, runs, formula, where)
    try:
        model = formula.get_model_matrix(data)
    except FormulaicError as err:
        raise GcmsflowError(where, f"formula '{formula_text}' cannot be evaluated ({err})") from None
    matrix, coefficients = np.asarray(model, float), [str(c) for c in model.columns]
    rank = np.linalg.matrix_rank(matrix)
    if rank < matrix.shape[1]:
        raise GcmsflowError(
            where, f"design {formula_text} is not of full rank ({rank} of {matrix.shape[1]} coefficients estimable from {len(runs)} samples): a term is confounded or constant"
        )
    if matrix.shape[0] <= matrix.shape[1]:
        raise GcmsflowError(where, f"design has no residual degrees of freedom ({len(runs)} samples, {matrix.shape[1]} coefficients)")
    blocks = runs[spec.block].astype(str).to_numpy() if spec.block and not spec.block_as_fixed else None
    design = Design(spec, list(runs.index), matrix, coefficients, {}, {}, blocks, variables)
    if not spec.contrasts:
        raise GcmsflowError(where, "no contrasts")
    for name, expression in spec.contrasts.items():
        design.contrasts[str(name)] = parse_contrast(expression, design, model.model_spec, f"{where}, contrast '{name}'")
    for name, members in spec.ftests.items():
        columns = [design.contrasts[m] if m in design.contrasts else parse_contrast(m, design, model.model_spec, f"{where}, F-test '{name}'") for m in members]
        design.ftests[str(name)] = np.column_stack(columns)
    return design


def study_runs(sheet: pd.DataFrame, columns: pd.Index | None = None) -> pd.DataFrame:
    """Sample-sheet rows of type ``sample`` (among ``columns`` when given), in sheet order."""
    chosen = sheet[sheet["type"] == "sample"]
    return chosen if columns is None else chosen[chosen.index.isin(columns)]


def check_designs(sheet: pd.DataFrame, designs: list[dict], source: str = "config: designs") -> None:
    """Build every configured design over the sheet's study samples (raises the first problem as one line)."""
    names = [d.get("name") for d in designs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise GcmsflowError(source, f"design name(s) {', '.join(duplicated)} used twice")
    for entry in designs:
        spec = DesignSpec(**entry)
        reserved = sorted(n for n in spec.contrasts if n in RESERVED or n.startswith("ftest_"))
        if reserved:
            raise GcmsflowError(f"{source}: design '{spec.name}'", f"contrast name(s) {', '.join(reserved)} are reserved for the design's other outputs")
        build_design(spec, study_runs(sheet), source)
