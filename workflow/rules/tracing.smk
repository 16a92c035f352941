# Stable-isotope tracing (when `tracing.tracer` is set): isotopologue clusters of known fragments from the raw
# ion traces of every study run, corrected by IsoCor; enrichment tested per contrast like abundances.


rule trace:
    input:
        samples=config["samples"],
        table="results/features/feature_table.tsv",
        members="results/features/members.tsv",
        annotations="results/annotation/annotations.tsv",
        features="results/features/features.msp",
        cubes=expand("results/import/{sample}.npz", sample=STUDY_RUNS),
    output:
        isotopologues=report(
            "results/tracing/isotopologues.tsv", caption="../report/isotopologues.rst", category="Tracing"
        ),
        enrichment=report("results/tracing/enrichment.tsv", caption="../report/enrichment.rst", category="Tracing"),
        matrix="results/tracing/enrichment_matrix.tsv",
        fragments="results/tracing/fragments.tsv",
    log:
        "results/logs/tracing/trace.log",
    benchmark:
        "results/benchmarks/trace.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 0.1), runtime=(10, 0.01)),
    params:
        options=options("tracing"),
    shell:
        "gcmsflow trace --samples {input.samples:q} --table {input.table:q} --members {input.members:q}"
        " --annotations {input.annotations:q} --features {input.features:q} --cubes {input.cubes:q}"
        " --isotopologues {output.isotopologues:q} --enrichment {output.enrichment:q} --matrix {output.matrix:q}"
        " --fragments {output.fragments:q} --options {params.options} 2> {log:q}"


use rule differential as trace_differential with:
    input:
        abundance="results/tracing/enrichment_matrix.tsv",
        annotations="results/tracing/fragments.tsv",
        samples=config["samples"],
        drift="results/qc/drift.tsv",
    output:
        model="results/tracing/stats/{contrast}.model.tsv",
        stats=report(
            "results/tracing/stats/{contrast}.tsv",
            caption="../report/stats.rst",
            category="Tracing",
            labels={"contrast": "{contrast} fractional enrichment"},
        ),
    log:
        "results/logs/tracing/differential_{contrast}.log",
    benchmark:
        "results/benchmarks/trace_differential_{contrast}.tsv"
    params:
        **contrast_params("fragments"),


rule trace_plots:
    input:
        samples=config["samples"],
        isotopologues="results/tracing/isotopologues.tsv",
    output:
        report("results/plots/isotopologues.png", caption="../report/isotopologue_plot.rst", category="Tracing"),
    log:
        "results/logs/tracing/plots.log",
    benchmark:
        "results/benchmarks/trace_plots.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=1000, runtime=5),
    shell:
        "gcmsflow trace-plots --samples {input.samples:q} --isotopologues {input.isotopologues:q} --output {output:q} 2> {log:q}"
