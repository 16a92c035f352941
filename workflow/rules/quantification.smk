# Absolute quantification (when `quantification.standards` is set): calibration curves from the calibrant runs,
# labelled internal standards read on their shifted ions, concentrations with flags, per biomass, medium, group tests.


rule quantify:
    input:
        samples=config["samples"],
        standards=config["quantification"]["standards"] or [],
        table="results/features/feature_table.tsv",
        members="results/features/members.tsv",
        annotations="results/annotation/annotations.tsv",
        hits="results/annotation/hits.tsv",
        cubes=expand("results/import/{sample}.npz", sample=QUANT_RUNS),
    output:
        calibration=report(
            "results/quant/calibration.tsv", caption="../report/calibration.rst", category="Quantification"
        ),
        levels="results/quant/calibration_levels.tsv",
        concentrations=report(
            "results/quant/concentrations.tsv", caption="../report/concentrations.rst", category="Quantification"
        ),
        biomass="results/quant/concentrations_per_biomass.tsv",
        consumption="results/quant/medium_consumption.tsv",
        tests="results/quant/group_tests.tsv",
        responses="results/quant/responses.tsv",
    log:
        "results/logs/quant/quantify.log",
    benchmark:
        "results/benchmarks/quantify.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=(1000, 0.1), runtime=(10, 0.01)),
    params:
        options=options("quantification"),
        contrasts=shlex.quote(json.dumps(config["contrasts"], sort_keys=True)),
    shell:
        "gcmsflow quantify --samples {input.samples:q} --table {input.table:q} --members {input.members:q}"
        " --annotations {input.annotations:q} --hits {input.hits:q} --cubes {input.cubes:q} --calibration {output.calibration:q}"
        " --levels {output.levels:q} --concentrations {output.concentrations:q} --biomass {output.biomass:q}"
        " --consumption {output.consumption:q} --tests {output.tests:q} --responses {output.responses:q}"
        " --contrasts {params.contrasts} --options {params.options} 2> {log:q}"


rule quant_plots:
    input:
        samples=config["samples"],
        calibration="results/quant/calibration.tsv",
        levels="results/quant/calibration_levels.tsv",
        concentrations="results/quant/concentrations.tsv",
        biomass="results/quant/concentrations_per_biomass.tsv",
    output:
        curves=report(
            "results/plots/calibration.png", caption="../report/calibration_plot.rst", category="Quantification"
        ),
        boxes=report(
            "results/plots/concentrations.png", caption="../report/concentration_plot.rst", category="Quantification"
        ),
    log:
        "results/logs/quant/plots.log",
    benchmark:
        "results/benchmarks/quant_plots.tsv"
    conda:
        "../../envs/gcmsflow.yaml"
    resources:
        **job_resources(mem_mb=1000, runtime=5),
    shell:
        "gcmsflow quant-plots --samples {input.samples:q} --calibration {input.calibration:q} --levels {input.levels:q}"
        " --concentrations {input.concentrations:q} --biomass {input.biomass:q} --curves {output.curves:q} --boxes {output.boxes:q} 2> {log:q}"
