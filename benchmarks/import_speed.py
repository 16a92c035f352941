"""Import speed and memory: gcmsflow against PyMassSpec on the ten JCAMP-DX runs, in one run.

For each file, gcmsflow's ``import_run`` and PyMassSpec's documented path (``JCAMP_reader`` then
``build_intensity_matrix_i``) are timed in fresh child processes, so each figure includes parsing
and binning and each process's peak memory (ru_maxrss) is its own. Prints per-file seconds, the
ratio and peak memory, and says so when gcmsflow's C reader is not built. Needs PyMassSpec: ``pip install -r requirements-bench.lock``.

    python benchmarks/import_speed.py [--data ../shared/data/gcms/jcamp]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core_speed import REPO, child

TARGET_RATIO, MAX_SECONDS, MAX_MB = 20.0, 0.3, 300.0  # issue 3: >= 20x PyMassSpec, < 0.3 s and < 300 MB per run

CHILD = {
    "gcmsflow": """
from gcmsflow.io import jcamp
from gcmsflow.io.importer import import_run
start = time.perf_counter()
cube = import_run({path!r})
report(time.perf_counter() - start, scans=cube.intensity.shape[0], c_reader=jcamp._jcamp_pages is not None)
""",
    "pymassspec": """
from pyms.GCMS.IO.JCAMP import JCAMP_reader
from pyms.IntensityMatrix import build_intensity_matrix_i
start = time.perf_counter()
matrix = build_intensity_matrix_i(JCAMP_reader({path!r}))
report(time.perf_counter() - start, scans=matrix.intensity_array.shape[0])
""",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "gcms" / "jcamp")
    args = parser.parse_args()
    files = sorted(args.data.glob("*.JDX"))
    if not files:
        sys.exit(f"no .JDX files in {args.data}")
    print(f"{'file':24} {'scans':>6} {'gcmsflow s':>11} {'PyMassSpec s':>13} {'ratio':>7} {'gcmsflow MB':>12} {'PyMassSpec MB':>14}")
    totals = {"gcmsflow": 0.0, "pymassspec": 0.0}
    peaks = {"gcmsflow": 0.0, "pymassspec": 0.0}
    for path in files:
        ours, peer = (child(CHILD[tool], path=str(path)) for tool in ("gcmsflow", "pymassspec"))
        c_reader = ours["c_reader"]
        if ours["scans"] != peer["scans"]:
            sys.exit(f"{path.name}: scan counts differ ({ours['scans']} vs {peer['scans']})")
        for tool, result in (("gcmsflow", ours), ("pymassspec", peer)):
            totals[tool] += result["seconds"]
            peaks[tool] = max(peaks[tool], result["peak_mb"])
        print(f"{path.name:24} {ours['scans']:6d} {ours['seconds']:11.3f} {peer['seconds']:13.3f} "
              f"{peer['seconds'] / ours['seconds']:7.1f} {ours['peak_mb']:12.0f} {peer['peak_mb']:14.0f}")
    if not c_reader:
        print("note: gcmsflow's C reader is not built (no C compiler at install); its page parser was timed")
    n = len(files)
    ratio, seconds = totals["pymassspec"] / totals["gcmsflow"], totals["gcmsflow"] / n
    met = ratio >= TARGET_RATIO and seconds < MAX_SECONDS and peaks["gcmsflow"] < MAX_MB
    print(f"mean per run: gcmsflow {seconds:.3f} s, PyMassSpec {totals['pymassspec'] / n:.3f} s; "
          f"gcmsflow is {ratio:.1f}x faster; "
          f"peak memory per run: gcmsflow {peaks['gcmsflow']:.0f} MB, PyMassSpec {peaks['pymassspec']:.0f} MB; "
          f"target >= {TARGET_RATIO:.0f}x, < {MAX_SECONDS} s, < {MAX_MB:.0f} MB: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
