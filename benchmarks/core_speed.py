"""Signal-core speed: import + detection and alignment against PyMassSpec, and a 1,000-run alignment.

1. Import + detection of each of the ten JCAMP-DX runs, each tool in a fresh child process:
   gcmsflow ``import_run`` + ``detect_components``; PyMassSpec as its documentation shows
   (``JCAMP_reader``, ``build_intensity_matrix_i``, Savitzky–Golay + top-hat per ion,
   ``BillerBiemann(points=9, scans=2)``, ``rel_threshold(2)``, ``num_ions_threshold(3, 3000)``,
   peak areas). Target: gcmsflow >= 50x faster.
2. Alignment of the ten runs' peaks: gcmsflow ``align`` (all components, whole run) against
   PyMassSpec's dynamic-programming alignment (``exprl2alignment``, ``PairwiseAlignment(Dw=2.5,
   Gw=0.30)``, ``align_with_tree(min_peaks=2)``, on its documented 6.5–21 min window, so it aligns
   fewer peaks than gcmsflow). Target: >= 1000x faster. PyMassSpec takes tens of minutes here.
3. A synthetic set of 1,000 runs x 400 compounds (retention drift, jitter, spectral noise, 10 %
   missed detections) aligned by gcmsflow. Target: < 60 s and < 4 GB.

Each figure is wall time of the measured call in its own process, with that process's peak RSS.
Needs PyMassSpec: ``pip install -r requirements-bench.lock``.

    python benchmarks/core_speed.py [--data ../shared/data/gcms/jcamp] [--workdir /tmp/gcmsflow-core]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_DETECT, TARGET_ALIGN, MAX_SYNTHETIC_S, MAX_SYNTHETIC_MB = 50.0, 1000.0, 60.0, 4096.0

PRELUDE = """
import json, resource, sys, time
sys.path.insert(0, {workflow!r})
def report(seconds, **extra):
    print(json.dumps({{"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}}))
"""

DETECT = {
    "gcmsflow": """
from gcmsflow.signal.detect import detect_components
from gcmsflow.io.importer import ImportParams, import_run
from gcmsflow.core.tables import write_tsv
start = time.perf_counter()
peaks = detect_components(import_run({path!r}, ImportParams(mz_min=50, mz_max=500)))
seconds = time.perf_counter() - start
write_tsv(peaks, {out!r})
report(seconds, peaks=len(peaks))
""",
    "pymassspec": """
sys.path.insert(0, {benchmarks!r})
from peers import pymassspec_peaks
from pyms.Experiment import Experiment
from pyms.GCMS.IO.JCAMP import JCAMP_reader
from pyms.IntensityMatrix import build_intensity_matrix_i
from pyms.Peak.Function import peak_sum_area
start = time.perf_counter()
im = build_intensity_matrix_i(JCAMP_reader({path!r}))
peaks = pymassspec_peaks(im, cutoff=3000)  # im is filtered in place, as PyMassSpec's examples do
for peak in peaks:
    peak.crop_mass(51, 499)
    peak.null_mass(73)
    peak.null_mass(147)
    peak.area = peak_sum_area(im, peak)
seconds = time.perf_counter() - start
experiment = Experiment({name!r}, peaks)
experiment.sele_rt_range(["6.5m", "21m"])
experiment.dump({out!r})
report(seconds, peaks=len(peaks))
""",
}

ALIGN = {
    "gcmsflow": """
import pandas as pd
from gcmsflow.signal.align import AlignParams, align
from gcmsflow.core.tables import read_tsv
paths = {paths!r}
frames = [read_tsv(p).assign(sample=n) for n, p in paths.items()]
start = time.perf_counter()
components = pd.concat(frames, ignore_index=True)
table, _, _ = align(components, list(paths), False, AlignParams(rt_window_s=3.0, min_detected=2))
report(time.perf_counter() - start, features=len(table), components=len(components))
""",
    "pymassspec": """
from pyms.DPA.Alignment import exprl2alignment
from pyms.DPA.PairwiseAlignment import PairwiseAlignment, align_with_tree
from pyms.Experiment import load_expr
experiments = [load_expr(p) for p in {paths!r}.values()]
start = time.perf_counter()
alignment = align_with_tree(PairwiseAlignment(exprl2alignment(experiments), 2.5, 0.30), min_peaks=2)
report(time.perf_counter() - start, features=len(alignment.peakpos[0]), components=sum(len(e.peak_list) for e in experiments))
""",
}

SYNTHETIC = """
import numpy as np, pandas as pd
from gcmsflow.signal.align import AlignParams, align
from gcmsflow.core.spectra import format_spectrum
rng = np.random.default_rng(5)
n_runs, n_compounds = {n_runs}, {n_compounds}
rt = np.sort(rng.uniform(300.0, 1800.0, n_compounds))
ions = [np.sort(rng.choice(np.arange(50, 500), size=rng.integers(8, 25), replace=False)) for _ in range(n_compounds)]
shapes = [rng.gamma(0.7, 1.0, size=m.size) for m in ions]
runs = [f"run{{k:04d}}" for k in range(n_runs)]
rows = []
for k, run in enumerate(runs):
    drift = 1.5 * np.sin(2 * np.pi * k / n_runs)
    seen = rng.random(n_compounds) > 0.1
    for c in np.flatnonzero(seen):
        values = shapes[c] * rng.lognormal(0.0, 0.15, shapes[c].size)
        apex = rt[c] + drift + rng.normal(0.0, 0.3)
        quant = int(ions[c][np.argmax(shapes[c])])
        rows.append((run, f"C{{c}}", apex, apex - 2.0, apex + 2.0, quant, 1e5, format_spectrum(ions[c], 1e4 * values)))
components = pd.DataFrame(rows, columns=["sample", "component_id", "rt", "rt_start", "rt_end", "quant_mz", "area", "spectrum"])
start = time.perf_counter()
table, members, _ = align(components, runs, False, AlignParams(rt_window_s=2.0, min_detected=2))
seconds = time.perf_counter() - start
truth = members.assign(compound=members["component_id"]).groupby("feature_id")["compound"].nunique()
report(seconds, features=len(table), components=len(components), pure_features=float((truth == 1).mean()))
"""


def child(code: str, **fields) -> dict:
    """Run ``code`` in a fresh interpreter; return the JSON it reports on its last line."""
    source = PRELUDE.format(workflow=str(REPO / "workflow")) + code.format(benchmarks=str(REPO / "benchmarks"), **fields)
    result = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"child process failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "gcms" / "jcamp")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gcmsflow-core"))
    parser.add_argument("--runs", type=int, default=1000, help="runs in the synthetic alignment")
    args = parser.parse_args()
    files = sorted(args.data.glob("*.JDX"))
    if not files:
        sys.exit(f"no .JDX files in {args.data}")
    args.workdir.mkdir(parents=True, exist_ok=True)

    print("1. import + detection per run (s)")
    print(f"{'file':24} {'gcmsflow':>9} {'peaks':>6} {'PyMassSpec':>11} {'peaks':>6} {'ratio':>7}")
    outputs: dict[str, dict[str, str]] = {"gcmsflow": {}, "pymassspec": {}}
    totals = {"gcmsflow": 0.0, "pymassspec": 0.0}
    for path in files:
        results = {}
        for tool, suffix in (("gcmsflow", ".tsv"), ("pymassspec", ".expr")):
            out = str(args.workdir / f"{path.stem}{suffix}")
            results[tool] = child(DETECT[tool], path=str(path), out=out, name=path.stem)
            outputs[tool][path.stem] = out
            totals[tool] += results[tool]["seconds"]
        ours, peer = results["gcmsflow"], results["pymassspec"]
        print(f"{path.name:24} {ours['seconds']:9.3f} {ours['peaks']:6d} {peer['seconds']:11.2f} {peer['peaks']:6d} "
              f"{peer['seconds'] / ours['seconds']:7.1f}")
    ratio = totals["pymassspec"] / totals["gcmsflow"]
    print(f"mean per run: gcmsflow {totals['gcmsflow'] / len(files):.3f} s, PyMassSpec {totals['pymassspec'] / len(files):.2f} s; "
          f"ratio {ratio:.1f}x (target >= {TARGET_DETECT:.0f}x): {'met' if ratio >= TARGET_DETECT else 'NOT met'}")

    print("2. alignment of the ten runs")
    ours = child(ALIGN["gcmsflow"], paths=outputs["gcmsflow"])
    print(f"gcmsflow:   {ours['seconds']:10.3f} s, {ours['components']} peaks -> {ours['features']} features, {ours['peak_mb']:.0f} MB")
    peer = child(ALIGN["pymassspec"], paths=outputs["pymassspec"])
    print(f"PyMassSpec: {peer['seconds']:10.1f} s, {peer['components']} peaks -> {peer['features']} features, {peer['peak_mb']:.0f} MB")
    ratio = peer["seconds"] / ours["seconds"]
    print(f"ratio {ratio:.0f}x (target >= {TARGET_ALIGN:.0f}x): {'met' if ratio >= TARGET_ALIGN else 'NOT met'}")

    print(f"3. synthetic alignment, {args.runs} runs x 400 compounds")
    synthetic = child(SYNTHETIC, n_runs=args.runs, n_compounds=400)
    ok = synthetic["seconds"] < MAX_SYNTHETIC_S and synthetic["peak_mb"] < MAX_SYNTHETIC_MB
    print(f"gcmsflow: {synthetic['seconds']:.1f} s, peak {synthetic['peak_mb']:.0f} MB, {synthetic['components']} components -> "
          f"{synthetic['features']} features ({synthetic['pure_features']:.3f} hold one compound); "
          f"target < {MAX_SYNTHETIC_S:.0f} s and < {MAX_SYNTHETIC_MB:.0f} MB: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
