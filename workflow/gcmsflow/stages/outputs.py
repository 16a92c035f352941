"""Study stages that write what users read besides figures: mzTab-M, provenance, the methods and summary page."""

from __future__ import annotations

import json
from pathlib import Path

from ..core.atomic import write_text
from ..core.config import json_object, runs_by_name
from ..core.errors import GcmsflowError
from ..core.samplesheet import load_sheet
from ..core.tables import read_tsv

# each runner imports the report module it uses


def run_mztab(table: str, abundance: str, annotations: str, samples: str, library: str, output: str) -> None:
    """Features, abundances and annotations -> mzTab-M 2.0."""
    from ..report.mztab import mztab_lines, study_id, write_mztab

    sheet = load_sheet(samples)
    features = read_tsv(table, ["feature_id", "rt", "ri", "quant_mz"])
    values = read_tsv(abundance, ["feature_id"]).set_index("feature_id")
    named = read_tsv(annotations, ["feature_id", "name", "inchikey", "library_id", "score", "ri_delta", "msi_level"])
    write_mztab(mztab_lines(features, values, named, sheet, library, study_id(samples)), output)


def run_provenance(samples: str, library: str, config_json: str, command: str, output: str) -> None:
    """Versions, the config (a JSON object) and its hash, input checksums and the command line -> provenance.json."""
    from ..report.provenance import provenance as provenance_record

    config = json_object(config_json, "--config-json")
    sheet = load_sheet(samples)
    inputs = {"sample sheet": samples, "library": library}
    inputs.update({f"run {sample}": path for sample, path in sheet["path"].items()})
    write_text(output, json.dumps(provenance_record(config, inputs, command), indent=2, sort_keys=True) + "\n")


def run_summary(
    provenance: str,
    confidence: str,
    precision: str,
    drift: str,
    filters: str,
    blank_filter: str,
    imputed: str,
    ladder_qc: str,
    replicates: str,
    separation: str,
    stats: list[str],
    models: list[str],
    output: str,
    internal_standard: str = "",
    cubes: list[str] | None = None,
) -> None:
    """The methods and summary page from provenance.json, each contrast's stats and model, and the QC tables
    (``internal_standard``: how the standard was found; ``cubes``: the runs' scan cubes, for their import warnings)."""
    from ..core.scancube import load_metadata
    from ..report.summary import StudyTables, study_summary

    try:
        record = json.loads(Path(provenance).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise GcmsflowError(provenance, f"not a readable provenance record ({err})") from None
    contrasts = [
        (
            read_tsv(stats_path, ["feature_id", "name", "log2fc", "ci_low", "ci_high", "qvalue", "test"]),
            read_tsv(model_path, ["contrast", "case", "control", "test", "design", "n_case", "n_control", "n_tested", "note"]).iloc[0],
        )
        for stats_path, model_path in zip(sorted(stats), sorted(models))
    ]
    study = StudyTables(
        contrasts=contrasts,
        confidence=read_tsv(confidence, ["feature_id", "winner", "mass_consistent", "passes_thresholds", "qvalue", "accepted", "accepted_by"]),
        precision=read_tsv(precision, ["stage", "median_qc_rsd_percent"]),
        drift=read_tsv(drift, ["action"]),
        filters=read_tsv(filters, ["removed_by"]),
        blanks=read_tsv(blank_filter, ["removed"]),
        imputed=read_tsv(imputed, ["feature_id", "sample"]),
        replicates=read_tsv(replicates, ["group", "n_replicates", "features_in_all_replicates", "median_cv_percent"]),
        separation=read_tsv(separation, ["pc1_percent", "pc2_percent", "silhouette", "pc1_separates_groups"]),
        ladder_qc=read_tsv(ladder_qc, ["batch", "carbon", "rt", "status", "residual_ri", "source"]),
        standard=read_tsv(internal_standard, ["internal_standard", "found_by", "feature_id", "name"]) if internal_standard else None,
        import_warnings={run: load_metadata(path).get("warnings", []) for run, path in runs_by_name(cubes, ".npz").items()} if cubes else None,
    )
    write_text(output, study_summary(study, record))
