# Per-run steps: import the raw file into a scan cube, then detect and deconvolute its components.


rule import_run:
    input:
        raw=raw_file,
    output:
        cube="results/import/{sample}.npz",
    log:
        "results/logs/import/{sample}.log",
    group:
        "per_run"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(500, 30), runtime=(5, 0.05)),
    params:
        options=options("import"),
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
    group:
        "per_run"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(500, 6), runtime=(5, 0.02)),
    params:
        options=options("detect"),
    shell:
        "gcmsflow detect --input {input.cube:q} --output {output.peaks:q} --msp {output.msp:q} --options {params.options} 2> {log:q}"
