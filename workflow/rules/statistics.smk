# Normalisation, differential tests per contrast, and the report figures.


rule normalize:
    input:
        table="results/features/feature_table.tsv",
        annotations="results/annotation/annotations.tsv",
        samples=config["samples"],
    output:
        abundance="results/normalized/abundance.tsv",
        factors="results/qc/normalization_factors.tsv",
        imputed="results/qc/imputed.tsv",
        blanks="results/qc/blank_filter.tsv",
    benchmark:
        "results/benchmarks/normalize.tsv"
    log:
        "results/logs/normalize/normalize.log",
    params:
        options=options("normalize", internal_standard=config["internal_standard"]),
    threads: 1
    resources:
        mem_mb=scaled_by_input(1000, 20),
        runtime=scaled_by_input(5, 0.1),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow normalize --table {input.table:q} --annotations {input.annotations:q} --samples {input.samples:q}"
        " --output {output.abundance:q} --factors {output.factors:q} --imputed {output.imputed:q}"
        " --blank-filter {output.blanks:q} --options {params.options} 2> {log:q}"


rule differential:
    input:
        abundance="results/normalized/abundance.tsv",
        annotations="results/annotation/annotations.tsv",
        samples=config["samples"],
    output:
        stats=report(
            "results/stats/{contrast}.tsv",
            caption="../report/stats.rst",
            category="Differential abundance",
            labels={"contrast": "{contrast}"},
        ),
    benchmark:
        "results/benchmarks/differential_{contrast}.tsv"
    log:
        "results/logs/differential/{contrast}.log",
    params:
        case=lambda wc: CONTRASTS[wc.contrast]["case"],
        control=lambda wc: CONTRASTS[wc.contrast]["control"],
        test=config["differential"]["test"],
    threads: 1
    resources:
        mem_mb=scaled_by_input(1000, 20),
        runtime=scaled_by_input(5, 0.1),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow differential --abundance {input.abundance:q} --annotations {input.annotations:q} --samples {input.samples:q}"
        " --case {params.case:q} --control {params.control:q} --test {params.test} --output {output.stats:q} 2> {log:q}"


rule plots:
    input:
        samples=config["samples"],
        calibration="results/ri/calibration.tsv",
        abundance="results/normalized/abundance.tsv",
        annotations="results/annotation/annotations.tsv",
        stats=expand("results/stats/{contrast}.tsv", contrast=CONTRASTS),
        cubes=expand("results/import/{sample}.npz", sample=STUDY_RUNS),
    output:
        tic=report("results/plots/tic_overlay.png", caption="../report/tic_overlay.rst", category="Quality control"),
        ladder=report("results/plots/ri_ladder.png", caption="../report/ri_ladder.rst", category="Retention index"),
        pca=report("results/plots/pca_scores.png", caption="../report/pca.rst", category="Quality control"),
        volcano=report(
            expand("results/plots/volcano_{contrast}.png", contrast=CONTRASTS),
            caption="../report/volcano.rst",
            category="Differential abundance",
        ),
        highlights=report(
            "results/plots/highlights.png", caption="../report/highlights.rst", category="Differential abundance"
        ),
    benchmark:
        "results/benchmarks/plots.tsv"
    log:
        "results/logs/plots/plots.log",
    params:
        highlight=" ".join(shlex.quote(h) for h in config["plots"]["highlight"]),
    threads: 1
    resources:
        mem_mb=scaled_by_input(1000, 2),
        runtime=scaled_by_input(10, 0.1),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow plots --samples {input.samples:q} --calibration {input.calibration:q} --abundance {input.abundance:q}"
        " --annotations {input.annotations:q} --stats {input.stats:q} --cubes {input.cubes:q}"
        " --highlight {params.highlight} --outdir results/plots 2> {log:q}"
