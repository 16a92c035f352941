# Per-run steps in chunks: each rule `chunk_<i>` imports raw runs into scan cubes and detects and deconvolutes
# their components, `chunks.runs_per_job` consecutive sample-sheet rows in one process (`gcmsflow chunk`).
# Outputs stay per run, so the study-level rules read the same files; a changed run reruns its chunk only.
from gcmsflow.core.chunks import check_command, split_runs  # noqa: E402

# Runs some rule reads: study and ladder runs, and calibrants and medium blanks when quantification is on.
_PER_RUN = {*STUDY_RUNS, *ALKANE_RUNS, *(QUANT_RUNS if QUANT_OUTPUTS else [])}


def chunk_files(runs):
    """A chunk's outputs, per run: scan cubes, component tables and spectra."""
    return {
        "cubes": [f"results/import/{run}.npz" for run in runs],
        "peaks": [f"results/peaks/{run}.tsv" for run in runs],
        "msp": [f"results/peaks/{run}.msp" for run in runs],
    }


try:
    CHUNKS = split_runs([run for run in SHEET.index if run in _PER_RUN], config["chunks"]["runs_per_job"])
    for _i, _runs in enumerate(CHUNKS):
        _paths = [SHEET.loc[run, "path"] for run in _runs] + sum(chunk_files(_runs).values(), [])
        check_command(f"chunk_{_i}", _paths, 200 + len(options("import")) + len(options("detect")))
except GcmsflowError as err:
    raise WorkflowError(f"chunk check failed: {err}")


def chunk_resources():
    """A chunk's memory (MB) and runtime (minutes): runs are processed one after the other, so memory
    follows the largest raw file and runtime the chunk's total input; both double on each retry."""

    def mem_mb(wildcards, input, attempt):
        return int((500 + 30 * max(input.size_files_mb, default=0)) * 2 ** (attempt - 1))

    def runtime(wildcards, input, attempt):
        return int((5 + 0.07 * input.size_mb) * 2 ** (attempt - 1))

    return {"mem_mb": mem_mb, "runtime": runtime, **CLUSTER}


for _i, _runs in enumerate(CHUNKS):

    rule:
        name:
            f"chunk_{_i}"
        input:
            raws=[SHEET.loc[run, "path"] for run in _runs],
        output:
            **chunk_files(_runs),
        log:
            f"results/logs/chunks/chunk_{_i}.log",
        benchmark:
            f"results/benchmarks/chunk_{_i}.tsv"
        conda:
            "../../envs/gcmsflow.yaml"
        resources:
            **chunk_resources(),
        params:
            import_options=options("import"),
            detect_options=options("detect"),
        shell:
            "gcmsflow chunk --inputs {input.raws:q} --cubes {output.cubes:q} --peaks {output.peaks:q} --msp {output.msp:q}"
            " --import-options {params.import_options} --detect-options {params.detect_options} 2> {log:q}"
