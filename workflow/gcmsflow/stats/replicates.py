"""Replicate consistency and group separation of a study.

Per group of study samples: how many features were detected (before gap filling) in every
replicate, and their median within-group coefficient of variation of normalised abundance. For
the study as a whole: a PCA of the autoscaled log2 abundances of study samples, with the
variance PC1 and PC2 explain, the silhouette width of the groups in the PC1–PC2 plane (1 = tight,
well-separated groups, 0 = overlapping) and whether PC1 alone splits two groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.samplesheet import columns_of_type

CONSISTENCY_COLUMNS = ["group", "n_replicates", "features_in_all_replicates", "median_cv_percent"]
SEPARATION_COLUMNS = ["n_samples", "n_features", "pc1_percent", "pc2_percent", "silhouette", "pc1_separates_groups"]


def study_samples(sheet: pd.DataFrame, columns: pd.Index) -> pd.DataFrame:
    """Sheet rows of study samples (type ``sample``) present in ``columns``."""
    return sheet.loc[columns_of_type(sheet, columns, "sample")]


def replicate_consistency(detected: pd.DataFrame, abundance_log2: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """Per group: features detected in all its replicates and their median CV (%) of normalised abundance.

    ``detected``: features x runs, NaN where a run did not detect the feature (before gap filling);
    ``abundance_log2``: features x runs, normalised log2 abundances.
    """
    rows = []
    for group, members in study_samples(sheet, detected.columns).groupby("group", sort=True):
        runs = members.index.tolist()
        in_all = detected.index[detected[runs].notna().all(axis=1)]
        linear = np.exp2(abundance_log2.loc[abundance_log2.index.intersection(in_all), [r for r in runs if r in abundance_log2.columns]])
        cv = 100.0 * linear.std(axis=1, ddof=1) / linear.mean(axis=1)
        rows.append(
            {
                "group": group,
                "n_replicates": len(runs),
                "features_in_all_replicates": len(in_all),
                "median_cv_percent": float(cv.median()) if len(cv) else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=CONSISTENCY_COLUMNS)


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width of labelled points (Euclidean); NaN with fewer than two groups."""
    groups = np.unique(labels)
    if groups.size < 2:
        return float("nan")
    distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1))
    widths = []
    for i, label in enumerate(labels):
        own = (labels == label) & (np.arange(labels.size) != i)
        if not own.any():
            widths.append(0.0)
            continue
        a = distances[i, own].mean()
        b = min(distances[i, labels == other].mean() for other in groups if other != label)
        widths.append((b - a) / max(a, b) if max(a, b) > 0 else 0.0)
    return float(np.mean(widths))


def pca_separation(abundance_log2: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """One row: PCA of autoscaled log2 abundances of study samples and how well it separates the groups."""
    samples = study_samples(sheet, abundance_log2.columns)
    data = abundance_log2[samples.index].T.dropna(axis=1)
    data = ((data - data.mean()) / data.std(ddof=1).replace(0.0, np.nan)).dropna(axis=1)
    row = {"n_samples": data.shape[0], "n_features": data.shape[1], "pc1_percent": np.nan, "pc2_percent": np.nan, "silhouette": np.nan, "pc1_separates_groups": ""}
    if data.shape[0] >= 3 and data.shape[1] >= 2:
        u, s, _ = np.linalg.svd(data.to_numpy(), full_matrices=False)
        explained = 100.0 * s**2 / np.sum(s**2)
        scores = u[:, :2] * s[:2]
        labels = samples.loc[data.index, "group"].to_numpy()
        row.update(pc1_percent=float(explained[0]), pc2_percent=float(explained[1]), silhouette=silhouette(scores, labels))
        groups = np.unique(labels)
        if groups.size == 2:
            first, second = (scores[labels == g, 0] for g in groups)
            row["pc1_separates_groups"] = "yes" if first.max() < second.min() or second.max() < first.min() else "no"
    return pd.DataFrame([row], columns=SEPARATION_COLUMNS)
