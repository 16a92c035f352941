# Helpers shared by the rules: config and sample-sheet checks (before any job), run lists, stage options.
import copy
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import update_config, validate

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))
from gcmsflow.core.chunks import check_command, split_runs  # noqa: E402
from gcmsflow.core.errors import GcmsflowError  # noqa: E402
from gcmsflow.core.samplesheet import SAMPLE_ID, STUDY_TYPES, check_contrasts, load_sheet, runs_of_type  # noqa: E402
from gcmsflow.identify.prepared import KEY_SETTINGS  # noqa: E402
from gcmsflow.stats.design_matrix import check_designs  # noqa: E402
from gcmsflow.quantify.standards import check_quantification  # noqa: E402

# Keys a --configfile leaves out take their value from the shipped config/config.yaml.
with open(Path(workflow.basedir) / "config" / "config.yaml") as handle:
    _defaults = yaml.safe_load(handle)
update_config(_defaults, copy.deepcopy(config))
config.update(_defaults)
validate(config, "../../config/schemas/config.schema.yaml")
try:
    SHEET = load_sheet(config["samples"], check_files=True)
    check_contrasts(SHEET, config["contrasts"], source="config: contrasts")
    check_quantification(config["quantification"], SHEET, config["samples"])
except GcmsflowError as err:
    raise WorkflowError(f"sample sheet check failed: {err}")
try:
    check_designs(SHEET, config["designs"], source="config: designs")
except GcmsflowError as err:
    raise WorkflowError(f"design check failed: {err}")

# The command that started the run, for results/provenance.json.
COMMAND_LINE = shlex.join(sys.argv)

STUDY_RUNS = runs_of_type(SHEET, *STUDY_TYPES)
ALKANE_RUNS = runs_of_type(SHEET, "alkane")
CONTRASTS = {c["name"]: c for c in config["contrasts"]}
TRACING_OUTPUTS = (
    ["results/tracing/enrichment.tsv", "results/plots/isotopologues.png"]
    + expand("results/tracing/stats/{contrast}.tsv", contrast=CONTRASTS)
    if config["tracing"]["tracer"]
    else []
)
QUANT_RUNS = runs_of_type(SHEET, "calibrant", "sample", "qc", "blank", "medium_blank")
QUANT_OUTPUTS = (
    ["results/quant/concentrations.tsv", "results/plots/calibration.png"]
    if config["quantification"]["standards"]
    else []
)
# SLURM partition and account for every rule: config `cluster:` first, then the environment.
CLUSTER = {
    resource: value
    for resource, value in (
        ("slurm_partition", config["cluster"].get("partition") or os.environ.get("GCMSFLOW_SLURM_PARTITION")),
        ("slurm_account", config["cluster"].get("account") or os.environ.get("GCMSFLOW_SLURM_ACCOUNT")),
    )
    if value
}


wildcard_constraints:
    sample=SAMPLE_ID.pattern.strip("^$"),
    contrast="[A-Za-z0-9_.-]+",


def options(stage, only=None, **extra):
    """A stage's config block (only the keys `only` names, when given) as one shell-quoted JSON argument."""
    block = {key: value for key, value in config.get(stage, {}).items() if only is None or key in only}
    return shlex.quote(json.dumps({**block, **extra}, sort_keys=True))


def put_gcmsflow_on_path():
    """Jobs find `gcmsflow` without an activated environment: the folder of the Python running Snakemake
    (a venv's bin/) goes first on their PATH when it holds gcmsflow; else PATH must (under --sdm conda the
    env's own comes first). Stops before any job, saying how, when there is none."""
    beside = Path(sys.executable).parent
    if (beside / "gcmsflow").is_file():
        os.environ["PATH"] = os.pathsep.join([str(beside), os.environ.get("PATH", "")])
    elif (
        shutil.which("gcmsflow") is None
        and DeploymentMethod.CONDA not in workflow.deployment_settings.deployment_method
    ):
        raise WorkflowError(
            f"gcmsflow not found beside {sys.executable} nor on PATH: run `make venv` and start "
            "`.venv/bin/snakemake` (or `source .venv/bin/activate` first)"
        )


# The jobs' PATH (see put_gcmsflow_on_path below) is an environment variable the workflow relies on.
envvars:
    "PATH",


put_gcmsflow_on_path()


def job_resources(mem_mb, runtime):
    """A rule's resources: memory (MB) and runtime (minutes), each a number or a (base, per input MB) pair
    (see scaled_by_input), plus the SLURM partition and account."""
    amounts = {
        name: scaled_by_input(*value) if isinstance(value, tuple) else value
        for name, value in (("mem_mb", mem_mb), ("runtime", runtime))
    }
    return {**amounts, **CLUSTER}


def contrast_params(level):
    """The differential rules' params: a contrast's groups, its test and covariates (the `differential:`
    defaults unless the contrast names its own), and what the rows are (features, metabolites, fragments)."""
    settings = config["differential"]
    return {
        "case": lambda wc: CONTRASTS[wc.contrast]["case"],
        "control": lambda wc: CONTRASTS[wc.contrast]["control"],
        "test": lambda wc: CONTRASTS[wc.contrast].get("test", settings["test"]),
        "covariates": lambda wc: shlex.join(CONTRASTS[wc.contrast].get("covariates", settings["covariates"])),
        "level": level,
    }


def scaled_by_input(base, per_input_mb):
    """A resource (mem_mb in MB, runtime in minutes) for a job: a base plus a multiple of its
    input size in MB, doubled on each retry (`--retries`), so a job killed for memory or time
    is resubmitted with twice as much."""

    def amount(wildcards, input, attempt):
        return int((base + per_input_mb * input.size_mb) * 2 ** (attempt - 1))

    return amount


def chunk_files(runs):
    """A chunk's outputs, per run: scan cubes, component tables and spectra."""
    return {
        "cubes": [f"results/import/{run}.npz" for run in runs],
        "peaks": [f"results/peaks/{run}.tsv" for run in runs],
        "msp": [f"results/peaks/{run}.msp" for run in runs],
    }


def chunk_resources():
    """A chunk's memory (MB) and runtime (minutes): runs are processed one after the other, so memory
    follows the largest raw file and runtime the chunk's total input; both double on each retry."""

    def mem_mb(wildcards, input, attempt):
        return int((500 + 30 * max(input.size_files_mb, default=0)) * 2 ** (attempt - 1))

    return {"mem_mb": mem_mb, "runtime": scaled_by_input(5, 0.07), **CLUSTER}


def sheet_chunks():
    """The runs some rule reads (study and ladder runs; calibrants and medium blanks when quantification is
    on), in sheet row order, split into chunks of `chunks.runs_per_job`; a chunk too long for one command
    line stops the workflow before any job."""
    needed = {*STUDY_RUNS, *ALKANE_RUNS, *(QUANT_RUNS if QUANT_OUTPUTS else [])}
    try:
        chunks = split_runs([run for run in SHEET.index if run in needed], config["chunks"]["runs_per_job"])
        for i, runs in enumerate(chunks):
            paths = [SHEET.loc[run, "path"] for run in runs] + sum(chunk_files(runs).values(), [])
            check_command(f"chunk_{i}", paths, 200 + len(options("import")) + len(options("detect")))
    except GcmsflowError as err:
        raise WorkflowError(f"chunk check failed: {err}")
    return chunks


# Per-run steps: chunks of consecutive sample-sheet rows, one rule `chunk_<i>` each (rules/preprocess.smk).
CHUNKS = sheet_chunks()
