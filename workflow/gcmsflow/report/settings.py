"""The study's settings, typed: each config block as the settings dataclass of the stage that reads it.

The dataclasses are the source of the defaults; ``config/config.yaml`` and the config schema repeat
them for users (tests/test_config_defaults.py fails when the three disagree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.chunks import ChunkParams
from ..core.config import settings_from_mapping
from ..identify.params import MatchParams
from ..io.importer import ImportParams
from ..quantify.standards import QuantParams
from ..signal.align import AlignParams
from ..signal.detect import DetectParams
from ..signal.ri import RiParams
from ..stats.contrasts import DifferentialParams
from ..stats.drift import DriftParams
from ..stats.filters import FilterParams
from ..stats.normalize import NormalizeParams
from ..tracing.fragments import TracingParams

# config block -> the settings dataclass it fills (``normalize`` also takes the top-level ``internal_standard``)
BLOCKS: dict[str, type] = {
    "chunks": ChunkParams,
    "import": ImportParams,
    "detect": DetectParams,
    "ri": RiParams,
    "align": AlignParams,
    "annotate": MatchParams,
    "normalize": NormalizeParams,
    "drift": DriftParams,
    "filters": FilterParams,
    "differential": DifferentialParams,
    "tracing": TracingParams,
    "quantification": QuantParams,
}


@dataclass(frozen=True)
class StudySettings:
    """A run's config (as recorded in provenance.json) as typed settings, built once by :meth:`from_config`."""

    library: str
    chunks: ChunkParams
    import_: ImportParams
    detect: DetectParams
    ri: RiParams
    align: AlignParams
    annotate: MatchParams
    normalize: NormalizeParams
    drift: DriftParams
    filters: FilterParams
    differential: DifferentialParams
    tracing: TracingParams
    quantification: QuantParams

    @classmethod
    def from_config(cls, config: dict[str, Any], source: str = "config") -> StudySettings:
        """Settings from a config mapping; blocks or keys it leaves out take the dataclass defaults, unknown keys are refused.

        >>> StudySettings.from_config({"library": "lib.msp", "import": {"mz_min": 35}}).import_.mz_min
        35
        """
        blocks = {name: dict(config.get(name) or {}) for name in BLOCKS}
        blocks["normalize"].setdefault("internal_standard", config.get("internal_standard", NormalizeParams.internal_standard))
        built = {name: settings_from_mapping(values, BLOCKS[name], f"{source}: {name}") for name, values in blocks.items()}
        return cls(library=str(config.get("library", "")), import_=built.pop("import"), **built)
