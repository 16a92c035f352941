"""The report's methods and summary page."""

from __future__ import annotations

import copy

import pandas as pd
import yaml
from conftest import REPO
from gcmsflow.identify.params import MatchParams
from gcmsflow.report.settings import StudySettings
from gcmsflow.report.summary import (
    annotation_summary,
    contrast_summary,
    methods_paragraph,
    qc_summary,
)

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
SETTINGS = StudySettings.from_config(CONFIG)
PROVENANCE = {"gcmsflow": "0.1.0", "python": "3.11.7", "packages": {p: "1.0" for p in ("snakemake", "numpy", "scipy", "pandas", "statsmodels", "matchms")}}


def test_methods_follow_the_config() -> None:
    text = methods_paragraph(SETTINGS, PROVENANCE)
    assert "internal_standard, then pqn" in text and "(internal standard ribitol)" in text and "D-ratio below 50 %" in text
    changed = copy.deepcopy(CONFIG)
    changed["drift"]["correct"] = False
    changed["filters"].update(max_d_ratio=None, max_qc_rsd=None)
    changed["differential"].update(test="welch")
    text = methods_paragraph(StudySettings.from_config(changed), PROVENANCE)
    assert "No drift correction" in text and "D-ratio" not in text and "QC RSD below" not in text and "welch test" in text
    assert "within 5 RI units" in methods_paragraph(SETTINGS, PROVENANCE) and "per batch" in methods_paragraph(SETTINGS, PROVENANCE)
    default = methods_paragraph(SETTINGS, PROVENANCE)
    assert "at most 2 scans apart with alike spectra (cosine ≥ 0.9)" in default and "a co-eluting neighbour's component carried" in default
    assert "the feature's ions ≥ 5 % and the entry's ≥ 10 % of base" in default
    unchecked = copy.deepcopy(CONFIG)
    unchecked["annotate"]["mass_check_percent"] = None
    assert "molecular-ion region" not in methods_paragraph(StudySettings.from_config(unchecked), PROVENANCE)
    uncalibrated = methods_paragraph(SETTINGS, PROVENANCE, calibrated=False)
    assert "within 2 s" in uncalibrated and "RI units" not in uncalibrated and "No retention-index ladder" in uncalibrated


def test_contrast_and_qc_sections_count_what_happened() -> None:
    stats = pd.DataFrame({"feature_id": ["F1", "F2", "F3"], "name": ["Asparagine, 3TMS", "", "Serine, 2TMS"], "log2fc": [-3.7, 0.6, 0.1],
                          "ci_low": [-4.0, 0.3, -0.2], "ci_high": [-3.4, 0.9, 0.4], "qvalue": [1e-20, 0.01, 0.8]})
    model = pd.Series({"contrast": "c", "case": "asn_deprived", "control": "control", "test": "moderated_t", "design": "~ group + batch",
                       "n_case": 6, "n_control": 6, "n_tested": 3, "note": "batch added as covariate"})
    text = contrast_summary(stats, model)
    assert "2 changed at q &lt; 0.05 (1 lower, 1 higher in asn_deprived)" in text and "Asparagine, 3TMS" in text and "Serine" not in text
    assert "batch added as covariate" in text and "not tested" not in text
    constant = stats.assign(test=["moderated_t", "not tested: constant", "not tested: constant"])
    assert "Of 3 features tested (2 more equal up to rounding in every run, not tested)" in contrast_summary(constant, model)
    precision = pd.DataFrame({"stage": ["raw", "drift_corrected", "normalized"], "n_features": 3, "median_qc_rsd_percent": [17.5, 10.3, 8.0],
                              "share_below_20": 0.5, "share_below_30": 1.0})
    filters = pd.DataFrame({"removed_by": [None, "d_ratio", "missingness", None]})
    blanks = pd.DataFrame({"removed": [True, False, False, False, False]})
    drift = pd.DataFrame({"action": ["corrected", "corrected", "too_few_qcs"]})
    text = qc_summary(precision, drift, filters, blanks, pd.DataFrame({"feature_id": ["F1"], "sample": ["s1"]}), SETTINGS.filters)
    assert "1 of 5 features removed by the blank filter" in text and "17.5 % raw, 10.3 % after drift correction" in text
    assert "2 features kept for statistics; 1 cells imputed" in text and "2 feature-batches corrected" in text


def test_annotation_summary_says_which_rule_named_the_features() -> None:
    confidence = pd.DataFrame({"feature_id": ["F1", "F2", "F3"], "winner": ["target", "target", "decoy"], "mass_consistent": [True, True, False],
                               "passes_thresholds": [True, True, True], "qvalue": [0.0, 0.02, float("nan")], "accepted": [True, True, False],
                               "accepted_by": "target_decoy"})
    text = annotation_summary(confidence, MatchParams())
    assert "2 of 3 features named" in text and "estimated rate of the names given 2.0%" in text and "1 features matched a decoy" in text
    assert "among 3 candidate features" in text and "for 1 features the best library hit is not mass-consistent" in text
    assert "no name reached it" in annotation_summary(confidence.assign(accepted=False), MatchParams())
    strict = confidence.assign(qvalue=float("nan"), accepted_by="strict_score")
    text = annotation_summary(strict, MatchParams())
    assert "false-annotation rate not estimable: 3 candidate features, fewer than the 20" in text
    assert "stricter score threshold 0.8" in text and "estimated rate" not in text


def test_report_captions_state_the_q_threshold_in_use() -> None:
    import re

    from gcmsflow.stats.contrasts import Q_THRESHOLD

    stated = {float(q) for caption in (REPO / "workflow" / "report").glob("*.rst") for q in re.findall(r"q < ([0-9]+(?:\.[0-9]+)?)", caption.read_text())}
    assert stated == {Q_THRESHOLD}


def test_import_warnings_are_listed_per_run() -> None:
    from gcmsflow.report.summary import import_summary

    assert "3 runs imported without warnings" in import_summary({"a": [], "b": [], "c": []})
    text = import_summary({"a": [], "b": ["b.cdf: 76 % of the signal lies outside m/z 50-600"]})
    assert "1 of 2 runs imported with warnings" in text and "<li>b: b.cdf: 76 % of the signal lies outside m/z 50-600</li>" in text
