"""One source of defaults: config/config.yaml, the config schema's ``default:`` and the settings dataclasses agree, key by key."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml
from conftest import REPO
from gcmsflow.report.settings import BLOCKS, StudySettings

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
SCHEMA = yaml.safe_load((REPO / "config" / "schemas" / "config.schema.yaml").read_text())
# blocks only the Snakefile reads (no stage takes them as settings): checked against the schema only
WORKFLOW_ONLY = {"cluster", "plots"}


def comparable(value: Any) -> Any:
    """Lists as tuples (YAML lists, dataclass tuples), dict values likewise."""
    if isinstance(value, list | tuple):
        return tuple(comparable(v) for v in value)
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    return value


def dataclass_defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory() for f in dataclasses.fields(cls)}


def test_every_block_is_a_dataclass_or_workflow_only() -> None:
    blocks = {key for key, value in CONFIG.items() if isinstance(value, dict)}
    assert blocks == set(BLOCKS) | WORKFLOW_ONLY


@pytest.mark.parametrize("key", sorted(CONFIG))
def test_config_and_schema_agree(key: str) -> None:
    schema = SCHEMA["properties"]
    assert set(CONFIG) == set(schema), "config.yaml and the schema list different top-level keys"
    if isinstance(CONFIG[key], dict):
        properties = schema[key]["properties"]
        assert set(CONFIG[key]) == set(properties), f"{key}: keys differ between config.yaml and the schema"
        for name, value in CONFIG[key].items():
            assert "default" in properties[name], f"{key}.{name}: no default in the schema"
            assert comparable(properties[name]["default"]) == comparable(value), f"{key}.{name}"
    else:
        assert comparable(schema[key].get("default")) == comparable(CONFIG[key]), key


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_config_and_dataclass_agree(block: str) -> None:
    defaults = dataclass_defaults(BLOCKS[block])
    config = dict(CONFIG[block])
    if block == "normalize":  # the internal standard is a top-level key, passed into the normalize block by its rule
        config["internal_standard"] = CONFIG["internal_standard"]
    assert set(config) == set(defaults), f"{block}: keys differ between config.yaml and {BLOCKS[block].__name__}"
    for name, value in config.items():
        assert comparable(defaults[name]) == comparable(value), f"{block}.{name}: config.yaml {value!r}, {BLOCKS[block].__name__} {defaults[name]!r}"


def test_settings_from_the_shipped_config_are_the_defaults() -> None:
    settings = StudySettings.from_config(CONFIG)
    assert settings.chunks == BLOCKS["chunks"]() and settings.import_ == BLOCKS["import"]() and settings.ri == BLOCKS["ri"]() and settings.normalize == BLOCKS["normalize"]()
    assert settings.differential.levels == ("features", "metabolites") and settings.library == CONFIG["library"]


def test_unknown_setting_is_refused() -> None:
    from gcmsflow.core.errors import GcmsflowError

    with pytest.raises(GcmsflowError, match=r"config: detect.*unknown setting\(s\) min_snr"):
        StudySettings.from_config({"detect": {"min_snr": 3}})
