"""The report's "Methods and summary" page: what changed in each contrast, what the QC and filters did,
and a methods paragraph written from the actual config and package versions."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd

from ..stats.contrasts import Q_THRESHOLD

FILTER_LABELS = {
    "missingness": "missing in more than {max_missing:.0%} of samples and present in fewer than {group_presence:.0%} of every group",
    "qc_presence": "present in fewer than {qc_presence:.0%} of pooled QCs",
    "qc_rsd": "pooled-QC RSD of {max_qc_rsd:g} % or more",
    "d_ratio": "D-ratio of {max_d_ratio:g} % or more",
}


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, classes="table", float_format=lambda x: f"{x:.3g}", na_rep="", escape=True)


def contrast_summary(stats: pd.DataFrame, model: pd.Series, q_threshold: float = Q_THRESHOLD, top: int = 15) -> str:
    """One contrast: its model, how many features changed, and the named ones with log2fc, CI and q."""
    changed = stats[stats["qvalue"] < q_threshold]
    up, down = int((changed["log2fc"] > 0).sum()), int((changed["log2fc"] < 0).sum())
    text = (
        f"<h3>{escape(str(model['contrast']))}: {escape(str(model['case']))} vs {escape(str(model['control']))}</h3>"
        f"<p>{escape(str(model['test']))} test, design {escape(str(model['design']))}, {int(model['n_case'])} vs "
        f"{int(model['n_control'])} samples. Of {int(model['n_tested'])} features tested, {len(changed)} changed at "
        f"q &lt; {q_threshold:g} ({down} lower, {up} higher in {escape(str(model['case']))}).</p>"
    )
    if isinstance(model.get("note"), str) and model["note"]:
        text += f"<p><b>Note:</b> {escape(model['note'])}.</p>"
    shown = changed.head(top)[["feature_id", "name", "log2fc", "ci_low", "ci_high", "qvalue"]]
    return text + (_table(shown) if len(shown) else "<p>No feature passed the threshold.</p>")


def annotation_summary(confidence: pd.DataFrame, max_fdr: float) -> str:
    """How many features were named, at which estimated false-annotation rate, and how many lost to decoys."""
    accepted = confidence[confidence["accepted"].astype(bool)]
    estimated = accepted["qvalue"].max() if len(accepted) else 0.0
    decoys = int((confidence["winner"] == "decoy").sum())
    return (
        f"<h3>Identification</h3><p>{len(accepted)} of {len(confidence)} features named (names kept up to a "
        f"false-annotation rate of {max_fdr:.0%}; estimated rate of the names given {estimated:.1%}, by target–decoy "
        f"competition). {decoys} features matched a decoy better than any library entry and stay unknown.</p>"
    )


def qc_summary(precision: pd.DataFrame, drift: pd.DataFrame, filters: pd.DataFrame, blanks: pd.DataFrame, imputed: pd.DataFrame, filter_settings: dict) -> str:
    """Blank and feature filters with counts, drift correction outcome and QC precision by stage."""
    items = [f"{int(blanks['removed'].sum())} of {len(blanks)} features removed by the blank filter"]
    counts = filters["removed_by"].fillna("").value_counts()
    for name, label in FILTER_LABELS.items():
        try:
            reason = label.format(**filter_settings)
        except (KeyError, TypeError, ValueError):
            reason = f"{name} (off)"
        items.append(f"{int(counts.get(name, 0))} removed: {escape(reason)}")
    items.append(f"{int((filters['removed_by'].fillna('') == '').sum())} features kept for statistics; {len(imputed)} cells imputed")
    actions = drift["action"].value_counts()
    items.append("drift correction: " + ", ".join(f"{int(n)} feature-batches {escape(a.replace('_', ' '))}" for a, n in actions.items()))
    text = "<h3>Filters and quality control</h3><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    if len(precision):
        stages = precision.set_index("stage")["median_qc_rsd_percent"]
        text += (
            f"<p>Median pooled-QC RSD: {stages.get('raw', float('nan')):.1f} % raw, "
            f"{stages.get('drift_corrected', float('nan')):.1f} % after drift correction, "
            f"{stages.get('normalized', float('nan')):.1f} % after normalisation.</p>" + _table(precision)
        )
    else:
        text += "<p>Fewer than two pooled QCs: QC precision not measured.</p>"
    return text


def replicate_summary(consistency: pd.DataFrame, separation: pd.DataFrame) -> str:
    """Replicate consistency per group and how well a PCA separates the groups."""
    text = "<h3>Replicates and group separation</h3>"
    if len(consistency):
        text += (
            "<p>Features detected (before gap filling) in every replicate of a group, and their median coefficient of "
            "variation of normalised abundance within the group:</p>" + _table(consistency)
        )
    row = separation.iloc[0] if len(separation) else None
    if row is not None and pd.notna(row["pc1_percent"]):
        split = {"yes": " PC1 alone separates the two groups.", "no": " PC1 alone does not separate the two groups."}.get(str(row["pc1_separates_groups"]), "")
        text += (
            f"<p>PCA of the study samples (autoscaled log2 abundances): PC1 {row['pc1_percent']:.1f} %, PC2 {row['pc2_percent']:.1f} % "
            f"of the variance; silhouette width of the groups in the PC1–PC2 plane {row['silhouette']:.2f} (1 = tight, separate "
            f"groups; 0 = overlapping).{split}</p>"
        )
    return text


def ri_summary(qc: pd.DataFrame) -> str:
    """Retention-index QC: per batch, markers found of those expected, missing ones, where the ladder
    came from and the largest leave-one-out residual."""
    text = "<h3>Retention index calibration</h3>"
    if not len(qc):
        return text + "<p>No marker ladder: retention indices were not calibrated; features were aligned on retention time.</p>"
    rows = []
    for batch, markers in qc.groupby("batch", sort=False):
        missing = markers.loc[markers["status"] == "missing", "carbon"]
        residual = markers["residual_ri"].abs().max()
        rows.append(
            {
                "batch": batch,
                "ladder": {"ladder": "own ladder run(s)", "pooled": "median of other batches", "table": "user RT table"}.get(markers["source"].iloc[0], markers["source"].iloc[0]),
                "markers found": f"{int((markers['status'] != 'missing').sum())} of {len(markers)}",
                "missing": ", ".join(f"C{int(c)}" for c in missing) or "none",
                "max |residual| (RI)": residual,
            }
        )
    incomplete = sum(r["missing"] != "none" for r in rows)
    note = f"<p><b>Warning:</b> {incomplete} batch ladder(s) incomplete; RIs there are interpolated across the gap.</p>" if incomplete else ""
    return text + note + _table(pd.DataFrame(rows)) + "<p>Residual: each inner marker's RI interpolated from its two neighbours minus its true RI.</p>"


def filter_sentence(filters: dict) -> str:
    """The feature-filter settings in words; filters set to null are left out."""
    parts = []
    if filters.get("group_presence") is not None and filters.get("max_missing") is not None:
        parts.append(f"present in at least {filters['group_presence']:.0%} of one group's samples or missing in at most {filters['max_missing']:.0%} of all samples")
    if filters.get("qc_presence") is not None:
        parts.append(f"present in at least {filters['qc_presence']:.0%} of pooled QCs")
    if filters.get("max_qc_rsd") is not None:
        parts.append(f"QC RSD below {filters['max_qc_rsd']:g} %")
    if filters.get("max_d_ratio") is not None:
        parts.append(f"D-ratio below {filters['max_d_ratio']:g} %")
    return ("Features were kept when " + "; ".join(parts) + " (QC criteria only with two or more pooled QCs). ") if parts else "No feature filter was applied. "


def ri_sentence(ri: dict, calibrated: bool) -> str:
    """How retention indices were calibrated, in words."""
    if not calibrated:
        return "No retention-index ladder was run: components were compared on retention time. "
    if ri.get("rt_table"):
        return "Retention indices were calibrated by van den Dool–Kratz interpolation on user-given marker retention times. "
    markers = "fatty acid methyl ester (FAME)" if ri.get("markers") == "fames" else "n-alkane"
    return (
        f"Retention indices were calibrated per batch by van den Dool–Kratz interpolation on the {markers} ladder "
        "(linear extrapolation beyond the outermost markers). "
    )


def methods_paragraph(config: dict, provenance: dict, calibrated: bool = True) -> str:
    """Methods text from the run's config and the versions recorded in provenance.json; ``calibrated``
    says whether the study had an RI ladder (alignment then works in RI units, else in seconds)."""
    versions = provenance["packages"]
    normalize, drift, filters, diff = config["normalize"], config["drift"], config["filters"], config["differential"]
    return (
        "<h3>Methods</h3><p>"
        f"Raw GC-EI-MS runs were processed with gcmsflow {escape(provenance['gcmsflow'])} (Python {escape(provenance['python'])}; "
        f"Snakemake {escape(versions['snakemake'])}, NumPy {escape(versions['numpy'])}, SciPy {escape(versions['scipy'])}, "
        f"pandas {escape(versions['pandas'])}, statsmodels {escape(versions['statsmodels'])}, matchms {escape(versions['matchms'])}). "
        f"Runs were binned to unit mass (m/z {config['import']['mz_min']}–{config['import']['mz_max']}); components were "
        f"detected per ion (Savitzky–Golay window {config['detect']['smooth_window_scans']} scans, running-minimum baseline over "
        f"{config['detect']['baseline_window_s']:g} s, S/N ≥ {config['detect']['min_sn']:g} against each ion's noise in "
        f"{config['detect']['noise_window_s']:g} s blocks of the run, spikes up to {config['detect']['max_spike_width_s']:g} s wide "
        f"flattened first) and co-eluting compounds unmixed by non-negative least squares; an ion joined a component only if "
        f"its trace correlated with the component's peak shape (r ≥ {config['detect']['min_shape_corr']:g}). "
        + ri_sentence(config["ri"], calibrated) +
        (f"Components were aligned within {config['align']['ri_window']:g} RI units" if calibrated else f"Components were aligned within {config['align']['rt_window_s']:g} s")
        + f" (spectral cosine ≥ {config['align']['min_similarity']:g}) "
        f"and missing cells re-integrated on the feature's quant ion. Spectra were matched against {escape(str(config['library']))} "
        f"by weighted dot product ((m/z)^{config['annotate']['mz_power']:g}·I^{config['annotate']['intensity_power']:g}) with a "
        f"Gaussian RI penalty (σ = {config['annotate']['ri_sigma']:g}). Features whose blank mean reached "
        f"{normalize['blank_ratio']:.0%} of the sample mean were removed. "
        + (
            f"Signal drift was corrected per batch by LOWESS of log2 area on injection order fitted to the pooled QCs "
            f"(span chosen by leave-one-out from {', '.join(f'{f:g}' for f in drift['fractions'])}; at least {drift['min_qcs']} QCs; "
            f"features with QC RSD below {drift['skip_below_rsd']:g} % left as they were). "
            if drift["correct"] else "No drift correction was applied. "
        )
        + f"Areas were normalised by {escape(', then '.join(normalize['methods']))}"
        + (f" (internal standard {escape(str(config['internal_standard']))})" if "internal_standard" in normalize["methods"] else "")
        + ". "
        + filter_sentence(filters)
        + "Remaining missing values were imputed with "
        f"{normalize['impute_fraction']:g} × the feature minimum and data were log2-transformed. Contrasts were tested with "
        f"the {escape(diff['test'].replace('_', ' '))} test"
        + (f" adjusting for {escape(', '.join(diff['covariates']))}" if diff["covariates"] else "")
        + " and Benjamini–Hochberg q-values; log2 fold changes are reported with 95 % confidence intervals.</p>"
    )


def summary_page(sections: list[str]) -> str:
    """A standalone HTML page from the sections."""
    style = "body{font-family:sans-serif;max-width:60em;margin:1em auto} .table td,.table th{padding:2px 8px;text-align:right}"
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>gcmsflow summary</title><style>{style}</style></head><body>" + "".join(sections) + "</body></html>\n"


@dataclass
class StudyTables:
    """What the summary page reads: per-contrast stats and model rows, and the study's QC tables."""

    contrasts: list[tuple[pd.DataFrame, pd.Series]]
    confidence: pd.DataFrame
    precision: pd.DataFrame
    drift: pd.DataFrame
    filters: pd.DataFrame
    blanks: pd.DataFrame
    imputed: pd.DataFrame
    replicates: pd.DataFrame
    separation: pd.DataFrame
    ladder_qc: pd.DataFrame


def study_summary(tables: StudyTables, provenance: dict) -> str:
    """The whole "Methods and summary" page: what changed, identification, QC, replicates, RI, methods."""
    config = provenance["config"]
    sections = ["<h2>What changed</h2>"]
    sections += [contrast_summary(stats, model) for stats, model in tables.contrasts]
    sections.append(annotation_summary(tables.confidence, config["annotate"]["max_fdr"]))
    sections.append(qc_summary(tables.precision, tables.drift, tables.filters, tables.blanks, tables.imputed, config["filters"]))
    sections.append(replicate_summary(tables.replicates, tables.separation))
    sections.append(ri_summary(tables.ladder_qc))
    sections.append(methods_paragraph(config, provenance, calibrated=len(tables.ladder_qc) > 0))
    return summary_page(sections)
