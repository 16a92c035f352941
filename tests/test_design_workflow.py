"""A demo variant with a second factor (siRNA genotype) and paired passages, run through the workflow to the design outputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import snakemake

pytestmark = pytest.mark.e2e

DESIGNS = [
    {
        "name": "genotype_by_asn",
        "formula": "~ genotype * group",
        "levels": {"genotype": ["scr", "ASNS_KD"], "group": ["control", "asn_deprived"]},
        "contrasts": {
            "deprived_in_scr": "group[T.asn_deprived]",
            "interaction": "genotype[T.ASNS_KD]:group[T.asn_deprived]",
            "deprived_in_kd": "{genotype: ASNS_KD, group: asn_deprived} - {genotype: ASNS_KD, group: control}",
        },
        "ftests": {"any_effect": ["genotype[T.ASNS_KD]", "group[T.asn_deprived]", "interaction"]},
        "robust": True,
    },
    {"name": "paired", "formula": "~ group", "reference": {"group": "control"}, "contrasts": {"deprived": "group[T.asn_deprived]"}, "block": "passage"},
]


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The simulated study with columns genotype (alternating within each group) and passage (one sample of each group per passage)."""
    from gcmsflow.demo.simulate import Design, simulate_study

    out = tmp_path_factory.mktemp("variant")
    simulate_study(out, Design(per_group=4, qc_every=2))
    sheet = pd.read_csv(out / "samples.tsv", sep="\t", dtype=str)
    study = sheet["type"] == "sample"
    rank = sheet[study].groupby("group").cumcount()
    sheet["genotype"], sheet["passage"] = "", ""
    sheet.loc[study, "genotype"] = ["scr" if r % 2 == 0 else "ASNS_KD" for r in rank]
    sheet.loc[study, "passage"] = [f"p{r + 1}" for r in rank]
    sheet.to_csv(out / "samples_factor.tsv", sep="\t", index=False)
    config = out / "designs.yaml"
    config.write_text(yaml.safe_dump({"designs": DESIGNS}, sort_keys=False))
    return out, ["--configfile", str(config), "--config", f"samples={out / 'samples_factor.tsv'}", f"library={out / 'library.msp'}"]


def test_design_outputs(variant: tuple[Path, list[str]], tmp_path: Path) -> None:
    targets = [f"results/plots/designs/{d['name']}/trends.png" for d in DESIGNS] + ["results/stats/designs/genotype_by_asn/ftest_any_effect.tsv"]
    result = snakemake(tmp_path, *targets, *variant[1])
    assert result.returncode == 0, result.stderr[-3000:]
    designs = tmp_path / "results" / "stats" / "designs"
    reference = pd.read_csv(designs / "genotype_by_asn" / "interaction.tsv", sep="\t")
    assert reference.columns.tolist() == ["feature_id", "name", "log2fc", "ci_low", "ci_high", "pvalue", "qvalue", "test", "n_case", "n_control"]
    assert (reference["test"] == "moderated_t_robust").all() and reference["pvalue"].notna().sum() > 20
    ftest = pd.read_csv(designs / "genotype_by_asn" / "ftest_any_effect.tsv", sep="\t")
    assert ftest.columns.tolist() == ["feature_id", "name", "F", "df1", "df2", "pvalue", "qvalue"] and (ftest["df1"] == 3).all()
    paired = pd.read_csv(designs / "paired" / "deprived.tsv", sep="\t", keep_default_na=False, na_values=[""])
    asparagine = paired[paired["name"].str.lower().str.contains("asparagine")]
    assert len(asparagine) == 1 and asparagine["log2fc"].item() <= -1.5 and asparagine["qvalue"].item() < 0.05
    model = pd.read_csv(designs / "paired" / "model.tsv", sep="\t")
    assert model["block"].item() == "passage" and -1 < model["consensus_correlation"].item() < 1
    plots = tmp_path / "results" / "plots" / "designs" / "genotype_by_asn"
    for name in ("design_matrix", "volcano_interaction", "trends"):
        assert (plots / f"{name}.png").stat().st_size > 5000


def test_design_naming_a_missing_column_stops_before_any_job(variant: tuple[Path, list[str]], tmp_path: Path) -> None:
    out, args = variant
    bad = out / "bad_designs.yaml"
    bad.write_text(yaml.safe_dump({"designs": [{**DESIGNS[0], "formula": "~ strain * group"}]}))
    result = snakemake(tmp_path, "--configfile", str(bad), *args[2:])
    assert result.returncode != 0
    assert "design 'genotype_by_asn': formula names column 'strain', which is not in the sample sheet" in result.stderr
    assert not (tmp_path / "results").exists()
