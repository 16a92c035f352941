"""The ``gcmsflow`` command line: one subcommand per workflow stage.

Stage settings arrive as one JSON object (``--options``), the same block the config file holds,
so a Snakemake rule stays a single shell line. Every failure prints one line naming the file and
the cause and exits with status 1; outputs are written atomically, so a failed step leaves none.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .core.errors import GcmsflowError


def _options(text: str, cls: type) -> Any:
    """Build settings dataclass ``cls`` from a JSON object, refusing unknown keys."""
    try:
        values = dict(json.loads(text) or {}) if text else {}
    except (json.JSONDecodeError, TypeError, ValueError) as err:
        raise GcmsflowError("--options", f"not a JSON object ({err})") from None
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise GcmsflowError("--options", f"unknown setting(s) {', '.join(unknown)} (known: {', '.join(known)})")
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(value)
    return cls(**values)


def _stem_map(paths: list[str], suffix: str) -> dict[str, str]:
    return {Path(p).name[: -len(suffix)] if p.endswith(suffix) else Path(p).stem: p for p in paths}


def cmd_simulate(args: argparse.Namespace) -> None:
    from .demo.severity import preset
    from .demo.simulate import simulate_study

    layout = {"per_group": args.per_group, "qc_every": args.qc_every, "seed": args.seed, "batches": args.batches}
    design, severity = preset(args.preset, args.severity, **layout)
    simulate_study(args.out, design, severity, massbank=args.massbank)


def cmd_import(args: argparse.Namespace) -> None:
    from .core.scancube import save_cube
    from .io.importer import ImportParams, import_run

    save_cube(import_run(args.input, _options(args.options, ImportParams)), args.output)


def cmd_detect(args: argparse.Namespace) -> None:
    from .core.scancube import load_cube
    from .core.spectra import parse_spectrum
    from .core.tables import write_tsv
    from .io.msp import MspEntry, write_msp
    from .signal.detect import DetectParams, detect_components

    cube = load_cube(args.input)
    peaks = detect_components(cube, _options(args.options, DetectParams))
    write_tsv(peaks, args.output)
    if args.msp:
        entries = []
        for row in peaks.itertuples():
            mz, values = parse_spectrum(row.spectrum)
            fields = {"RETENTIONTIME": f"{row.rt:.3f}", "QUANTMZ": str(row.quant_mz), "SOURCE": cube.metadata.get("source", "")}
            entries.append(MspEntry(f"{Path(args.input).stem} {row.component_id}", mz, values, fields))
        write_msp(entries, args.msp)


def cmd_ri(args: argparse.Namespace) -> None:
    import pandas as pd

    from .core.samplesheet import load_sheet
    from .core.tables import read_tsv, write_tsv
    from .signal.ri import (
        CALIBRATION_COLUMNS,
        QC_COLUMNS,
        RiParams,
        batch_ladders,
        find_ladder,
        table_calibration,
    )

    params = _options(args.options, RiParams)
    sheet = load_sheet(args.samples).sort_values(["injection_order", "sample"], kind="stable")
    batches = list(dict.fromkeys(sheet["batch"]))
    warnings: list[str] = []
    if params.rt_table:
        calibration, qc = table_calibration(read_tsv(params.rt_table, ["rt_s", "ri"]), batches, params.rt_table)
    elif args.peaks:
        ladders = {}
        for sample, path in _stem_map(args.peaks, ".tsv").items():
            try:
                ladders[sample] = find_ladder(read_tsv(path, ["rt", "sn", "spectrum"]), params)
            except ValueError as err:
                raise GcmsflowError(path, str(err)) from None
            if len(ladders[sample]) < 2:
                warnings.append(f"{path}: fewer than two {params.markers} markers found; this ladder run is not used")
        if all(len(t) < 2 for t in ladders.values()):
            raise GcmsflowError(args.peaks[0], f"no {params.markers} marker ladder found in the ladder run(s)")
        calibration, qc, more = batch_ladders(ladders, sheet["batch"].to_dict(), batches, params)
        warnings += more
    else:
        calibration, qc = pd.DataFrame(columns=CALIBRATION_COLUMNS), pd.DataFrame(columns=QC_COLUMNS)
    for warning in warnings:
        print(f"gcmsflow ri: warning: {warning}", file=sys.stderr)
    write_tsv(calibration, args.output)
    write_tsv(qc, args.qc)


def cmd_align(args: argparse.Namespace) -> None:
    import pandas as pd

    from .core.samplesheet import load_sheet, runs_of_type
    from .core.tables import read_tsv, write_tsv
    from .io.msp import write_msp
    from .signal.align import AlignParams, align, consensus_spectra
    from .signal.ri import ri_for_batch

    sheet = load_sheet(args.samples)
    calibration = read_tsv(args.calibration, ["batch", "carbon", "ri", "rt"])
    peaks_by_sample = _stem_map(args.peaks, ".tsv")
    runs = [s for s in runs_of_type(sheet, "sample", "qc", "blank") if s in peaks_by_sample]
    frames = []
    for sample in runs:
        peaks = read_tsv(peaks_by_sample[sample], ["component_id", "rt", "rt_start", "rt_end", "quant_mz", "area", "spectrum"])
        frames.append(peaks.assign(sample=sample, ri=ri_for_batch(peaks["rt"].to_numpy(), sheet.loc[sample, "batch"], calibration)))
    components = pd.concat(frames, ignore_index=True)
    table, members = align(components, runs, len(calibration) >= 2, _options(args.options, AlignParams))
    write_tsv(table, args.output)
    write_tsv(members, args.members)
    write_msp(consensus_spectra(table, members), args.msp)


def cmd_gapfill(args: argparse.Namespace) -> None:
    import pandas as pd

    from .core.scancube import load_cube
    from .core.tables import read_tsv, write_tsv
    from .signal.detect import DetectParams
    from .signal.gapfill import fill_run

    table = read_tsv(args.table, ["feature_id", "rt", "quant_mz"])
    members = read_tsv(args.members, ["feature_id", "sample", "rt", "rt_start", "rt_end"])
    params = _options(args.options, DetectParams)
    filled_rows = []
    for sample, path in _stem_map(args.cubes, ".npz").items():
        if sample not in table.columns:
            raise GcmsflowError(path, f"run '{sample}' is not a column of {args.table}")
        areas = fill_run(table, members, sample, load_cube(path), params)
        table.loc[areas.index, sample] = areas
        filled_rows += [(table.at[i, "feature_id"], sample) for i in areas.index[areas.notna()]]
    write_tsv(table, args.output)
    filled = pd.DataFrame(filled_rows, columns=["feature_id", "sample"]).sort_values(["feature_id", "sample"])
    write_tsv(filled, args.filled)


def cmd_annotate(args: argparse.Namespace) -> None:
    from .core.tables import write_tsv
    from .identify.annotate import annotate
    from .identify.params import MatchParams
    from .io.library import load_library

    params = _options(args.options, MatchParams)
    library = load_library(args.library, params.column_class)
    features = load_library(args.features)
    hits, best, confidence = annotate(features.intensity, features.ri, features.names, library, params)
    write_tsv(hits, args.hits)
    write_tsv(best, args.output)
    write_tsv(confidence, args.confidence)
    named = best.merge(confidence[["feature_id", "qvalue"]], on="feature_id")
    write_tsv(named[["feature_id", "name", "msi_level", "score", "spectral_score", "ri_delta", "qvalue"]], args.named)


def cmd_replicates(args: argparse.Namespace) -> None:
    from .core.samplesheet import load_sheet
    from .core.tables import read_tsv, write_tsv
    from .stats.replicates import pca_separation, replicate_consistency

    sheet = load_sheet(args.samples)
    detected = read_tsv(args.aligned, ["feature_id"]).set_index("feature_id")
    abundance = read_tsv(args.abundance, ["feature_id"]).set_index("feature_id")
    write_tsv(replicate_consistency(detected, abundance, sheet), args.output)
    write_tsv(pca_separation(abundance, sheet), args.separation)


def cmd_metabolites(args: argparse.Namespace) -> None:
    from .core.tables import read_tsv, write_tsv
    from .stats.metabolites import metabolite_table

    annotations = read_tsv(args.annotations, ["feature_id", "name"])
    abundance = read_tsv(args.abundance, ["feature_id"]).set_index("feature_id")
    table, values = metabolite_table(annotations, abundance)
    write_tsv(table, args.output)
    write_tsv(values.reset_index(names="metabolite_id"), args.abundance_output)


def cmd_normalize(args: argparse.Namespace) -> None:
    from .core.samplesheet import load_sheet
    from .core.tables import read_tsv, write_tsv
    from .stats.drift import DriftParams
    from .stats.filters import FilterParams
    from .stats.normalize import NormalizeParams, normalize

    sheet = load_sheet(args.samples)
    table = read_tsv(args.table, ["feature_id"]).set_index("feature_id")
    annotations = read_tsv(args.annotations, ["feature_id", "name"])
    params = _options(args.options, NormalizeParams)
    result = normalize(
        table,
        annotations,
        sheet,
        params,
        _options(args.drift_options, DriftParams),
        _options(args.filter_options, FilterParams),
        source=args.annotations,
    )
    write_tsv(result.abundance.reset_index(names="feature_id"), args.output)
    write_tsv(result.drift_corrected.reset_index(names="feature_id"), args.drift_corrected)
    write_tsv(result.factors, args.factors)
    write_tsv(result.imputed, args.imputed)
    write_tsv(result.blanks, args.blank_filter)
    write_tsv(result.drift, args.drift)
    write_tsv(result.filters, args.filters)
    write_tsv(result.precision, args.precision)


def cmd_differential(args: argparse.Namespace) -> None:
    import pandas as pd

    from .core.samplesheet import load_sheet
    from .core.tables import read_tsv, write_tsv
    from .stats.differential import MODEL_TESTS, differential

    sheet = load_sheet(args.samples)
    id_column = "metabolite_id" if args.level == "metabolites" else "feature_id"
    abundance = read_tsv(args.abundance, [id_column]).set_index(id_column)
    annotations = read_tsv(args.annotations, [id_column, "name"]).set_index(id_column)
    drift = read_tsv(args.drift, ["batch", "action"])
    studied = sheet[(sheet["type"] == "sample") & sheet["sample"].isin(abundance.columns)]
    case = studied.loc[studied["group"] == args.case, "sample"].tolist()
    control = studied.loc[studied["group"] == args.control, "sample"].tolist()
    for role, columns, group in (("case", case, args.case), ("control", control, args.control)):
        if not columns:
            raise GcmsflowError(args.abundance, f"{role} group '{group}' has no sample columns")
    covariates = list(args.covariates)
    note = ""
    batches = sorted(set(sheet.loc[case + control, "batch"]))
    if len(batches) > 1 and "batch" not in covariates and (drift["action"] == "too_few_qcs").any():
        if args.test not in MODEL_TESTS:
            raise GcmsflowError(args.drift, f"batches {', '.join(batches)} were not drift-corrected (too few QCs) and test '{args.test}' cannot take batch as a covariate; use {' or '.join(MODEL_TESTS)}")
        covariates.append("batch")
        note = "batch added as covariate: some batches have too few pooled QCs for drift correction"
    table = differential(abundance, sheet, case, control, annotations["name"], args.test, tuple(covariates), id_column, args.samples)
    write_tsv(table, args.output)
    model = {"contrast": args.contrast, "level": args.level, "case": args.case, "control": args.control, "test": args.test,
             "design": " + ".join(["~ group"] + covariates), "n_case": len(case), "n_control": len(control),
             "n_tested": int(table["pvalue"].notna().sum()), "n_q_below_0.05": int((table["qvalue"] < 0.05).sum()), "note": note}
    write_tsv(pd.DataFrame([model]), args.model)


def cmd_plots(args: argparse.Namespace) -> None:
    from .core.samplesheet import load_sheet
    from .core.scancube import load_cube
    from .core.tables import read_tsv
    from .report import plots

    sheet = load_sheet(args.samples)
    out = Path(args.outdir)
    tics = {}
    for sample, path in _stem_map(args.cubes, ".npz").items():
        cube = load_cube(path)  # one cube in memory at a time
        tics[sample] = (cube.times_s, cube.tic())
    plots.tic_overlay(tics, sheet, out / "tic_overlay.png")
    plots.ri_ladder(read_tsv(args.ladder_qc, ["batch", "carbon", "rt", "status", "residual_ri"]), out / "ri_ladder.png")
    raw = read_tsv(args.table, ["feature_id"]).set_index("feature_id")
    plots.qc_drift(raw, read_tsv(args.drift_corrected, ["feature_id"]).set_index("feature_id"), sheet, out / "qc_drift.png")
    abundance = read_tsv(args.abundance, ["feature_id"]).set_index("feature_id")
    annotations = read_tsv(args.annotations, ["feature_id", "name", "score"])
    plots.pca_scores(abundance, sheet, out / "pca_scores.png")
    for path in args.stats:
        contrast = Path(path).stem
        stats = read_tsv(path, ["feature_id", "name", "log2fc", "pvalue", "qvalue"])
        plots.volcano(stats, out / f"volcano_{contrast}.png")
        plots.heatmap(abundance, stats, sheet, out / f"heatmap_{contrast}.png")
    plots.highlights(abundance, annotations, sheet, list(args.highlight), out / "highlights.png")


def cmd_mztab(args: argparse.Namespace) -> None:
    from .core.samplesheet import load_sheet
    from .core.tables import read_tsv
    from .report.mztab import mztab_lines, write_mztab

    sheet = load_sheet(args.samples)
    features = read_tsv(args.table, ["feature_id", "rt", "ri", "quant_mz"])
    abundance = read_tsv(args.abundance, ["feature_id"]).set_index("feature_id")
    annotations = read_tsv(args.annotations, ["feature_id", "name", "inchikey", "library_id", "score", "ri_delta", "msi_level"])
    study_id = Path(args.samples).resolve().parent.name or "study"
    write_mztab(mztab_lines(features, abundance, annotations, sheet, args.library, study_id), args.output)


def cmd_provenance(args: argparse.Namespace) -> None:
    import os

    from .core.atomic import write_text
    from .core.samplesheet import load_sheet
    from .report.provenance import provenance

    try:
        config = json.loads(args.config_json)
    except json.JSONDecodeError as err:
        raise GcmsflowError("--config-json", f"not JSON ({err})") from None
    sheet = load_sheet(args.samples)
    inputs = {"sample sheet": args.samples, "library": args.library}
    inputs.update({f"run {sample}": path for sample, path in sheet["path"].items()})
    command = os.environ.get("GCMSFLOW_COMMAND", "")
    write_text(args.output, json.dumps(provenance(config, inputs, command), indent=2, sort_keys=True) + "\n")


def cmd_summary(args: argparse.Namespace) -> None:
    from .core.atomic import write_text
    from .core.tables import read_tsv
    from .report.summary import (
        annotation_summary,
        contrast_summary,
        methods_paragraph,
        qc_summary,
        replicate_summary,
        ri_summary,
        summary_page,
    )

    try:
        record = json.loads(Path(args.provenance).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise GcmsflowError(args.provenance, f"not a readable provenance record ({err})") from None
    sections = ["<h2>What changed</h2>"]
    for stats_path, model_path in zip(sorted(args.stats), sorted(args.models)):
        model = read_tsv(model_path, ["contrast", "case", "control", "test", "design", "n_case", "n_control", "n_tested", "note"]).iloc[0]
        sections.append(contrast_summary(read_tsv(stats_path, ["feature_id", "name", "log2fc", "ci_low", "ci_high", "qvalue"]), model))
    confidence = read_tsv(args.confidence, ["feature_id", "winner", "qvalue", "accepted"])
    sections.append(annotation_summary(confidence, record["config"]["annotate"]["max_fdr"]))
    sections.append(
        qc_summary(
            read_tsv(args.precision, ["stage", "median_qc_rsd_percent"]),
            read_tsv(args.drift, ["action"]),
            read_tsv(args.filters, ["removed_by"]),
            read_tsv(args.blank_filter, ["removed"]),
            read_tsv(args.imputed, ["feature_id", "sample"]),
            record["config"]["filters"],
        )
    )
    sections.append(
        replicate_summary(
            read_tsv(args.replicates, ["group", "n_replicates", "features_in_all_replicates", "median_cv_percent"]),
            read_tsv(args.separation, ["pc1_percent", "pc2_percent", "silhouette", "pc1_separates_groups"]),
        )
    )
    ladder_qc = read_tsv(args.ladder_qc, ["batch", "carbon", "rt", "status", "residual_ri", "source"])
    sections.append(ri_summary(ladder_qc))
    sections.append(methods_paragraph(record["config"], record, calibrated=len(ladder_qc) > 0))
    write_text(args.output, summary_page(sections))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per stage."""
    parser = argparse.ArgumentParser(prog="gcmsflow", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"gcmsflow {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], None], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("simulate", cmd_simulate, "write the simulated asparagine-deprivation demo study")
    p.add_argument("--out", required=True)
    p.add_argument("--preset", default="default", help="default (the demo) or hard (drift, tailing, spikes, batches, busy ladders)")
    p.add_argument("--severity", help='JSON object overriding the preset\'s effects, e.g. \'{"spike_fraction": 0.05}\'')
    p.add_argument("--massbank", help="MassBank MSP file whose spectra the compounds it holds get (../shared/data/library/massbank_gc_ei.msp)")
    for flag in ("--per-group", "--qc-every", "--seed", "--batches"):
        p.add_argument(flag, type=int, help="overrides the preset's value")

    stage_io = {
        "import": (cmd_import, "import a raw run into a scan cube (.npz)", ["--input", "--output"]),
        "detect": (cmd_detect, "detect and deconvolute components of one run", ["--input", "--output", "--msp"]),
        "ri": (cmd_ri, "build per-batch RI calibrations from ladder-run peaks (or a marker RT table), with ladder QC", ["--samples", "--output", "--qc"]),
        "align": (cmd_align, "align components of all runs into features", ["--samples", "--calibration", "--output", "--members", "--msp"]),
        "gapfill": (cmd_gapfill, "re-integrate missing feature cells", ["--table", "--members", "--output", "--filled"]),
        "annotate": (
            cmd_annotate,
            "match feature spectra against a library, with target-decoy false-annotation rates",
            ["--features", "--library", "--output", "--hits", "--confidence", "--named"],
        ),
        "normalize": (
            cmd_normalize,
            "filter, drift-correct, normalise, impute and log2-transform the feature table",
            ["--table", "--annotations", "--samples", "--output", "--drift-corrected", "--factors", "--imputed", "--blank-filter", "--drift", "--filters", "--precision"],
        ),
        "differential": (
            cmd_differential,
            "test one contrast",
            ["--abundance", "--annotations", "--samples", "--drift", "--contrast", "--case", "--control", "--output", "--model"],
        ),
        "metabolites": (
            cmd_metabolites,
            "group features that are forms of one metabolite",
            ["--annotations", "--abundance", "--output", "--abundance-output"],
        ),
        "replicates": (
            cmd_replicates,
            "replicate consistency per group and PCA separation of the groups",
            ["--aligned", "--abundance", "--samples", "--output", "--separation"],
        ),
        "mztab": (cmd_mztab, "export the study as mzTab-M 2.0", ["--table", "--abundance", "--annotations", "--samples", "--library", "--output"]),
        "provenance": (cmd_provenance, "record versions, config hash, input checksums and command line", ["--samples", "--library", "--config-json", "--output"]),
        "summary": (
            cmd_summary,
            "write the report's methods and summary page",
            ["--provenance", "--confidence", "--precision", "--drift", "--filters", "--blank-filter", "--imputed", "--ladder-qc", "--replicates", "--separation", "--output"],
        ),
        "plots": (
            cmd_plots,
            "draw the report figures",
            ["--samples", "--ladder-qc", "--table", "--drift-corrected", "--abundance", "--annotations", "--outdir"],
        ),
    }
    for name, (func, help_text, required) in stage_io.items():
        p = add(name, func, help_text)
        for flag in required:
            p.add_argument(flag, required=flag != "--msp")
        if name not in ("metabolites", "replicates", "mztab", "provenance", "summary"):
            p.add_argument("--options", default="{}", help="stage settings as a JSON object")
    sub.choices["ri"].add_argument("--peaks", nargs="*", default=[])
    sub.choices["align"].add_argument("--peaks", nargs="+", required=True)
    sub.choices["gapfill"].add_argument("--cubes", nargs="+", required=True)
    sub.choices["normalize"].add_argument("--drift-options", default="{}", help="drift-correction settings as a JSON object")
    sub.choices["normalize"].add_argument("--filter-options", default="{}", help="feature-filter settings as a JSON object")
    sub.choices["differential"].add_argument("--test", default="moderated_t", help="moderated_t, ols, welch or mann_whitney")
    sub.choices["differential"].add_argument("--covariates", nargs="*", default=[], help="sample-sheet columns to adjust for")
    sub.choices["differential"].add_argument("--level", default="features", choices=["features", "metabolites"], help="what the rows are")
    sub.choices["summary"].add_argument("--stats", nargs="+", required=True)
    sub.choices["summary"].add_argument("--models", nargs="+", required=True)
    sub.choices["plots"].add_argument("--cubes", nargs="+", required=True)
    sub.choices["plots"].add_argument("--stats", nargs="+", required=True)
    sub.choices["plots"].add_argument("--highlight", nargs="*", default=[])
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; user errors become one line on stderr and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except GcmsflowError as err:
        print(f"gcmsflow {args.command}: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
