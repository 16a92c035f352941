"""The ``gcmsflow`` command line: one subcommand per workflow stage, each calling its runner in ``stages/``.

Stage settings arrive as one JSON object (``--options``), the same block the config file holds,
so a Snakemake rule stays a single shell line. Every failure prints one line naming the file and
the cause and exits with status 1; outputs are written atomically, so a failed step leaves none.
Modules are imported when their subcommand runs, so a job loads only what its stage uses; the table of
subcommands, their runners and flags is ``stages/commands.py``.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from typing import Any

from . import __version__
from .core.errors import GcmsflowError
from .stages.commands import SETTINGS, STAGES


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
    p.add_argument("--calibration", action="store_true", help="add a 7-level calibration series, a labelled standard per analyte, cells per sample and standards.tsv")
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
