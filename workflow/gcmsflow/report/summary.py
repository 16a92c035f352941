"""The report's "Methods and summary" page: what changed in each contrast, what the QC and filters did,
and a methods paragraph written from the actual config and package versions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from html import escape

import pandas as pd

from ..identify.params import MatchParams
from ..signal.ri import RiParams
from ..stats.contrasts import Q_THRESHOLD
from ..stats.differential import NOT_TESTED
from ..stats.filters import FilterParams
from .settings import StudySettings

FILTER_LABELS = {
    "missingness": "missing in more than {max_missing:.0%} of samples and present in fewer than {group_presence:.0%} of every group",
    "qc_presence": "present in fewer than {qc_presence:.0%} of pooled QCs",
    "qc_rsd": "pooled-QC RSD of {max_qc_rsd:g} % or more",
    "d_ratio": "D-ratio of {max_d_ratio:g} % or more",
}


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, classes="table", float_format=lambda x: f"{x:.3g}", na_rep="", escape=True)


def _untested(stats: pd.DataFrame) -> str:
    """A note on the features left untested as constant up to rounding (none: empty)."""
    n = int((stats["test"] == NOT_TESTED).sum()) if "test" in stats else 0
    return f" ({n} more equal up to rounding in every run, not tested)" if n else ""


def contrast_summary(stats: pd.DataFrame, model: pd.Series, q_threshold: float = Q_THRESHOLD, top: int = 15) -> str:
    """One contrast: its model, how many features changed, and the named ones with log2fc, CI and q."""
    changed = stats[stats["qvalue"] < q_threshold]
    up, down = int((changed["log2fc"] > 0).sum()), int((changed["log2fc"] < 0).sum())
    text = (
        f"<h3>{escape(str(model['contrast']))}: {escape(str(model['case']))} vs {escape(str(model['control']))}</h3>"
        f"<p>{escape(str(model['test']))} test, design {escape(str(model['design']))}, {int(model['n_case'])} vs "
        f"{int(model['n_control'])} samples. Of {int(model['n_tested'])} features tested{_untested(stats)}, {len(changed)} changed at "
        f"q &lt; {q_threshold:g} ({down} lower, {up} higher in {escape(str(model['case']))}).</p>"
    )
    if isinstance(model.get("note"), str) and model["note"]:
        text += f"<p><b>Note:</b> {escape(model['note'])}.</p>"
    shown = changed.head(top)[["feature_id", "name", "log2fc", "ci_low", "ci_high", "qvalue"]]
    return text + (_table(shown) if len(shown) else "<p>No feature passed the threshold.</p>")


def annotation_summary(confidence: pd.DataFrame, settings: MatchParams) -> str:
    """How many features were named, by which rule (a target–decoy rate, or the strict score where the
    rate was not estimable), at which estimated false-annotation rate, and how many lost to decoys."""
    accepted = confidence[confidence["accepted"].astype(bool)]
    candidates = int(confidence["passes_thresholds"].astype(bool).sum())
    decoys = int((confidence["winner"] == "decoy").sum())
    inconsistent = int((~confidence["mass_consistent"].astype(bool)).sum())
    rule = confidence["accepted_by"].iloc[0] if len(confidence) else "strict_score"
    if rule == "target_decoy":
        estimated = f"estimated rate of the names given {accepted['qvalue'].max():.1%}" if len(accepted) else "no name reached it"
        how = (
            f"names kept up to a false-annotation rate of {settings.max_fdr:.0%}; {estimated}, by target–decoy "
            f"competition ((decoys + 1) / targets) among {candidates} candidate features"
        )
    else:
        how = (
            f"false-annotation rate not estimable: {candidates} candidate features, fewer than the {settings.min_candidates} "
            f"target–decoy competition needs; names given only at the stricter score threshold {settings.strict_min_score:g}"
        )
    return (
        f"<h3>Identification</h3><p>{len(accepted)} of {len(confidence)} features named ({how}). {decoys} features matched a "
        f"decoy better than any library entry and stay unknown; for {inconsistent} features the best library hit is not "
        f"mass-consistent (a strong ion of one side's molecular-ion region missing on the other) and names none.</p>"
    )


def qc_summary(precision: pd.DataFrame, drift: pd.DataFrame, filters: pd.DataFrame, blanks: pd.DataFrame, imputed: pd.DataFrame, filter_settings: FilterParams) -> str:
    """Blank and feature filters with counts, drift correction outcome and QC precision by stage."""
    items = [f"{int(blanks['removed'].sum())} of {len(blanks)} features removed by the blank filter"]
    counts = filters["removed_by"].fillna("").value_counts()
    for name, label in FILTER_LABELS.items():
        try:
            reason = label.format(**asdict(filter_settings))
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


def standard_summary(standard: pd.DataFrame) -> str:
    """How the internal standard's feature was found (``results/qc/internal_standard.tsv``)."""
    if standard.empty:
        return "<p>No internal standard was configured.</p>"
    row = standard.iloc[0]
    what = escape(str(row["internal_standard"]))
    if row["found_by"] == "name":
        return f"<p>Internal standard {what}: feature {escape(str(row['feature_id']))}, named by the library search.</p>"
    if row["found_by"] == "library search":
        return (
            f"<p><b>Internal standard {what} was not named</b> (it missed the naming thresholds); feature "
            f"{escape(str(row['feature_id']))} was taken as {escape(str(row['name']))} by its library spectrum and RI "
            f"(forward score {row['spectral_score']:.2f}, ΔRI {row['ri_delta']:.1f}).</p>"
        )
    return f"<p><b>Internal standard {what} was not found</b> by name or by its library spectrum and RI.</p>"


def import_summary(warnings: dict[str, list[str]]) -> str:
    """Runs whose import warned (e.g. much of their signal outside ``import.mz_min``/``mz_max``), one line each."""
    warned = {run: items for run, items in warnings.items() if items}
    text = "<h3>Import</h3>"
    if not warned:
        return text + f"<p>{len(warnings)} runs imported without warnings.</p>"
    lines = "".join(f"<li>{escape(run)}: {escape('; '.join(items))}</li>" for run, items in sorted(warned.items()))
    return text + f"<p><b>{len(warned)} of {len(warnings)} runs imported with warnings</b>:</p><ul>{lines}</ul>"


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


def filter_sentence(filters: FilterParams) -> str:
    """The feature-filter settings in words; filters set to null are left out."""
    parts = []
    if filters.group_presence is not None and filters.max_missing is not None:
        parts.append(f"present in at least {filters.group_presence:.0%} of one group's samples or missing in at most {filters.max_missing:.0%} of all samples")
    if filters.qc_presence is not None:
        parts.append(f"present in at least {filters.qc_presence:.0%} of pooled QCs")
    if filters.max_qc_rsd is not None:
        parts.append(f"QC RSD below {filters.max_qc_rsd:g} %")
    if filters.max_d_ratio is not None:
        parts.append(f"D-ratio below {filters.max_d_ratio:g} %")
    return ("Features were kept when " + "; ".join(parts) + " (QC criteria only with two or more pooled QCs). ") if parts else "No feature filter was applied. "


def ri_sentence(ri: RiParams, calibrated: bool) -> str:
    """How retention indices were calibrated, in words."""
    if not calibrated:
        return "No retention-index ladder was run: components were compared on retention time. "
    if ri.rt_table:
        return "Retention indices were calibrated by van den Dool–Kratz interpolation on user-given marker retention times. "
    markers = "fatty acid methyl ester (FAME)" if ri.markers == "fames" else "n-alkane"
    return (
        f"Retention indices were calibrated per batch by van den Dool–Kratz interpolation on the {markers} ladder "
        "(linear extrapolation beyond the outermost markers). "
    )


def methods_paragraph(settings: StudySettings, provenance: dict, calibrated: bool = True) -> str:
    """Methods text from the run's settings and the versions recorded in provenance.json; ``calibrated``
    says whether the study had an RI ladder (alignment then works in RI units, else in seconds)."""
    versions = provenance["packages"]
    detect, align, annotate = settings.detect, settings.align, settings.annotate
    normalize, drift, diff = settings.normalize, settings.drift, settings.differential
    return (
        "<h3>Methods</h3><p>"
        f"Raw GC-EI-MS runs were processed with gcmsflow {escape(provenance['gcmsflow'])} (Python {escape(provenance['python'])}; "
        f"Snakemake {escape(versions['snakemake'])}, NumPy {escape(versions['numpy'])}, SciPy {escape(versions['scipy'])}, "
        f"pandas {escape(versions['pandas'])}, statsmodels {escape(versions['statsmodels'])}, matchms {escape(versions['matchms'])}). "
        f"Runs were binned to unit mass (m/z {settings.import_.mz_min}–{settings.import_.mz_max}); components were "
        f"detected per ion (Savitzky–Golay window {detect.smooth_window_scans} scans, running-minimum baseline over "
        f"{detect.baseline_window_s:g} s, S/N ≥ {detect.min_sn:g} against each ion's noise in "
        f"{detect.noise_window_s:g} s blocks of the run, spikes up to {detect.max_spike_width_s:g} s wide "
        f"flattened first) and co-eluting compounds unmixed by non-negative least squares; model peaks at most "
        f"{detect.twin_scans} scans apart with alike spectra (cosine ≥ {detect.twin_cosine:g}) were taken as one compound, and an ion "
        f"joined a component only if its trace correlated with the component's peak shape (r ≥ {detect.min_shape_corr:g}). "
        + ri_sentence(settings.ri, calibrated) +
        (f"Components were aligned within {align.ri_window:g} RI units" if calibrated else f"Components were aligned within {align.rt_window_s:g} s")
        + f" (spectral cosine ≥ {align.min_similarity:g}"
        + (", after each run was warped onto the study's retention scale from landmark compounds" if align.correct_retention else "")
        + ") "
        f"and missing cells, and cells whose quant ion a co-eluting neighbour's component carried, re-integrated on the "
        f"feature's quant ion. Spectra were matched against {escape(settings.library)} "
        f"by weighted dot product ((m/z)^{annotate.mz_power:g}·I^{annotate.intensity_power:g}) with a "
        f"Gaussian RI penalty (σ = {annotate.ri_sigma:g})"
        + (
            f"; a match had to agree on the molecular-ion region (the feature's ions ≥ {annotate.mass_check_percent:g} % and the "
            f"entry's ≥ {annotate.mass_check_entry_percent:g} % of base, within {annotate.mass_check_window_mz:g} m/z of the highest)"
            if annotate.mass_check_percent is not None else ""
        )
        + f". Features whose blank mean reached "
        f"{normalize.blank_ratio:.0%} of the sample mean were removed. "
        + (
            f"Signal drift was corrected per batch by LOWESS of log2 area on injection order fitted to the pooled QCs "
            f"(span chosen by leave-one-out from {', '.join(f'{f:g}' for f in drift.fractions)}; at least {drift.min_qcs} QCs; "
            f"features with QC RSD below {drift.skip_below_rsd:g} % left as they were). "
            if drift.correct else "No drift correction was applied. "
        )
        + f"Areas were normalised by {escape(', then '.join(normalize.methods))}"
        + (f" (internal standard {escape(str(normalize.internal_standard))})" if "internal_standard" in normalize.methods else "")
        + ". "
        + filter_sentence(settings.filters)
        + "Remaining missing values were imputed with "
        f"{normalize.impute_fraction:g} × the feature minimum and data were log2-transformed. Contrasts were tested with "
        f"the {escape(diff.test.replace('_', ' '))} test"
        + (f" adjusting for {escape(', '.join(diff.covariates))}" if diff.covariates else "")
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
    standard: pd.DataFrame | None = None
    import_warnings: dict[str, list[str]] | None = None


def study_summary(tables: StudyTables, provenance: dict) -> str:
    """The whole "Methods and summary" page: what changed, identification, QC, replicates, RI, methods."""
    settings = StudySettings.from_config(provenance["config"], "provenance: config")
    sections = ["<h2>What changed</h2>"]
    sections += [contrast_summary(stats, model) for stats, model in tables.contrasts]
    sections.append(annotation_summary(tables.confidence, settings.annotate))
    if tables.standard is not None:
        sections.append(standard_summary(tables.standard))
    sections.append(qc_summary(tables.precision, tables.drift, tables.filters, tables.blanks, tables.imputed, settings.filters))
    sections.append(replicate_summary(tables.replicates, tables.separation))
    if tables.import_warnings is not None:
        sections.append(import_summary(tables.import_warnings))
    sections.append(ri_summary(tables.ladder_qc))
    sections.append(methods_paragraph(settings, provenance, calibrated=len(tables.ladder_qc) > 0))
    return summary_page(sections)
