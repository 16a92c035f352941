"""Moderated t per contrast and moderated F per F-test of one design, as limma runs them, with BH q-values.

lmFit (GLS with the consensus within-block correlation when the design has a random block),
contrasts.fit, eBayes (robust when asked), topTable / topTableF. The contrast tables have the
columns of ``stats/{contrast}.tsv``; ``n_case`` and ``n_control`` count the observed samples that
weigh positively and negatively in the contrast's least-squares estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .blocks import duplicate_correlation
from .contrasts import Q_THRESHOLD
from .design_matrix import Design
from .differential import STATS_COLUMNS, bh_qvalues
from .ebayes import Moderated, ebayes, moderated_f
from .linfit import LinearFit, block_correlation_matrix, contrast_weights, contrasts_fit, lm_fit

F_COLUMNS = ["F", "df1", "df2", "pvalue", "qvalue"]


@dataclass(frozen=True)
class DesignResult:
    """Per contrast and per F-test its table; the model record (one row per contrast and F-test)."""

    contrasts: dict[str, pd.DataFrame]
    ftests: dict[str, pd.DataFrame]
    model: pd.DataFrame


def _side_counts(y: np.ndarray, design: np.ndarray, contrast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per feature, observed samples with positive and with negative weight in the contrast estimate."""
    positive, negative = np.zeros(len(y), int), np.zeros(len(y), int)
    patterns: dict[bytes, list[int]] = {}
    for i, row in enumerate(np.isfinite(y)):
        patterns.setdefault(row.tobytes(), []).append(i)
    for key, rows in patterns.items():
        weights = contrast_weights(design, np.frombuffer(key, dtype=bool), contrast)
        tiny = 1e-10 * max(np.abs(weights).max(), 1e-300)
        positive[rows], negative[rows] = int((weights > tiny).sum()), int((weights < -tiny).sum())
    return positive, negative


def fit_linear(y: np.ndarray, design: Design) -> tuple[LinearFit, float]:
    """lmFit of ``y`` (features x the design's samples) and the consensus within-block correlation (NaN without a random block)."""
    if design.blocks is None:
        return lm_fit(y, design.matrix), np.nan
    consensus = duplicate_correlation(y, design.matrix, design.blocks)[0]
    return lm_fit(y, design.matrix, block_correlation_matrix(design.blocks, consensus)), consensus


def moderate(fit: LinearFit, matrix: np.ndarray, robust: bool) -> tuple[LinearFit, Moderated]:
    """contrasts.fit onto the columns of ``matrix`` (coefficients x contrasts), then eBayes."""
    projected = contrasts_fit(fit, matrix)
    return projected, ebayes(projected.coefficients, projected.stdev_unscaled, projected.sigma, projected.df_residual, robust)


def _sorted(table: pd.DataFrame, id_column: str) -> pd.DataFrame:
    return table.sort_values(["pvalue", id_column], na_position="last", kind="stable").reset_index(drop=True)


def fit_design(values: pd.DataFrame, names: pd.Series, design: Design, id_column: str = "feature_id") -> DesignResult:
    """Test every contrast and F-test of ``design`` on ``values`` (features x samples, log2, NaN = missing)."""
    y = values[design.samples].to_numpy(float)
    fit, consensus = fit_linear(y, design)
    ids, labels = values.index.to_numpy(), names.reindex(values.index).astype(object).fillna("").to_numpy()
    test = "moderated_t_robust" if design.spec.robust else "moderated_t"
    projected, moderated = moderate(fit, np.column_stack(list(design.contrasts.values())), design.spec.robust)
    tables, records = {}, []
    for k, (name, vector) in enumerate(design.contrasts.items()):
        fc = projected.coefficients[:, k]
        se = projected.stdev_unscaled[:, k] * np.sqrt(moderated.s2_post)
        half = stats.t.ppf(0.975, moderated.df_total) * se
        n_case, n_control = _side_counts(y, design.matrix, vector)
        table = pd.DataFrame({id_column: ids, "name": labels, "log2fc": fc, "ci_low": fc - half, "ci_high": fc + half, "pvalue": moderated.pvalue[:, k]})
        table["qvalue"] = bh_qvalues(table["pvalue"].to_numpy())
        table["test"], table["n_case"], table["n_control"] = test, n_case, n_control
        tables[name] = _sorted(table[[id_column, *STATS_COLUMNS[1:]]], id_column)
        records.append(("contrast", name, design.spec.contrasts[name], 1, tables[name]))
    ftables = {}
    for name, matrix in design.ftests.items():
        projected_f, moderated_f_fit = moderate(fit, matrix, design.spec.robust)
        df2 = moderated_f_fit.df_prior + projected_f.df_residual
        fstat, df1, pvalue = moderated_f(moderated_f_fit.t, projected_f.cov_coefficients, df2)
        table = pd.DataFrame({id_column: ids, "name": labels, "F": fstat, "df1": df1, "df2": df2, "pvalue": pvalue})
        table["qvalue"] = bh_qvalues(table["pvalue"].to_numpy())
        ftables[name] = _sorted(table, id_column)
        records.append(("ftest", name, " ; ".join(str(m) for m in design.spec.ftests[name]), df1, ftables[name]))
    model = pd.DataFrame(
        [
            {
                "design": design.spec.name,
                "formula": design.spec.formula,
                "kind": kind,
                "name": name,
                "tests": expression,
                "df1": df1,
                "n_samples": len(design.samples),
                "n_coefficients": len(design.coefficients),
                "block": design.spec.block or "",
                "consensus_correlation": consensus,
                "robust": design.spec.robust,
                "df_prior_median": float(np.median(moderated.df_prior)),
                "s2_prior": float(moderated.s2_prior[0]),
                "n_tested": int(table["pvalue"].notna().sum()),
                f"n_q_below_{Q_THRESHOLD:g}": int((table["qvalue"] < Q_THRESHOLD).sum()),
            }
            for kind, name, expression, df1, table in records
        ]
    )
    return DesignResult(tables, ftables, model)


def design_matrix_table(design: Design) -> pd.DataFrame:
    """The design matrix as a table: one row per sample, one column per coefficient."""
    return pd.DataFrame(design.matrix, columns=design.coefficients).assign(sample=design.samples)[["sample", *design.coefficients]]
