"""The ``gcmsflow`` command line: one subcommand per workflow stage, each calling its runner in ``stages/``.

Stage settings arrive as one JSON object (``--options``), the same block the config file holds,
so a Snakemake rule stays a single shell line. Every failure prints one line naming the file and
the cause and exits with status 1; outputs are written atomically, so a failed step leaves none.
Modules are imported when their subcommand runs, so a job loads only what its stage uses.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from typing import Any

from . import __version__
from .core.errors import GcmsflowError

# subcommand: (runner "module:function" in stages/, help, flags; "+" takes one or more values, "*" any, "?" optional)
STAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "import": ("per_run:run_import", "import a raw run into a scan cube (.npz)", ("input", "output")),
    "detect": ("per_run:run_detect", "detect and deconvolute components of one run", ("input", "output", "msp?")),
    "ri": ("features:run_ri", "build per-batch RI calibrations from ladder-run peaks (or a marker RT table), with ladder QC", ("samples", "peaks*", "output", "qc")),
    "align": ("features:run_align", "align components of all runs into features", ("samples", "calibration", "peaks+", "output", "members", "msp", "corrections")),
    "gapfill": ("features:run_gapfill", "re-integrate missing feature cells", ("table", "members", "cubes+", "output", "filled")),
    "annotate": (
        "annotation:run_annotate",
        "match feature spectra against a library, with target-decoy false-annotation rates",
        ("features", "library", "output", "hits", "confidence", "named", "internal-standard?", "standard-qc?"),
    ),
    "normalize": (
        "quantities:run_normalize",
        "filter, drift-correct, normalise, impute and log2-transform the feature table",
        ("table", "annotations", "samples", "output", "drift-corrected", "factors", "imputed", "blank-filter", "drift", "filters", "precision"),
    ),
    "differential": (
        "quantities:run_differential",
        "test one contrast",
        ("abundance", "annotations", "samples", "drift", "contrast", "case", "control", "output", "model", "covariates*"),
    ),
    "metabolites": ("quantities:run_metabolites", "group features that are forms of one metabolite", ("annotations", "abundance", "output", "abundance-output")),
    "replicates": ("quantities:run_replicates", "replicate consistency per group and PCA separation of the groups", ("aligned", "abundance", "samples", "output", "separation")),
    "mztab": ("outputs:run_mztab", "export the study as mzTab-M 2.0", ("table", "abundance", "annotations", "samples", "library", "output")),
    "provenance": ("outputs:run_provenance", "record versions, config hash, input checksums and command line", ("samples", "library", "config-json", "command?", "output")),
    "summary": (
        "outputs:run_summary",
        "write the report's methods and summary page",
        ("provenance", "confidence", "precision", "drift", "filters", "blank-filter", "imputed", "ladder-qc", "replicates", "separation",
         "stats+", "models+", "output", "internal-standard?", "cubes*"),
    ),
    "trace": (
        "tracing:run_trace",
        "isotopologue distributions of known fragments, corrected for natural abundance and tracer purity (IsoCor)",
        ("samples", "table", "members", "annotations", "features", "cubes+", "isotopologues", "enrichment", "matrix", "fragments"),
    ),
    "quantify": (
        "quantification:run_quantify",
        "calibration curves (labelled internal standards on their shifted ions), concentrations with LOD/LOQ flags, per biomass, medium and group tests",
        ("samples", "table", "members", "annotations", "hits?", "cubes+", "calibration", "levels", "concentrations", "biomass", "consumption", "tests", "responses", "contrasts?"),
    ),
    "quant-plots": ("quantification:run_quant_plots", "draw the calibration curves and concentration box plots", ("samples", "calibration", "levels", "concentrations", "biomass", "curves", "boxes")),
    "trace-plots": ("figures:run_trace_plots", "draw the stacked isotopologue bars of the traced fragments", ("samples", "isotopologues", "output")),
    "design": ("designs:run_design", "fit one study design: moderated t per contrast, moderated F per F-test (limma lmFit/eBayes)", ("abundance", "annotations", "samples", "outdir")),
    "design-plots": (
        "designs:run_design_plots",
        "draw a design's matrix, volcano per contrast and trends of its top features",
        ("samples", "abundance", "annotations", "matrix", "stats+", "ftests*", "highlight*", "outdir"),
    ),
    "plots": (
        "figures:run_plots",
        "draw the report figures",
        ("samples", "ladder-qc", "corrections", "table", "drift-corrected", "abundance", "annotations", "cubes+", "stats+", "highlight*", "outdir"),
    ),
}
# settings flags per subcommand: flag -> "module:Class" of the settings dataclass it fills
SETTINGS: dict[str, dict[str, str]] = {
    "import": {"options": "io.importer:ImportParams"},
    "detect": {"options": "signal.detect:DetectParams"},
    "ri": {"options": "signal.ri:RiParams"},
    "align": {"options": "signal.align:AlignParams"},
    "gapfill": {"options": "signal.detect:DetectParams"},
    "annotate": {"options": "identify.params:MatchParams"},
    "trace": {"options": "tracing.fragments:TracingParams"},
    "quantify": {"options": "quantify.standards:QuantParams"},
    "design": {"design": "stats.design_matrix:DesignSpec"},
    "design-plots": {"design": "stats.design_matrix:DesignSpec"},
    "normalize": {"options": "stats.normalize:NormalizeParams", "drift-options": "stats.drift:DriftParams", "filter-options": "stats.filters:FilterParams"},
}


def _load(dotted: str) -> Any:
    module, name = dotted.split(":")
    return getattr(import_module(f"{__package__}.{module}"), name)


def _call(args: argparse.Namespace) -> None:
    """Run the stage's runner with the parsed flags as keyword arguments, settings flags as dataclasses."""
    from .core.config import settings_from_json

    values = {key: value for key, value in vars(args).items() if key not in ("subcommand", "func")}
    for flag, dotted in SETTINGS.get(args.subcommand, {}).items():
        key = flag.replace("-", "_")
        values[key] = settings_from_json(values[key], _load(dotted), f"--{flag}")
    _load(f"stages.{STAGES[args.subcommand][0]}")(**values)


def _simulate(args: argparse.Namespace) -> None:
    from .stages.demo import run_simulate

    layout = {"per_group": args.per_group, "qc_every": args.qc_every, "seed": args.seed, "batches": args.batches, "tracer": args.tracer}
    run_simulate(args.out, args.preset, args.severity, args.massbank, layout, args.calibration)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per stage."""
    parser = argparse.ArgumentParser(prog="gcmsflow", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"gcmsflow {__version__}")
    sub = parser.add_subparsers(dest="subcommand", required=True)
    p = sub.add_parser("simulate", help="write the simulated asparagine-deprivation demo study")
    p.set_defaults(func=_simulate)
    p.add_argument("--out", required=True)
    p.add_argument("--preset", default="default", help="default (the demo) or hard (drift, tailing, spikes, batches, busy ladders)")
    p.add_argument("--severity", help='JSON object overriding the preset\'s effects, e.g. \'{"spike_fraction": 0.05}\'')
    p.add_argument("--massbank", help="MassBank MSP file whose spectra the compounds it holds get (../shared/data/library/massbank_gc_ei.msp)")
    p.add_argument("--tracer", help="label the study runs with this tracer: 13C6-glucose, 13C5-glutamine or 15N-amide-glutamine")
    p.add_argument("--calibration", action="store_true", help="add a 7-level calibration series, a labelled asparagine standard, cells per sample and standards.tsv")
    for flag in ("--per-group", "--qc-every", "--seed", "--batches"):
        p.add_argument(flag, type=int, help="overrides the preset's value")
    for name, (_, help_text, flags) in STAGES.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=_call)
        for flag in flags:
            bare, kind = flag.rstrip("+*?"), flag[-1]
            if kind in "+*":
                p.add_argument(f"--{bare}", nargs=kind, required=kind == "+", default=[])
            else:
                p.add_argument(f"--{bare}", required=kind != "?", default="" if kind == "?" else None)
        for flag in SETTINGS.get(name, {}):
            p.add_argument(f"--{flag}", default="{}", help="settings as a JSON object")
    sub.choices["differential"].add_argument("--test", default="moderated_t", help="moderated_t, ols, welch or mann_whitney")
    sub.choices["differential"].add_argument("--level", default="features", choices=["features", "metabolites", "fragments"], help="what the rows are")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; user errors become one line on stderr and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except GcmsflowError as err:
        print(f"gcmsflow {args.subcommand}: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
