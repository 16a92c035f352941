"""Isotopologue clusters of the simulated fragments: natural abundance of every atom, and tracer labelling.

The model is written independently of the correction (IsoCor): the mass distribution of a fragment
is the convolution of the isotope abundances (IUPAC 2013 representative values) of each of its atoms;
in a labelled run a share of each metabolite carries the tracer at given backbone positions (purity
``TRACER_PURITY`` per position), and a fragment keeps those of its own backbone positions. Every
fragment of the fragment table whose derivative is a simulated compound gets its cluster written into
that compound's spectrum (M0 keeps its modelled intensity; M+1, M+2, ... follow the distribution).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.formula import parse_formula
from ..tracing.fragments import Fragment, load_fragments, matches, tracer_element

ABUNDANCE = {  # relative abundance by mass offset from the lightest isotope
    "C": [0.9893, 0.0107],
    "H": [0.999885, 0.000115],
    "N": [0.99636, 0.00364],
    "O": [0.99757, 0.00038, 0.00205],
    "Si": [0.92223, 0.04685, 0.03092],
    "S": [0.9499, 0.0075, 0.0425, 0.0, 0.0001],
    "P": [1.0],
}
HEAVY_OFFSET = {"C": 1, "N": 1, "H": 1, "O": 2}  # mass offset of the tracer isotope (13C, 15N, 2H, 18O)
TRACER_PURITY = 0.99
CLUSTER_FLOOR = 1e-4  # relative intensity below which the cluster's heavier ions are not written
# tracer -> metabolite -> (labelled positions, share of the metabolite so labelled in control, in asn_deprived)
LABELLING: dict[str, dict[str, list[tuple[str, float, float]]]] = {
    "13C6-glucose": {
        "pyruvate": [("C1-C3", 0.55, 0.60)], "lactate": [("C1-C3", 0.60, 0.66)], "alanine": [("C1-C3", 0.45, 0.50)],
        "serine": [("C1-C3", 0.25, 0.20)], "glycine": [("C1-C2", 0.12, 0.10)], "citrate": [("C1-C2", 0.35, 0.30), ("C1-C5", 0.05, 0.04)],
        "2-oxoglutarate": [("C4-C5", 0.30, 0.26)], "glutamate": [("C4-C5", 0.30, 0.26)], "glutamine": [("C4-C5", 0.22, 0.20)],
        "succinate": [("C1-C2", 0.20, 0.17)], "fumarate": [("C1-C2", 0.20, 0.17)], "malate": [("C1-C2", 0.20, 0.17), ("C1-C3", 0.08, 0.10)],
        "aspartate": [("C1-C2", 0.18, 0.15), ("C1-C3", 0.08, 0.10)], "asparagine": [("C1-C2", 0.15, 0.05), ("C1-C3", 0.06, 0.02)],
    },
    "13C5-glutamine": {
        "glutamine": [("C1-C5", 0.75, 0.78)], "glutamate": [("C1-C5", 0.65, 0.70)], "2-oxoglutarate": [("C1-C5", 0.60, 0.66)],
        "succinate": [("C1-C4", 0.45, 0.50)], "fumarate": [("C1-C4", 0.42, 0.47)], "malate": [("C1-C4", 0.40, 0.45)],
        "aspartate": [("C1-C4", 0.38, 0.44)], "asparagine": [("C1-C4", 0.30, 0.10)], "citrate": [("C1-C4", 0.30, 0.34)],
    },
    "15N-amide-glutamine": {"glutamine": [("N2", 0.80, 0.82)], "asparagine": [("N2", 0.40, 0.12)]},
}


def atom_distribution(element: str, count: int) -> np.ndarray:
    """Mass distribution (by offset) of ``count`` atoms of ``element`` at natural abundance."""
    out = np.ones(1)
    for _ in range(count):
        out = np.convolve(out, ABUNDANCE[element])
    return out


def positions(backbone: str) -> set[int]:
    """Backbone atom numbers of ``C1-C3`` (1, 2, 3), ``C2`` (2) or ``N2`` (2).

    >>> sorted(positions("C2-C4")), sorted(positions("N2"))
    ([2, 3, 4], [2])
    """
    first, _, last = backbone.partition("-")
    start = int(first[1:])
    return set(range(start, int(last[1:]) + 1)) if last else {start}


def fragment_isotopologues(fragment: Fragment, tracer: str, group: str) -> np.ndarray:
    """True tracer isotopologue fractions M0..Mn of ``fragment`` in a run of ``group`` labelled with ``tracer``
    (a pooled QC is the mean of the two groups; an unlabelled run is all M0)."""
    element = tracer_element(tracer)
    n = fragment.tracer_atoms(element)
    x = np.zeros(n + 1)
    x[0] = 1.0
    kept = positions(fragment.backbone) if element == "C" else set(range(1, n + 1))
    for species, control, deprived in LABELLING.get(tracer, {}).get(fragment.metabolite, []):
        share = {"control": control, "asn_deprived": deprived}.get(group, (control + deprived) / 2)
        k = len(positions(species) & kept)
        x[0] -= share
        x[k] += share
    return x


def cluster(fragment: Fragment, element: str, isotopologues: np.ndarray, purity: float = TRACER_PURITY) -> np.ndarray:
    """Measured mass distribution M0, M+1, ... of ``fragment`` with tracer isotopologue fractions ``isotopologues``."""
    atoms = parse_formula(fragment.metabolite_formula) + parse_formula(fragment.derivative_formula)
    n = fragment.tracer_atoms(element)
    rest = np.ones(1)
    for other, count in atoms.items():
        rest = np.convolve(rest, atom_distribution(other, count - (n if other == element else 0)))
    heavy = HEAVY_OFFSET[element]
    labelled_atom = np.zeros(heavy + 1)
    labelled_atom[0], labelled_atom[heavy] = 1.0 - purity, purity
    total = np.zeros(rest.size + (heavy + 1) * n)
    for i, share in enumerate(isotopologues):
        if share > 0:
            part = np.convolve(np.convolve(rest, atom_distribution(element, n - i)), _power(labelled_atom, i)) * share
            total[: part.size] += part
    return total


def _power(vector: np.ndarray, times: int) -> np.ndarray:
    out = np.ones(1)
    for _ in range(times):
        out = np.convolve(out, vector)
    return out


def compound_fragments(compounds: pd.DataFrame) -> dict[int, list[Fragment]]:
    """The fragment-table rows of each simulated compound (by row position), matched by metabolite and derivative."""
    table = load_fragments()
    return {k: found for k, name in enumerate(compounds["name"]) if (found := [f for f in table if matches(f, name)])}


def with_clusters(spectrum: dict[int, float], fragments: list[Fragment], tracer: str, group: str) -> dict[int, float]:
    """``spectrum`` with each fragment's ion cluster set from its distribution (natural abundance when ``tracer`` is '').

    The modelled M0 intensity is the unlabelled fragment's; labelling moves the same total to heavier ions.
    Not renormalised: intensities stay relative to the unlabelled compound's base peak, so labelling does
    not change a compound's amount. An ion beyond the fragment's natural cluster (its natural share under
    ``CLUSTER_FLOOR``) belongs to another fragment: the labelled cluster adds to it instead of replacing it."""
    out = dict(spectrum)
    element = tracer_element(tracer) if tracer else "C"
    for fragment in fragments:
        m0 = out.get(fragment.fragment_mz)
        n = fragment.tracer_atoms(element)
        if not m0:
            continue
        natural = cluster(fragment, element, np.eye(n + 1)[0])
        x = fragment_isotopologues(fragment, tracer, group) if tracer else np.eye(n + 1)[0]
        dist = cluster(fragment, element, x) * (m0 / natural[0])
        for j in range(dist.size):
            if j == 0 or dist[j] >= CLUSTER_FLOOR * m0:
                own = j < natural.size and natural[j] >= CLUSTER_FLOOR * natural[0]
                other = 0.0 if j == 0 or own else out.get(fragment.fragment_mz + j, 0.0)
                out[fragment.fragment_mz + j] = other + float(dist[j]) if j or tracer else m0
    return out
