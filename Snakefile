# gcmsflow: GC-EI-MS metabolomic profiling, raw runs to a tested list of changed metabolites.
import os

from snakemake.utils import min_version

min_version("9.0")


configfile: os.path.join(workflow.basedir, "config", "config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/preprocess.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/statistics.smk"
include: "workflow/rules/export.smk"
include: "workflow/rules/tracing.smk"
include: "workflow/rules/designs.smk"
include: "workflow/rules/quantification.smk"


rule all:
    default_target: True
    input:
        "results/features/feature_table.tsv",
        "results/annotation/annotations.tsv",
        "results/annotation/named.tsv",
        "results/normalized/abundance.tsv",
        "results/metabolites/metabolite_table.tsv",
        expand("results/stats/{contrast}.tsv", contrast=CONTRASTS),
        expand(
            "results/stats/metabolites/{contrast}.tsv",
            contrast=CONTRASTS if "metabolites" in config["differential"]["levels"] else [],
        ),
        rules.plots.output,
        "results/export/study.mztab",
        "results/provenance.json",
        "results/summary.html",
        TRACING_OUTPUTS,
        DESIGN_OUTPUTS,
        QUANT_OUTPUTS,
