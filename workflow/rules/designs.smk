# Study designs (config `designs:`): one fitting rule and one figure rule per design, limma-style
# moderated t per contrast and moderated F per F-test (`gcmsflow design`, `gcmsflow design-plots`).
DESIGN_OUTPUTS = []

for _design in config["designs"]:
    _name = _design["name"]
    _stats = expand("results/stats/designs/{design}/{contrast}.tsv", design=_name, contrast=list(_design["contrasts"]))
    _ftests = expand(
        "results/stats/designs/{design}/ftest_{ftest}.tsv", design=_name, ftest=list(_design.get("ftests", {}))
    )
    _plots = f"results/plots/designs/{_name}"

    rule:
        name:
            f"design_{_name}"
        input:
            abundance="results/normalized/abundance.tsv",
            annotations="results/annotation/annotations.tsv",
            samples=config["samples"],
        output:
            stats=report(_stats, caption="../report/design_stats.rst", category="Designs", subcategory=_name),
            ftests=report(_ftests, caption="../report/design_ftest.rst", category="Designs", subcategory=_name),
            matrix=f"results/stats/designs/{_name}/design_matrix.tsv",
            model=report(
                f"results/stats/designs/{_name}/model.tsv",
                caption="../report/design_model.rst",
                category="Designs",
                subcategory=_name,
            ),
        log:
            f"results/logs/designs/{_name}.log",
        benchmark:
            f"results/benchmarks/design_{_name}.tsv"
        conda:
            "../../envs/gcmsflow.yaml"
        resources:
            **job_resources(mem_mb=(1000, 20), runtime=(5, 0.1)),
        params:
            design=shlex.quote(json.dumps(_design, sort_keys=True)),
            outdir=lambda wildcards, output: os.path.dirname(output.model),
        shell:
            "gcmsflow design --abundance {input.abundance:q} --annotations {input.annotations:q} --samples {input.samples:q}"
            " --outdir {params.outdir:q} --design {params.design} 2> {log:q}"

    rule:
        name:
            f"design_plots_{_name}"
        input:
            samples=config["samples"],
            abundance="results/normalized/abundance.tsv",
            annotations="results/annotation/annotations.tsv",
            matrix=f"results/stats/designs/{_name}/design_matrix.tsv",
            stats=_stats,
            ftests=_ftests,
        output:
            matrix=report(
                f"{_plots}/design_matrix.png",
                caption="../report/design_matrix.rst",
                category="Designs",
                subcategory=_name,
            ),
            volcano=report(
                expand("{plots}/volcano_{contrast}.png", plots=_plots, contrast=list(_design["contrasts"])),
                caption="../report/volcano.rst",
                category="Designs",
                subcategory=_name,
            ),
            trends=report(
                f"{_plots}/trends.png", caption="../report/design_trends.rst", category="Designs", subcategory=_name
            ),
        log:
            f"results/logs/designs/{_name}_plots.log",
        benchmark:
            f"results/benchmarks/design_plots_{_name}.tsv"
        conda:
            "../../envs/gcmsflow.yaml"
        resources:
            **job_resources(mem_mb=(1000, 2), runtime=(5, 0.1)),
        params:
            design=shlex.quote(json.dumps(_design, sort_keys=True)),
            highlight=" ".join(shlex.quote(h) for h in config["plots"]["highlight"]),
            outdir=lambda wildcards, output: os.path.dirname(output.trends),
        shell:
            "gcmsflow design-plots --samples {input.samples:q} --abundance {input.abundance:q} --annotations {input.annotations:q}"
            " --matrix {input.matrix:q} --stats {input.stats:q} --ftests {input.ftests:q} --highlight {params.highlight}"
            " --outdir {params.outdir:q} --design {params.design} 2> {log:q}"

    DESIGN_OUTPUTS += [*_stats, *_ftests, f"{_plots}/trends.png", f"{_plots}/design_matrix.png"]
