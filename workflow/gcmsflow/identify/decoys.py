"""Decoy EI spectra for target–decoy estimation of the false-annotation rate.

A wrong name mostly comes from a look-alike: an isomer or homologue whose EI spectrum shares most
ions, derivatisation ions included, with the true compound's. Decoys model these. Each decoy is an
ion-wise crossover of a library entry with its most similar entry of another compound (forward
weighted cosine, the search's own; compounds told apart by InChIKey skeleton, else by name): at
every m/z present in either, the decoy takes the neighbour's base-normalised intensity with
probability ``share``, else the entry's. A decoy is so an EI spectrum of the entry's compound class
(mass region, TMS ions, intensity pattern) that is no compound of the library, and lies as close to
real spectra as the library's own look-alikes do; it keeps the entry's RI. On MassBank, the best
decoy scores of held-out compounds follow their best (necessarily wrong) library scores (tested in
test_decoys). Neighbours are searched among all entries, or among a seeded sample of
``max_reference`` entries in larger libraries. Same library and seed, same decoys.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..core.names import split_name
from .search import weighted

BLOCK_ROWS = 1024


def compound_keys(inchikeys: Sequence[str], names: Sequence[str]) -> np.ndarray:
    """Per entry, the compound it is a spectrum of: InChIKey skeleton (first block), else the lower-case
    metabolite part of its name (before the first comma, so derivative forms count as one compound)."""
    return np.array([k.split("-")[0] if k else "name:" + split_name(n)[0].lower() for k, n in zip(inchikeys, names)])


def nearest_other_compound(library: np.ndarray, keys: np.ndarray, mz_power: float, intensity_power: float, max_reference: int, seed: int) -> np.ndarray:
    """Index of each entry's most similar entry of another compound (-1 when the library has none)."""
    n = library.shape[0]
    compound = np.unique(keys, return_inverse=True)[1]
    unit = weighted(library, mz_power, intensity_power)
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), np.float32(1e-30))
    reference = np.arange(n) if n <= max_reference else np.sort(np.random.default_rng(seed).choice(n, max_reference, replace=False))
    neighbour = np.full(n, -1)
    for start in range(0, n, BLOCK_ROWS):
        rows = slice(start, min(start + BLOCK_ROWS, n))
        similarity = unit[rows] @ unit[reference].T
        similarity[compound[rows, None] == compound[None, reference]] = -np.inf
        best = np.argmax(similarity, axis=1)
        neighbour[rows] = np.where(np.isfinite(similarity[np.arange(best.size), best]), reference[best], -1)
    return neighbour


def make_decoys(
    library: np.ndarray, keys: np.ndarray, mz_power: float, intensity_power: float, seed: int = 1, share: float = 0.5, max_reference: int = 5000
) -> np.ndarray:
    """Decoy spectra (same shape as ``library``: entries x nominal m/z), one per library entry;
    an entry without an entry of another compound to cross with gets an empty decoy."""
    neighbour = nearest_other_compound(library, keys, mz_power, intensity_power, max_reference, seed)
    top = library.max(axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    decoys = np.zeros(library.shape)
    for start in range(0, library.shape[0], BLOCK_ROWS):
        rows = np.arange(start, min(start + BLOCK_ROWS, library.shape[0]))
        rows = rows[(neighbour[rows] >= 0) & (top[rows, 0] > 0)]
        partner_top = top[neighbour[rows]]
        other = library[neighbour[rows]] * np.divide(top[rows], partner_top, out=np.zeros_like(partner_top), where=partner_top > 0)
        decoys[rows] = np.where(rng.random(other.shape) < share, other, library[rows])
    return decoys


def target_decoy_qvalues(
    target_score: np.ndarray, decoy_score: np.ndarray, target_passes: np.ndarray, decoy_passes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Target–decoy competition (Elias & Gygi 2007) per feature: which side wins, whether the winner
    passes, and q-values.

    ``target_score``/``decoy_score`` are each feature's best score against targets and decoys;
    ``target_passes``/``decoy_passes`` say whether that best hit meets the acceptance criteria, and a
    feature passes when its winning hit does. Among passing features, the false-annotation rate at
    score s is estimated conservatively as (decoy winners >= s, plus 1) / (target winners >= s) (the
    finite-sample form of Barber & Candès 2015, "knockoff+"), so no short list is given a rate of 0; a
    feature's q-value is the smallest rate at which it is still accepted. NaN where a decoy wins or nothing passes.
    """
    target_wins = target_score >= decoy_score
    winning = np.where(target_wins, target_score, decoy_score)
    passes = np.where(target_wins, target_passes, decoy_passes)
    q = np.full(target_score.shape, np.nan)
    candidates = np.flatnonzero(passes)
    if candidates.size == 0:
        return target_wins, passes, q
    order = candidates[np.argsort(-winning[candidates], kind="stable")]
    scores = winning[order]
    targets = np.cumsum(target_wins[order])
    decoys = np.cumsum(~target_wins[order])
    # counts at each distinct score: use the last position of ties
    last = np.r_[scores[1:] != scores[:-1], True]
    tie_end = np.flatnonzero(last)
    group_end = tie_end[np.searchsorted(tie_end, np.arange(scores.size))]
    fdr = np.minimum((decoys[group_end] + 1) / np.maximum(targets[group_end], 1), 1.0)
    fdr = np.minimum.accumulate(fdr[::-1])[::-1]
    q[order] = np.where(target_wins[order], fdr, np.nan)
    return target_wins, passes, q
