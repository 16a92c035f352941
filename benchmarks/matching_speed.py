"""Library matching speed: gcmsflow against matchms CosineGreedy on the same pairs, and a large library.

1. Queries (MassBank spectra with perturbed intensities) against the MassBank EI library: every
   pair scored by matchms ``CosineGreedy`` (after a warm-up call, so numba compilation is not
   counted) and by gcmsflow (forward, reverse and matched-peak scores of every pair), timed in
   the same run; prints seconds, pairs per second and the ratio.
2. 1,000 queries against a 300,000-entry library (the MassBank spectra replicated with perturbed
   intensities): gcmsflow's exact top-5 search, timed, with the process's peak memory.

    python benchmarks/matching_speed.py [--library ../shared/data/library/massbank_gc_ei.msp] [--queries 200]
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from gcmsflow.identify.params import MatchParams  # noqa: E402
from gcmsflow.identify.search import score_matrix, top_hits  # noqa: E402
from gcmsflow.io.library import load_library  # noqa: E402


def perturbed(spectra: np.ndarray, copies: int, seed: int) -> np.ndarray:
    """``copies`` rows drawn from ``spectra`` with lognormal (σ 0.2) intensity noise, float32."""
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, len(spectra), copies)
    out = np.empty((copies, spectra.shape[1]), dtype=np.float32)
    for start in range(0, copies, 20000):
        block = spectra[picked[start : start + 20000]]
        out[start : start + len(block)] = block * rng.lognormal(0.0, 0.2, block.shape)
    return out


def to_matchms(matrix: np.ndarray) -> list:
    from matchms import Spectrum

    spectra = []
    for row in matrix:
        mz = np.flatnonzero(row).astype(float)
        spectra.append(Spectrum(mz=mz, intensities=row[mz.astype(int)].astype(float), metadata={"precursor_mz": 0.0}))
    return spectra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, default=REPO.parent / "shared" / "data" / "library" / "massbank_gc_ei.msp")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--large", type=int, default=300_000)
    parser.add_argument("--large-queries", type=int, default=1000)
    args = parser.parse_args()
    logging.getLogger("matchms").setLevel(logging.ERROR)
    from matchms.similarity import CosineGreedy

    library = load_library(args.library)
    params = MatchParams()
    queries = perturbed(library.intensity, args.queries, seed=1)
    pairs = len(queries) * len(library.names)

    ours_start = time.perf_counter()
    score_matrix(queries, library.intensity, params)
    ours_s = time.perf_counter() - ours_start

    references, query_spectra = to_matchms(library.intensity), to_matchms(queries)
    cosine = CosineGreedy(tolerance=0.5)
    cosine.matrix(references[:5], query_spectra[:5])  # numba compilation, not timed
    peer_start = time.perf_counter()
    cosine.matrix(references, query_spectra)
    peer_s = time.perf_counter() - peer_start
    print(f"{len(queries)} queries x {len(library.names)} library spectra = {pairs} pairs")
    print(f"  matchms CosineGreedy:                {peer_s:8.3f} s  ({pairs / peer_s:12,.0f} pairs/s)")
    print(f"  gcmsflow forward+reverse+matched:    {ours_s:8.3f} s  ({pairs / ours_s:12,.0f} pairs/s)")
    print(f"  ratio: gcmsflow is {peer_s / ours_s:.0f}x faster (target >= 100x)")

    large = perturbed(library.intensity, args.large, seed=2)
    large_queries = perturbed(library.intensity, args.large_queries, seed=3)
    no_ri = np.full(len(large), np.nan)
    start = time.perf_counter()
    top_hits(large_queries, np.full(len(large_queries), np.nan), large, no_ri, params, k=5)
    search_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(large_queries)} queries against {len(large)} library spectra, exact top 5: {search_s:.1f} s (target < 10 s); "
          f"peak memory of the process {peak_mb:.0f} MB (the library matrix alone {large.nbytes / 2**20:.0f} MB)")


if __name__ == "__main__":
    main()
