"""Alignment of components across drifting runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from gcmsflow.core.spectra import format_spectrum
from gcmsflow.signal.align import AlignParams, align, consensus_spectra

QUANT = {"a": 116, "b": 245, "c": 319}
SPECTRA = {
    "a": {116: 100.0, 132: 50.0, 73: 80.0},
    "b": {245: 100.0, 156: 60.0, 73: 70.0},
    "c": {319: 100.0, 217: 70.0, 73: 90.0},
}


def components(run_shifts: dict[str, float], truth_ri: dict[str, float]) -> pd.DataFrame:
    rows = []
    for sample, shift in run_shifts.items():
        for k, (name, ri) in enumerate(truth_ri.items()):
            spectrum = SPECTRA[name]
            mz = np.array(sorted(spectrum))
            rows.append(
                {
                    "sample": sample, "component_id": f"P{k + 1:04d}", "rt": ri / 2 + shift, "rt_start": ri / 2 + shift - 2,
                    "rt_end": ri / 2 + shift + 2, "quant_mz": QUANT[name],
                    "area": 1000.0 * (k + 1), "ri": ri + shift, "spectrum": format_spectrum(mz, np.array([spectrum[m] for m in mz]) * 10 * (k + 1)),
                }
            )
    return pd.DataFrame(rows)


def test_drifting_runs_align_into_one_feature_per_compound() -> None:
    shifts = {f"r{i}": s for i, s in enumerate(np.linspace(-2.0, 2.0, 8))}
    comps = components(shifts, {"a": 1500.0, "b": 1503.0, "c": 1700.0})
    table, members, _ = align(comps, list(shifts), calibrated=True, params=AlignParams(ri_window=5.0))
    assert len(table) == 3
    assert (table["n_detected"] == 8).all()
    assert table["quant_mz"].tolist() == [116, 245, 319]
    assert members.groupby("feature_id")["sample"].nunique().eq(8).all()


def test_a_run_never_contributes_twice_to_one_feature() -> None:
    comps = components({"r0": 0.0, "r1": 0.5}, {"a": 1500.0})
    extra = comps.iloc[[0]].assign(component_id="P0009", rt=751.0, ri=1501.0)
    table, members, _ = align(pd.concat([comps, extra], ignore_index=True), ["r0", "r1"], True, AlignParams(min_detected=1))
    assert members.groupby(["feature_id", "sample"]).size().max() == 1
    assert len(table) == 2


def test_uncalibrated_study_aligns_on_rt_and_leaves_ri_empty() -> None:
    comps = components({"r0": 0.0, "r1": 1.0}, {"a": 1500.0, "c": 1700.0})
    table, _, _ = align(comps, ["r0", "r1"], calibrated=False, params=AlignParams(rt_window_s=2.0))
    assert len(table) == 2 and table["ri"].isna().all()


def test_consensus_spectra_carry_ri_and_quant_ion() -> None:
    comps = components({"r0": 0.0, "r1": 1.0}, {"a": 1500.0})
    table, members, _ = align(comps, ["r0", "r1"], True, AlignParams())
    entry = consensus_spectra(table, members)[0]
    assert entry.name == "F0001" and entry.fields["QUANTMZ"] == "116"
    assert float(entry.fields["RETENTIONINDEX"]) == 1500.5


def test_a_cell_whose_quant_ion_a_co_eluting_neighbour_carries_is_left_to_gap_filling() -> None:
    """Isoleucine (quant 158) and proline (quant 142) co-elute: in run s3 both went into one component, which joined
    isoleucine's feature, and threonine's weak component (with a trace of 142) joined proline's. That cell is not
    proline's and is emptied; the neighbour's 142 is not another feature's quant ion, so elsewhere nothing moves."""
    iso, pro, thr = {158: 100.0, 73: 80.0, 218: 20.0}, {142: 100.0, 73: 50.0, 216: 10.0}, {117: 100.0, 73: 90.0, 291: 20.0}
    rows = []
    for sample in ["s1", "s2", "s3"]:
        parts = [(1300.0, iso, 158), (1302.5, pro, 142)] if sample != "s3" else [(1300.0, iso | {142: 95.0, 216: 9.0}, 158), (1302.5, thr | {142: 8.0}, 117)]
        for n, (ri, spectrum, quant) in enumerate(parts):
            mz = np.array(sorted(spectrum))
            rows.append({"sample": sample, "component_id": f"P{n + 1:04d}", "rt": ri / 3, "rt_start": ri / 3 - 1, "rt_end": ri / 3 + 1, "quant_mz": quant,
                         "area": 100.0 * spectrum[quant], "ri": ri, "spectrum": format_spectrum(mz, 100.0 * np.array([spectrum[m] for m in mz]))})
    result = align(pd.DataFrame(rows), ["s1", "s2", "s3"], True, AlignParams(correct_retention=False, min_similarity=0.3))
    table = result.table.set_index("quant_mz")
    assert np.isnan(table.at[142, "s3"]) and table.at[142, "s1"] == 10000.0  # proline's cell in s3 waits for gap filling
    assert table.at[158, "s3"] == 10000.0 and table.at[142, "n_detected"] == 2
