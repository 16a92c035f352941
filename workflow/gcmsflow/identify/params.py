"""Library-matching settings shared by search, decoys and annotation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchParams:
    """Scoring weights, acceptance thresholds (RI in index units), false-annotation rate and decoy settings.

    With fewer than ``min_candidates`` features passing the thresholds the target–decoy rate is not
    estimable; names are then given only where the score reaches ``strict_min_score``. The mass check
    (``mass_check_*``, see :mod:`masscheck`; ``mass_check_percent`` None switches it off) is one of the thresholds.
    ``isolated_below``: a query ion with no neighbour at m/z +- 1 and under this fraction of the base
    peak counts in the forward score only where the library entry has it (0: every ion counts);
    see :func:`.search.isolated_ions`. On the hard preset (benchmarks/score_weighting.py) lower m/z
    powers name far more (0.5: recall 0.99 vs 0.42 at 3), but the decoys' null is validated at 3
    only (test_decoys on MassBank fails at 1 and 0.5), so 3 stays the default.
    ``mass_check_percent`` 5 for the query's high ions and ``mass_check_entry_percent`` 10 for the
    entry's (measured, benchmarks/accuracy.py --identification and test_annotate's MassBank pairs): a
    feature's consensus spectrum under a co-eluting compound or near the detection limit loses entry
    ions of 5-10 % (serine 298, glutamine 334, phenylalanine 307), which 5/5 demanded. 5/10 against
    5/5: hard-preset recall (seeds 1/2/3) 0.95/0.83/0.88 -> 1.00/0.88/0.98 at precision 0.98/1.00/1.00
    both (default 1.00 both); MassBank same compound kept 94.6 % -> 95.0 %, look-alikes refused 37.0 % ->
    36.7 % (10/10: 31.0 %). On the JCAMP example 20 instead of 16 best hits then pass, so the
    target-decoy rate applies, and no hit reaches 5 % (the best, dibutyl phthalate, scores 0.83 against
    its decoy's 0.81): nothing is named there, where 5/5 named two at the strict score.
    ``ri_sigma`` 20 against 15 (accuracy.py --identification, with the mass check above): sucrose with a
    spectral score of 0.99 and a library RI 15 units off (10 of them the library's own) failed
    ``min_score`` at 15; hard-preset recall 1.00/0.88/0.98 -> 1.00/0.90/1.00, precision unchanged
    (0.98/1.00/1.00), default unchanged; 25 names nothing more.
    """

    mz_power: float = 3.0
    isolated_below: float = 0.25
    intensity_power: float = 0.6
    ri_sigma: float = 20.0
    ri_window: float = 30.0
    no_ri_factor: float = 0.85
    min_score: float = 0.6
    min_spectral: float = 0.7
    top_k: int = 5
    max_fdr: float = 0.05
    column_class: str | None = "semi-standard non-polar"
    decoy_share: float = 0.5
    decoy_seed: int = 1
    min_candidates: int = 20
    strict_min_score: float = 0.8
    mass_check_percent: float | None = 5.0
    mass_check_window_mz: float = 20.0
    mass_check_ratio: float = 0.15
    mass_check_entry_percent: float = 10.0
