# Per-run steps in chunks: each rule `chunk_<i>` imports raw runs into scan cubes and detects and deconvolutes
# their components, `chunks.runs_per_job` consecutive sample-sheet rows in one process (`gcmsflow chunk`).
# Outputs stay per run, so the study-level rules read the same files; a changed run reruns its chunk only.
# CHUNKS, chunk_files and chunk_resources: rules/common.smk.


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
