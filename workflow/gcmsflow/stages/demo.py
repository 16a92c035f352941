"""The demo stage: write a simulated study (raw runs, sample sheet, library, truth)."""

from __future__ import annotations

from ..demo.severity import preset
from ..demo.simulate import simulate_study


def run_simulate(
    out: str, preset_name: str, severity: str | None, massbank: str | None, layout: dict[str, int | str | None], calibration: bool = False
) -> None:
    """A preset's study (``default`` is the demo, ``hard`` the realistic one) with ``severity`` (JSON) and ``layout`` overrides;
    ``calibration`` adds a calibration series and a labelled standard per analyte."""
    design, effects = preset(preset_name, severity, **layout)
    simulate_study(out, design, effects, massbank=massbank, calibration=calibration)
