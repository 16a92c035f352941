# Exports: mzTab-M 2.0 of the study and a provenance record of the run.


rule mztab:
    input:
        table="results/features/feature_table.tsv",
        abundance="results/normalized/abundance.tsv",
        annotations="results/annotation/annotations.tsv",
        samples=config["samples"],
        library=config["library"],
    output:
        "results/export/study.mztab",
    log:
        "results/logs/export/mztab.log",
    benchmark:
        "results/benchmarks/mztab.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 5), runtime=(5, 0.1)),
    shell:
        "gcmsflow mztab --table {input.table:q} --abundance {input.abundance:q} --annotations {input.annotations:q}"
        " --samples {input.samples:q} --library {input.library:q} --output {output:q} 2> {log:q}"


rule provenance:
    input:
        samples=config["samples"],
        library=config["library"],
        runs=SHEET["path"].tolist(),
    output:
        "results/provenance.json",
    log:
        "results/logs/export/provenance.log",
    benchmark:
        "results/benchmarks/provenance.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=1000, runtime=(5, 0.01)),
    params:
        config=shlex.quote(json.dumps(config, sort_keys=True)),
        command=shlex.quote(COMMAND_LINE),
    shell:
        "gcmsflow provenance --samples {input.samples:q} --library {input.library:q} --config-json {params.config}"
        " --command {params.command} --output {output:q} 2> {log:q}"


rule summary:
    input:
        provenance="results/provenance.json",
        confidence="results/annotation/confidence.tsv",
        precision="results/qc/qc_precision.tsv",
        drift="results/qc/drift.tsv",
        filters="results/qc/filters.tsv",
        blanks="results/qc/blank_filter.tsv",
        imputed="results/qc/imputed.tsv",
        ladder_qc="results/ri/ladder_qc.tsv",
        standard="results/qc/internal_standard.tsv",
        replicates="results/qc/replicates.tsv",
        separation="results/qc/pca_separation.tsv",
        stats=expand("results/stats/{contrast}.tsv", contrast=CONTRASTS),
        models=expand("results/stats/{contrast}.model.tsv", contrast=CONTRASTS),
        cubes=expand("results/import/{sample}.npz", sample=STUDY_RUNS + ALKANE_RUNS),
    output:
        report("results/summary.html", caption="../report/summary.rst", category="Methods and summary"),
    log:
        "results/logs/export/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=1000, runtime=5),
    shell:
        "gcmsflow summary --provenance {input.provenance:q} --confidence {input.confidence:q} --precision {input.precision:q} --drift {input.drift:q}"
        " --filters {input.filters:q} --blank-filter {input.blanks:q} --imputed {input.imputed:q} --stats {input.stats:q}"
        " --models {input.models:q} --ladder-qc {input.ladder_qc:q} --replicates {input.replicates:q}"
        " --separation {input.separation:q} --internal-standard {input.standard:q} --cubes {input.cubes:q}"
        " --output {output:q} 2> {log:q}"
