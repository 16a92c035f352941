# Study-level steps: RI calibration, alignment, gap filling and library matching.


rule ri_calibrate:
    input:
        samples=config["samples"],
        peaks=expand("results/peaks/{sample}.tsv", sample=ALKANE_RUNS),
        rt_table=config["ri"].get("rt_table") or [],
    output:
        calibration=report(
            "results/ri/calibration.tsv",
            caption="../report/ri_calibration.rst",
            category="Retention index",
        ),
        qc=report(
            "results/ri/ladder_qc.tsv",
            caption="../report/ladder_qc.rst",
            category="Retention index",
        ),
    benchmark:
        "results/benchmarks/ri_calibrate.tsv"
    log:
        "results/logs/ri/calibration.log",
    params:
        options=options("ri"),
    threads: 1
    resources:
        mem_mb=scaled_by_input(500, 50),
        runtime=scaled_by_input(5, 0.5),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow ri --samples {input.samples:q} --peaks {input.peaks:q} --output {output.calibration:q} --qc {output.qc:q}"
        " --options {params.options} 2> {log:q}"


rule align:
    input:
        samples=config["samples"],
        calibration="results/ri/calibration.tsv",
        peaks=expand("results/peaks/{sample}.tsv", sample=STUDY_RUNS),
    output:
        table="results/features/aligned.tsv",
        members="results/features/members.tsv",
        msp="results/features/features.msp",
    benchmark:
        "results/benchmarks/align.tsv"
    log:
        "results/logs/align/align.log",
    params:
        options=options("align"),
    threads: 1
    resources:
        mem_mb=scaled_by_input(1000, 20),
        runtime=scaled_by_input(10, 0.2),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow align --samples {input.samples:q} --calibration {input.calibration:q} --peaks {input.peaks:q}"
        " --output {output.table:q} --members {output.members:q} --msp {output.msp:q} --options {params.options} 2> {log:q}"


rule gapfill:
    input:
        table="results/features/aligned.tsv",
        members="results/features/members.tsv",
        cubes=expand("results/import/{sample}.npz", sample=STUDY_RUNS),
    output:
        table=report(
            "results/features/feature_table.tsv",
            caption="../report/feature_table.rst",
            category="Features",
        ),
        filled="results/features/filled.tsv",
    benchmark:
        "results/benchmarks/gapfill.tsv"
    log:
        "results/logs/gapfill/gapfill.log",
    params:
        options=options("detect"),
    threads: 1
    resources:
        mem_mb=scaled_by_input(1000, 0.1),
        runtime=scaled_by_input(10, 0.01),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow gapfill --table {input.table:q} --members {input.members:q} --cubes {input.cubes:q}"
        " --output {output.table:q} --filled {output.filled:q} --options {params.options} 2> {log:q}"


rule annotate:
    input:
        features="results/features/features.msp",
        library=config["library"],
    output:
        annotations=report(
            "results/annotation/annotations.tsv",
            caption="../report/annotations.rst",
            category="Annotation",
        ),
        hits="results/annotation/hits.tsv",
        confidence="results/annotation/confidence.tsv",
        named=report("results/annotation/named.tsv", caption="../report/named.rst", category="Annotation"),
        standard="results/qc/internal_standard.tsv",
    benchmark:
        "results/benchmarks/annotate.tsv"
    log:
        "results/logs/annotate/annotate.log",
    params:
        options=options("annotate"),
        standard=config["internal_standard"] or "",
    threads: 1
    resources:
        mem_mb=scaled_by_input(2000, 20),
        runtime=scaled_by_input(10, 0.05),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow annotate --features {input.features:q} --library {input.library:q}"
        " --output {output.annotations:q} --hits {output.hits:q} --confidence {output.confidence:q}"
        " --named {output.named:q} --internal-standard {params.standard:q} --standard-qc {output.standard:q}"
        " --options {params.options} 2> {log:q}"
