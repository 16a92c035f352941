"""Decoy EI spectra for target–decoy estimation of the false-annotation rate.

A decoy is made from each library spectrum so that it looks like an EI spectrum of a similar
compound that is not in the library: its intensities are kept,
ions common to many library spectra (any ion at >= 10 % of the base peak in at least
``common_share`` of the entries; in TMS libraries m/z 73, 75, 147 and a few more) stay where they are, and every other ion moves to
an m/z drawn from the library's own specific ions within ``window_mz`` of the original, in
proportion to how often the library holds that ion. So decoys keep the mass region, the shared
derivatisation ions and the intensity pattern of real spectra, but not the compound-specific
fragments: a query that matches a decoy as well as a target is matched by chance. Decoys keep their
target's RI, so they model the false matches that agree on RI. Same library and seed, same decoys.
"""

from __future__ import annotations

import numpy as np


def common_ions(library: np.ndarray, common_share: float, min_relative: float = 0.1) -> np.ndarray:
    """Boolean mask over m/z of ions at >= ``min_relative`` of their spectrum's base peak in at least
    ``common_share`` of the library's spectra (presence alone would count the small peaks that dense
    spectra carry at almost every m/z)."""
    top = library.max(axis=1, keepdims=True)
    prominent = library >= min_relative * np.where(top > 0, top, np.inf)
    return prominent.mean(axis=0) >= common_share


def make_decoys(library: np.ndarray, seed: int = 1, window_mz: int = 25, common_share: float = 0.1) -> np.ndarray:
    """Decoy spectra (same shape as ``library``: entries x nominal m/z), one per library entry."""
    present = library > 0
    common = common_ions(library, common_share)
    specific_counts = np.where(common, 0, present.sum(axis=0)).astype(float)
    cumulative = np.concatenate([[0.0], np.cumsum(specific_counts)])  # cumulative[m] = count of ions below m
    rows, mz = np.nonzero(present & ~common[None, :])
    n_mz = library.shape[1]
    low = np.clip(mz - window_mz, 0, n_mz - 1)
    high = np.clip(mz + window_mz, 0, n_mz - 1)
    lo_mass, hi_mass = cumulative[low], cumulative[high + 1]
    u = np.random.default_rng(seed).random(mz.size)
    target = lo_mass + u * (hi_mass - lo_mass)
    moved = np.clip(np.searchsorted(cumulative, target, side="right") - 1, low, high)
    moved = np.where(hi_mass > lo_mass, moved, mz)
    decoys = np.where(common[None, :], library, 0.0)
    np.maximum.at(decoys, (rows, moved), library[rows, mz])  # two ions landing together keep the larger
    return decoys


def target_decoy_qvalues(
    target_score: np.ndarray, decoy_score: np.ndarray, target_passes: np.ndarray, decoy_passes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Target–decoy competition (Elias & Gygi 2007) per feature: which side wins, whether the winner
    passes, and q-values.

    ``target_score``/``decoy_score`` are each feature's best score against targets and decoys;
    ``target_passes``/``decoy_passes`` say whether that best hit meets the acceptance criteria, and a
    feature passes when its winning hit does. Among passing features,
    the false-annotation rate at score s is (decoy winners >= s) / (target winners >= s); a feature's
    q-value is the smallest rate at which it is still accepted. NaN where a decoy wins or nothing passes.
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
    fdr = np.minimum(decoys[group_end] / np.maximum(targets[group_end], 1), 1.0)
    fdr = np.minimum.accumulate(fdr[::-1])[::-1]
    q[order] = np.where(target_wins[order], fdr, np.nan)
    return target_wins, passes, q
