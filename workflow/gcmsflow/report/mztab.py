"""mzTab-M 2.0.0-M export (HUPO-PSI): metadata (MTD), small molecule summary (SML), features (SMF)
and evidence (SME), plus a structural checker for such files.

SMF rows are the aligned features with their raw quant-ion areas per run; SML rows are the features
kept for statistics with normalised abundances (linear scale), per assay and averaged per study
variable (group); SME rows are the accepted library matches. Empty values are written as ``null``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..core.atomic import write_text
from ..core.names import split_name
from ..core.samplesheet import TYPES, columns_of_type

VERSION = "2.0.0-M"
SECTIONS = {"SMH": "SML", "SFH": "SMF", "SEH": "SME"}
REQUIRED_METADATA = (
    "mzTab-version", "mzTab-ID", "quantification_method", "software[1]", "ms_run[1]-location", "ms_run[1]-scan_polarity[1]",
    "assay[1]", "assay[1]-ms_run_ref", "study_variable[1]", "study_variable[1]-assay_refs", "cv[1]-label", "database[1]",
    "small_molecule-quantification_unit", "small_molecule_feature-quantification_unit",
    "small_molecule-identification_reliability", "id_confidence_measure[1]",
)


def _cell(value: object) -> str:
    """One mzTab cell: ``null`` for missing, floats with 6 significant digits, no tabs or newlines."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NA or value == "":
        return "null"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value).replace("\t", " ").replace("\n", " ")


def mztab_lines(
    features: pd.DataFrame,
    abundance: pd.DataFrame,
    annotations: pd.DataFrame,
    sheet: pd.DataFrame,
    library: str,
    study_id: str,
) -> list[str]:
    """The lines of an mzTab-M file for the study.

    ``features`` is the feature table (feature_id, rt, quant_mz, then raw areas per run), ``abundance``
    the log2 normalised table indexed by feature_id, ``annotations`` the best hit per feature and
    ``sheet`` the sample sheet indexed by sample (with ``path``).
    """
    runs = columns_of_type(sheet, features.columns, *TYPES)
    assay = {run: k for k, run in enumerate(runs, start=1)}
    mtd = [
        ("mzTab-version", VERSION),
        ("mzTab-ID", study_id),
        ("title", f"gcmsflow GC-EI-MS profiling of {study_id}"),
        ("software[1]", f"[, , gcmsflow, {__version__}]"),
        ("quantification_method", "[MS, MS:1001834, LC-MS label-free quantitation analysis, ]"),
        ("sample_processing[1]", "[XLMOD, XLMOD:07029, methoxylamine hydrochloride, ]|[XLMOD, XLMOD:07009, MSTFA, ]"),
    ]
    for run, k in assay.items():
        mtd += [
            (f"ms_run[{k}]-location", Path(os.path.abspath(sheet.at[run, "path"])).as_uri()),
            (f"ms_run[{k}]-format", "[MS, MS:1000560, mass spectrometer file format, ]"),
            (f"ms_run[{k}]-scan_polarity[1]", "[MS, MS:1000130, positive scan, ]"),
        ]
    for run, k in assay.items():
        mtd += [(f"assay[{k}]", run), (f"assay[{k}]-ms_run_ref", f"ms_run[{k}]")]
    groups = sheet.loc[runs].groupby("group", sort=True).groups
    variables = {}
    for v, (group, members) in enumerate(groups.items(), start=1):
        variables[group] = [r for r in runs if r in members]
        refs = "|".join(f"assay[{assay[r]}]" for r in variables[group])
        kinds = ", ".join(sorted(set(sheet.loc[variables[group], "type"])))
        mtd += [(f"study_variable[{v}]", group), (f"study_variable[{v}]-assay_refs", refs), (f"study_variable[{v}]-description", f"group {group} ({kinds})")]
    mtd += [
        ("cv[1]-label", "MS"), ("cv[1]-full_name", "PSI-MS controlled vocabulary"), ("cv[1]-version", "4.1.0"),
        ("cv[1]-uri", "https://raw.githubusercontent.com/HUPO-PSI/psi-ms-CV/master/psi-ms.obo"),
        ("cv[2]-label", "XLMOD"), ("cv[2]-full_name", "PSI cross-linking and derivatization reagents"), ("cv[2]-version", "1.1.12"),
        ("cv[2]-uri", "https://raw.githubusercontent.com/HUPO-PSI/xlmod-CV/main/XLMOD.obo"),
        ("database[1]", f"[, , {Path(library).name}, ]"), ("database[1]-prefix", "null"), ("database[1]-version", "Unknown"),
        ("database[1]-uri", Path(os.path.abspath(library)).as_uri()),
        ("small_molecule-quantification_unit", "[, , normalised quant-ion area (internal standard and PQN), ]"),
        ("small_molecule_feature-quantification_unit", "[, , quant-ion peak area, ]"),
        ("small_molecule-identification_reliability", "[MS, MS:1002896, compound identification confidence level, ]"),
        ("id_confidence_measure[1]", "[, , gcmsflow spectrum and retention index score, ]"),
        ("colunit-small_molecule_feature", "retention_time_in_seconds=[UO, UO:0000010, second, ]"),
    ]
    lines = [f"MTD\t{key}\t{value}" for key, value in mtd]

    best = annotations.set_index("feature_id")
    best = best[best["name"].notna() & (best["name"] != "")]
    sme_of = {fid: k for k, fid in enumerate(sorted(best.index), start=1)}
    smf_of = {fid: k for k, fid in enumerate(features["feature_id"], start=1)}
    linear = 2.0 ** abundance

    header = ["SML_ID", "SMF_ID_REFS", "database_identifier", "chemical_formula", "smiles", "inchi", "chemical_name", "uri",
              "theoretical_neutral_mass", "adduct_ions", "reliability", "best_id_confidence_measure", "best_id_confidence_value"]
    header += [f"abundance_assay[{k}]" for k in assay.values()]
    header += [f"abundance_study_variable[{v}]" for v in range(1, len(variables) + 1)]
    header += [f"abundance_variation_study_variable[{v}]" for v in range(1, len(variables) + 1)] + ["opt_global_inchikey"]
    lines.append("SMH\t" + "\t".join(header))
    for k, fid in enumerate(linear.index, start=1):
        hit = best.loc[fid] if fid in best.index else None
        row = [k, smf_of[fid], hit["library_id"] if hit is not None else None, None, None, None,
               hit["name"] if hit is not None else None, None, None, None, int(hit["msi_level"]) if hit is not None else 4,
               "[, , gcmsflow spectrum and retention index score, ]" if hit is not None else None, hit["score"] if hit is not None else None]
        row += [linear.at[fid, run] if run in linear.columns else None for run in runs]
        values = [linear.loc[fid, [r for r in members if r in linear.columns]] for members in variables.values()]
        row += [v.mean() if len(v) else None for v in values]
        row += [100.0 * v.std(ddof=1) / v.mean() if len(v) >= 2 else None for v in values]
        row += [hit["inchikey"] if hit is not None else None]
        lines.append("SML\t" + "\t".join(_cell(x) for x in row))

    header = ["SMF_ID", "SME_ID_REFS", "SME_ID_REF_ambiguity_code", "adduct_ion", "isotopomer", "exp_mass_to_charge", "charge",
              "retention_time_in_seconds", "retention_time_in_seconds_start", "retention_time_in_seconds_end"]
    header += [f"abundance_assay[{k}]" for k in assay.values()] + ["opt_global_retention_index"]
    lines.append("SFH\t" + "\t".join(header))
    quant = features.set_index("feature_id")
    for fid, record in quant.iterrows():
        row = [smf_of[fid], sme_of.get(fid), None, None, None, float(record["quant_mz"]), 1, record["rt"], None, None]
        row += [float(record[run]) for run in runs] + [record["ri"]]
        lines.append("SMF\t" + "\t".join(_cell(x) for x in row))

    header = ["SME_ID", "evidence_input_id", "database_identifier", "chemical_formula", "smiles", "inchi", "chemical_name", "uri",
              "derivatized_form", "adduct_ion", "exp_mass_to_charge", "charge", "theoretical_mass_to_charge", "spectra_ref",
              "identification_method", "ms_level", "id_confidence_measure[1]", "rank", "opt_global_ri_delta", "opt_global_inchikey"]
    lines.append("SEH\t" + "\t".join(header))
    for fid, k in sme_of.items():
        hit = best.loc[fid]
        areas = quant.loc[fid, runs].astype(float)
        top_run = areas.idxmax() if areas.notna().any() else runs[0]
        derivative = split_name(hit["name"])[1]
        row = [k, fid, hit["library_id"], None, None, None, hit["name"], None,
               f"[, , derivatized form, {derivative}]" if derivative else None, None, float(quant.at[fid, "quant_mz"]), 1, None,
               f"ms_run[{assay[top_run]}]:rt={quant.at[fid, 'rt']:.3f}", "[, , spectral library search with retention index, ]",
               "[MS, MS:1000511, ms level, 1]", hit["score"], 1, hit["ri_delta"], hit["inchikey"]]
        lines.append("SME\t" + "\t".join(_cell(x) for x in row))
    return lines


def write_mztab(lines: list[str], target: str | os.PathLike) -> None:
    """Write the lines atomically, newline-terminated."""
    write_text(target, "\n".join(lines) + "\n")


def check_mztab(text: str) -> list[str]:
    """Structural problems of an mzTab-M 2.0 text (empty list: none).

    Checks section order (MTD, SML, SMF, SME), required metadata, one header per table, rows as
    wide as their header, no empty cells, assay/study-variable/ms_run references and SML→SMF→SME ids.
    """
    problems: list[str] = []
    metadata: dict[str, str] = {}
    headers: dict[str, list[str]] = {}
    rows: dict[str, list[dict[str, str]]] = {"SML": [], "SMF": [], "SME": []}
    order = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("COM"):
            continue
        cells = line.split("\t")
        prefix = cells[0]
        section = "MTD" if prefix == "MTD" else SECTIONS.get(prefix, prefix)
        if section not in ("MTD", "SML", "SMF", "SME"):
            problems.append(f"line {number}: unknown prefix '{prefix}'")
            continue
        if not order or order[-1] != section:
            if section in order:
                problems.append(f"line {number}: section {section} appears twice")
            order.append(section)
        if any(c == "" for c in cells):
            problems.append(f"line {number}: empty cell (use null)")
        if prefix == "MTD":
            if len(cells) != 3:
                problems.append(f"line {number}: MTD line needs 3 cells")
            else:
                metadata[cells[1]] = cells[2]
        elif prefix in SECTIONS:
            if section in headers:
                problems.append(f"line {number}: second {prefix} header")
            headers[section] = cells[1:]
        else:
            if section not in headers:
                problems.append(f"line {number}: {prefix} row before its header")
            elif len(cells) - 1 != len(headers[section]):
                problems.append(f"line {number}: {len(cells) - 1} cells, header has {len(headers[section])}")
            else:
                rows[section].append(dict(zip(headers[section], cells[1:])))
    expected = [s for s in ("MTD", "SML", "SMF", "SME") if s in order]
    if order != expected:
        problems.append(f"sections in order {order}, expected {expected}")
    for key in REQUIRED_METADATA:
        if key not in metadata:
            problems.append(f"metadata '{key}' missing")
    if metadata.get("mzTab-version") != VERSION:
        problems.append(f"mzTab-version is {metadata.get('mzTab-version')}, expected {VERSION}")
    if "SML" not in headers:
        problems.append("no small molecule (SML) table")
    assays = {k.split("-")[0] for k in metadata if k.startswith("assay[")}
    runs = {k.split("-")[0] for k in metadata if k.startswith("ms_run[")}
    for key, value in metadata.items():
        if key.endswith("-ms_run_ref") and value not in runs:
            problems.append(f"metadata {key} refers to unknown {value}")
        if key.endswith("-assay_refs"):
            for ref in value.split("|"):
                if ref.strip() not in assays:
                    problems.append(f"metadata {key} refers to unknown {ref.strip()}")
    for section, header in headers.items():
        for column in header:
            if column.startswith("abundance_assay[") and column[len("abundance_"):] not in assays:
                problems.append(f"{section} column {column} has no assay in the metadata")
    ids = {section: {r[f"{section}_ID"] for r in rows[section]} for section in rows if rows[section]}
    for source, column, target in (("SML", "SMF_ID_REFS", "SMF"), ("SMF", "SME_ID_REFS", "SME")):
        for row in rows[source]:
            for ref in row.get(column, "null").split("|"):
                if ref.strip() != "null" and ref.strip() not in ids.get(target, set()):
                    problems.append(f"{source} {row[f'{source}_ID']}: {column} refers to unknown {target} {ref.strip()}")
    return problems


def study_id(sample_sheet: str | os.PathLike) -> str:
    """The mzTab study id: the name of the sample sheet's folder (``study`` when it has none)."""
    return Path(sample_sheet).resolve().parent.name or "study"
