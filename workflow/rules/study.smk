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
    log:
        "results/logs/ri/calibration.log",
    benchmark:
        "results/benchmarks/ri_calibrate.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(500, 50), runtime=(5, 0.5)),
    params:
        options=options("ri"),
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
        corrections=report(
            "results/qc/retention_correction.tsv",
            caption="../report/retention_correction.rst",
            category="Quality control",
        ),
    log:
        "results/logs/align/align.log",
    benchmark:
        "results/benchmarks/align.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 20), runtime=(10, 0.2)),
    params:
        options=options("align"),
    shell:
        "gcmsflow align --samples {input.samples:q} --calibration {input.calibration:q} --peaks {input.peaks:q}"
        " --output {output.table:q} --members {output.members:q} --msp {output.msp:q} --corrections {output.corrections:q}"
        " --options {params.options} 2> {log:q}"


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
    log:
        "results/logs/gapfill/gapfill.log",
    benchmark:
        "results/benchmarks/gapfill.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 0.1), runtime=(10, 0.01)),
    params:
        options=options("detect"),
    shell:
        "gcmsflow gapfill --table {input.table:q} --members {input.members:q} --cubes {input.cubes:q}"
        " --output {output.table:q} --filled {output.filled:q} --options {params.options} 2> {log:q}"


rule prepare_library:
    input:
        library=config["library"],
    output:
        "results/library/prepared.npz",
    log:
        "results/logs/annotate/prepare_library.log",
    benchmark:
        "results/benchmarks/prepare_library.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(2000, 20), runtime=(10, 0.05)),
    params:
        options=options("annotate", only=KEY_SETTINGS),
    shell:
        "gcmsflow prepare-library --library {input.library:q} --output {output:q} --options {params.options} 2> {log:q}"


rule annotate:
    input:
        features="results/features/features.msp",
        library=config["library"],
        prepared="results/library/prepared.npz",
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
    log:
        "results/logs/annotate/annotate.log",
    benchmark:
        "results/benchmarks/annotate.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(2000, 20), runtime=(10, 0.05)),
    params:
        options=options("annotate"),
        standard=config["internal_standard"] or "",
    shell:
        "gcmsflow annotate --features {input.features:q} --library {input.library:q}"
        " --output {output.annotations:q} --hits {output.hits:q} --confidence {output.confidence:q}"
        " --named {output.named:q} --internal-standard={params.standard:q} --standard-qc {output.standard:q}"
        " --prepared {input.prepared:q} --options {params.options} 2> {log:q}"
