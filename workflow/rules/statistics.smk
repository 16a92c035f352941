# Normalisation, differential tests per contrast, and the report figures.


rule normalize:
    input:
        table="results/features/feature_table.tsv",
        annotations="results/annotation/annotations.tsv",
        samples=config["samples"],
    output:
        abundance="results/normalized/abundance.tsv",
        drift_corrected="results/normalized/drift_corrected.tsv",
        factors="results/qc/normalization_factors.tsv",
        imputed="results/qc/imputed.tsv",
        blanks="results/qc/blank_filter.tsv",
        drift="results/qc/drift.tsv",
        filters="results/qc/filters.tsv",
        precision=report(
            "results/qc/qc_precision.tsv", caption="../report/qc_precision.rst", category="Quality control"
        ),
    log:
        "results/logs/normalize/normalize.log",
    benchmark:
        "results/benchmarks/normalize.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 20), runtime=(5, 0.1)),
    params:
        options=options("normalize", internal_standard=config["internal_standard"]),
        drift=options("drift"),
        filters=options("filters"),
    shell:
        "gcmsflow normalize --table {input.table:q} --annotations {input.annotations:q} --samples {input.samples:q}"
        " --output {output.abundance:q} --drift-corrected {output.drift_corrected:q} --factors {output.factors:q}"
        " --imputed {output.imputed:q} --blank-filter {output.blanks:q} --drift {output.drift:q} --filters {output.filters:q}"
        " --precision {output.precision:q} --options {params.options} --drift-options {params.drift}"
        " --filter-options {params.filters} 2> {log:q}"


rule metabolites:
    input:
        annotations="results/annotation/annotations.tsv",
        abundance="results/normalized/abundance.tsv",
    output:
        table=report(
            "results/metabolites/metabolite_table.tsv", caption="../report/metabolites.rst", category="Annotation"
        ),
        abundance="results/metabolites/abundance.tsv",
    log:
        "results/logs/metabolites/metabolites.log",
    benchmark:
        "results/benchmarks/metabolites.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 20), runtime=(5, 0.1)),
    shell:
        "gcmsflow metabolites --annotations {input.annotations:q} --abundance {input.abundance:q}"
        " --output {output.table:q} --abundance-output {output.abundance:q} 2> {log:q}"


rule replicates:
    input:
        aligned="results/features/aligned.tsv",
        abundance="results/normalized/abundance.tsv",
        samples=config["samples"],
    output:
        table=report("results/qc/replicates.tsv", caption="../report/replicates.rst", category="Quality control"),
        separation="results/qc/pca_separation.tsv",
    log:
        "results/logs/replicates/replicates.log",
    benchmark:
        "results/benchmarks/replicates.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 20), runtime=(5, 0.1)),
    shell:
        "gcmsflow replicates --aligned {input.aligned:q} --abundance {input.abundance:q} --samples {input.samples:q}"
        " --output {output.table:q} --separation {output.separation:q} 2> {log:q}"


rule differential:
    input:
        abundance="results/normalized/abundance.tsv",
        annotations="results/annotation/annotations.tsv",
        samples=config["samples"],
        drift="results/qc/drift.tsv",
    output:
        model=report(
            "results/stats/{contrast}.model.tsv",
            caption="../report/model.rst",
            category="Differential abundance",
            labels={"contrast": "{contrast} model"},
        ),
        stats=report(
            "results/stats/{contrast}.tsv",
            caption="../report/stats.rst",
            category="Differential abundance",
            labels={"contrast": "{contrast}"},
        ),
    log:
        "results/logs/differential/{contrast}.log",
    benchmark:
        "results/benchmarks/differential_{contrast}.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 20), runtime=(5, 0.1)),
    params:
        **contrast_params("features"),
    shell:
        "gcmsflow differential --abundance {input.abundance:q} --annotations {input.annotations:q} --samples {input.samples:q}"
        " --drift {input.drift:q} --contrast {wildcards.contrast} --case {params.case:q} --control {params.control:q}"
        " --test {params.test} --covariates {params.covariates} --level {params.level} --output {output.stats:q}"
        " --model {output.model:q} 2> {log:q}"


# The same test on metabolites (forms summed), when `differential.levels` lists them.
use rule differential as differential_metabolites with:
    input:
        abundance="results/metabolites/abundance.tsv",
        annotations="results/metabolites/metabolite_table.tsv",
        samples=config["samples"],
        drift="results/qc/drift.tsv",
    output:
        model="results/stats/metabolites/{contrast}.model.tsv",
        stats=report(
            "results/stats/metabolites/{contrast}.tsv",
            caption="../report/stats.rst",
            category="Differential abundance",
            labels={"contrast": "{contrast} metabolites"},
        ),
    log:
        "results/logs/differential/metabolites_{contrast}.log",
    benchmark:
        "results/benchmarks/differential_metabolites_{contrast}.tsv"
    params:
        **contrast_params("metabolites"),


rule plots:
    input:
        samples=config["samples"],
        ladder_qc="results/ri/ladder_qc.tsv",
        corrections="results/qc/retention_correction.tsv",
        table="results/features/feature_table.tsv",
        drift_corrected="results/normalized/drift_corrected.tsv",
        abundance="results/normalized/abundance.tsv",
        annotations="results/annotation/annotations.tsv",
        stats=expand("results/stats/{contrast}.tsv", contrast=CONTRASTS),
        cubes=expand("results/import/{sample}.npz", sample=STUDY_RUNS),
    output:
        tic=report("results/plots/tic_overlay.png", caption="../report/tic_overlay.rst", category="Quality control"),
        ladder=report("results/plots/ri_ladder.png", caption="../report/ri_ladder.rst", category="Retention index"),
        warp=report(
            "results/plots/retention_correction.png",
            caption="../report/retention_correction_plot.rst",
            category="Retention index",
        ),
        drift=report("results/plots/qc_drift.png", caption="../report/qc_drift.rst", category="Quality control"),
        pca=report("results/plots/pca_scores.png", caption="../report/pca.rst", category="Quality control"),
        volcano=report(
            expand("results/plots/volcano_{contrast}.png", contrast=CONTRASTS),
            caption="../report/volcano.rst",
            category="Differential abundance",
        ),
        heatmap=report(
            expand("results/plots/heatmap_{contrast}.png", contrast=CONTRASTS),
            caption="../report/heatmap.rst",
            category="Differential abundance",
        ),
        highlights=report(
            "results/plots/highlights.png", caption="../report/highlights.rst", category="Differential abundance"
        ),
        svg=expand(
            "results/plots/{figure}.svg",
            figure=["tic_overlay", "ri_ladder", "retention_correction", "qc_drift", "pca_scores", "highlights"]
            + [f"{kind}_{contrast}" for kind in ("volcano", "heatmap") for contrast in CONTRASTS],
        ),
    log:
        "results/logs/plots/plots.log",
    benchmark:
        "results/benchmarks/plots.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 2), runtime=(10, 0.1)),
    params:
        highlight=" ".join(shlex.quote(h) for h in config["plots"]["highlight"]),
    shell:
        "gcmsflow plots --samples {input.samples:q} --ladder-qc {input.ladder_qc:q} --corrections {input.corrections:q} --table {input.table:q}"
        " --drift-corrected {input.drift_corrected:q} --abundance {input.abundance:q}"
        " --annotations {input.annotations:q} --stats {input.stats:q} --cubes {input.cubes:q}"
        " --highlight {params.highlight} --outdir results/plots 2> {log:q}"
