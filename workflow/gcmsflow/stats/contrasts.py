"""One contrast planned from the sample sheet: its case and control columns, covariates and the model record.

Batch fallback: when the contrast spans several batches and a batch had too few pooled QCs to be
drift-corrected, ``batch`` enters the design as a covariate (only model-based tests can take it).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.errors import GcmsflowError
from ..core.samplesheet import columns_of_type
from .differential import MODEL_TESTS, NOT_TESTED

Q_THRESHOLD = 0.05  # q-value below which a feature counts as changed (model record, summary, volcano)


@dataclass(frozen=True)
class DifferentialParams:
    """Study-wide test settings: the test and covariates a contrast takes unless it names its own, and the levels tested."""

    test: str = "moderated_t"
    covariates: tuple[str, ...] = ()
    levels: tuple[str, ...] = ("features", "metabolites")


@dataclass(frozen=True)
class Contrast:
    """A contrast as asked for: its name, case and control groups, test and covariates."""

    name: str
    case: str
    control: str
    test: str = "moderated_t"
    covariates: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContrastPlan:
    """The sample columns of each side, the covariates actually used, and why any were added."""

    case_columns: list[str]
    control_columns: list[str]
    covariates: tuple[str, ...]
    note: str = ""


def plan_contrast(sheet: pd.DataFrame, columns: pd.Index, contrast: Contrast, drift: pd.DataFrame, sources: tuple[str, str]) -> ContrastPlan:
    """Study samples of each group among ``columns``; ``drift`` is the drift-correction table (batch, action).

    ``sources`` (the abundance table's and the drift table's paths) are named in errors.
    """
    abundance_source, drift_source = sources
    groups = sheet.loc[columns_of_type(sheet, columns, "sample"), "group"]
    case = groups.index[groups == contrast.case].tolist()
    control = groups.index[groups == contrast.control].tolist()
    for role, side, group in (("case", case, contrast.case), ("control", control, contrast.control)):
        if not side:
            raise GcmsflowError(abundance_source, f"{role} group '{group}' has no sample columns")
    covariates = list(contrast.covariates)
    note = ""
    batches = sorted(set(sheet.loc[case + control, "batch"]))
    if len(batches) > 1 and "batch" not in covariates and (drift["action"] == "too_few_qcs").any():
        if contrast.test not in MODEL_TESTS:
            raise GcmsflowError(
                drift_source,
                f"batches {', '.join(batches)} were not drift-corrected (too few QCs) and test '{contrast.test}' cannot take batch as a covariate; use {' or '.join(MODEL_TESTS)}",
            )
        covariates.append("batch")
        note = "batch added as covariate: some batches have too few pooled QCs for drift correction"
    return ContrastPlan(case, control, tuple(covariates), note)


def model_record(contrast: Contrast, plan: ContrastPlan, level: str, table: pd.DataFrame) -> pd.DataFrame:
    """The one-row model table of a tested contrast (``stats/{contrast}.model.tsv``)."""
    record = {
        "contrast": contrast.name,
        "level": level,
        "case": contrast.case,
        "control": contrast.control,
        "test": contrast.test,
        "design": " + ".join(["~ group", *plan.covariates]),
        "n_case": len(plan.case_columns),
        "n_control": len(plan.control_columns),
        "n_tested": int((table["pvalue"].notna() & (table["test"] != NOT_TESTED)).sum()),
        f"n_q_below_{Q_THRESHOLD:g}": int((table["qvalue"] < Q_THRESHOLD).sum()),
        "note": plan.note,
    }
    return pd.DataFrame([record])
