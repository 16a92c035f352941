# Per-run steps: import the raw file into a scan cube, then detect and deconvolute its components.


rule import_run:
    input:
        raw=raw_file,
    output:
        cube="results/import/{sample}.npz",
    log:
        "results/logs/import/{sample}.log",
    params:
        options=options("import"),
    group:
        "per_run"
    threads: 1
    resources:
        mem_mb=scaled_by_input(500, 30),
        runtime=scaled_by_input(5, 0.05),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow import --input {input.raw:q} --output {output.cube:q} --options {params.options} 2> {log:q}"


rule detect:
    input:
        cube="results/import/{sample}.npz",
    output:
        peaks="results/peaks/{sample}.tsv",
        msp="results/peaks/{sample}.msp",
    log:
        "results/logs/detect/{sample}.log",
    params:
        options=options("detect"),
    group:
        "per_run"
    threads: 1
    resources:
        mem_mb=scaled_by_input(500, 6),
        runtime=scaled_by_input(5, 0.02),
        **CLUSTER,
    conda:
        "../../envs/gcmsflow.yaml"
    shell:
        "gcmsflow detect --input {input.cube:q} --output {output.peaks:q} --msp {output.msp:q} --options {params.options} 2> {log:q}"
