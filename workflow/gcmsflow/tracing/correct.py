"""Natural-abundance and tracer-purity correction of isotopologue clusters, by IsoCor (Millard et al. 2012, 2019).

IsoCor's low-resolution corrector builds the correction matrix from every atom of the fragment: the
metabolite part's atoms other than the tracer element and all derivative atoms at natural abundance
(Si: 29Si 4.7 %, 30Si 3.1 %), the tracer element's natural abundance in unlabelled positions, and the
tracer purity; it then finds isotopologue fractions x >= 0 minimising ||measured - A x||.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from isocor.mscorrectors import LowResMetaboliteCorrector, MetaboliteCorrectorFactory

from ..core.errors import GcmsflowError
from .fragments import ISOTOPES, Fragment

logging.getLogger("isocor").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Corrected:
    """Isotopologue fractions M0..Mn after correction, mean enrichment (0..1), mean labelled atoms, residuum."""

    fractions: np.ndarray
    fractional_enrichment: float
    mean_labelled_atoms: float
    residuum: np.ndarray


@lru_cache(maxsize=256)
def corrector(metabolite_formula: str, derivative_formula: str, element: str, purity: float) -> LowResMetaboliteCorrector:
    """IsoCor's corrector for one fragment and tracer (cached: the matrix depends only on these)."""
    tracer = f"{ISOTOPES[element]}{element}"
    return MetaboliteCorrectorFactory(
        metabolite_formula,
        tracer,
        derivative_formula=derivative_formula,
        tracer_purity=[1.0 - purity, purity],
        correct_NA_tracer=True,
    )


def correct_cluster(areas: np.ndarray, fragment: Fragment, element: str, purity: float) -> Corrected:
    """Corrected distribution of one measured cluster (areas of M0..Mn, n = tracer atoms of the metabolite part)."""
    n = fragment.tracer_atoms(element)
    if n == 0:
        raise GcmsflowError("tracing", f"fragment {fragment.metabolite} {fragment.fragment_mz} keeps no {element} atom of the metabolite")
    measured = np.nan_to_num(np.asarray(areas, dtype=float), nan=0.0)
    if measured.size != n + 1:
        raise ValueError(f"{fragment.fragment_id}: {measured.size} areas for {n + 1} isotopologues")
    if not np.any(measured > 0):
        nan = np.full(n + 1, np.nan)
        return Corrected(nan, np.nan, np.nan, nan)
    _, fractions, residuum, enrichment = corrector(fragment.metabolite_formula, fragment.derivative_formula, element, purity).correct(measured.tolist())
    fractions = np.asarray(fractions, dtype=float)
    return Corrected(fractions, float(enrichment), float(enrichment) * n, np.asarray(residuum, dtype=float))
