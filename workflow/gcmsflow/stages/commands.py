"""The command table: each ``gcmsflow`` subcommand's runner, help and flags, and its settings flags.

Runners are named as text (``"module:function"`` under ``stages/``), so reading the table imports no stage.
"""

from __future__ import annotations

# subcommand: (runner "module:function" in stages/, help, flags; "+" takes one or more values, "*" any, "?" optional)
STAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "import": ("per_run:run_import", "import a raw run into a scan cube (.npz)", ("input", "output")),
    "detect": ("per_run:run_detect", "detect and deconvolute components of one run", ("input", "output", "msp?")),
    "chunk": (
        "chunk:run_chunk",
        "import and detect a chunk of runs in one process (the files import and detect write, run by run)",
        ("inputs+", "cubes+", "peaks+", "msp+"),
    ),
    "ri": ("features:run_ri", "build per-batch RI calibrations from ladder-run peaks (or a marker RT table), with ladder QC", ("samples", "peaks*", "output", "qc")),
    "align": ("features:run_align", "align components of all runs into features", ("samples", "calibration", "peaks+", "output", "members", "msp", "corrections")),
    "gapfill": ("features:run_gapfill", "re-integrate missing feature cells", ("table", "members", "cubes+", "output", "filled")),
    "annotate": (
        "annotation:run_annotate",
        "match feature spectra against a library, with target-decoy false-annotation rates",
        ("features", "library", "output", "hits", "confidence", "named", "internal-standard?", "standard-qc?", "prepared?"),
    ),
    "prepare-library": (
        "annotation:run_prepare_library",
        "parse a library and make its decoys once, for annotate --prepared (keyed by the library's checksum and settings)",
        ("library", "output"),
    ),
    "normalize": (
        "quantities:run_normalize",
        "filter, drift-correct, normalise, impute and log2-transform the feature table",
        ("table", "annotations", "samples", "output", "drift-corrected", "factors", "imputed", "blank-filter", "drift", "filters", "precision"),
    ),
    "differential": (
        "quantities:run_differential",
        "test one contrast",
        ("abundance", "annotations", "samples", "drift", "contrast", "case", "control", "output", "model", "covariates*"),
    ),
    "metabolites": ("quantities:run_metabolites", "group features that are forms of one metabolite", ("annotations", "abundance", "output", "abundance-output")),
    "replicates": ("quantities:run_replicates", "replicate consistency per group and PCA separation of the groups", ("aligned", "abundance", "samples", "output", "separation")),
    "mztab": ("outputs:run_mztab", "export the study as mzTab-M 2.0", ("table", "abundance", "annotations", "samples", "library", "output")),
    "provenance": ("outputs:run_provenance", "record versions, config hash, input checksums and command line", ("samples", "library", "config-json", "command?", "output")),
    "summary": (
        "outputs:run_summary",
        "write the report's methods and summary page",
        ("provenance", "confidence", "precision", "drift", "filters", "blank-filter", "imputed", "ladder-qc", "replicates", "separation",
         "stats+", "models+", "output", "internal-standard?", "cubes*"),
    ),
    "trace": (
        "tracing:run_trace",
        "isotopologue distributions of known fragments, corrected for natural abundance and tracer purity (IsoCor)",
        ("samples", "table", "members", "annotations", "features", "cubes+", "isotopologues", "enrichment", "matrix", "fragments"),
    ),
    "quantify": (
        "quantification:run_quantify",
        "calibration curves (labelled internal standards on their shifted ions), concentrations with LOD/LOQ flags, per biomass, medium and group tests",
        ("samples", "table", "members", "annotations", "hits?", "cubes+", "calibration", "levels", "concentrations", "biomass", "consumption", "tests", "responses", "contrasts?"),
    ),
    "quant-plots": ("quantification:run_quant_plots", "draw the calibration curves and concentration box plots", ("samples", "calibration", "levels", "concentrations", "biomass", "curves", "boxes")),
    "trace-plots": ("figures:run_trace_plots", "draw the stacked isotopologue bars of the traced fragments", ("samples", "isotopologues", "output")),
    "design": ("designs:run_design", "fit one study design: moderated t per contrast, moderated F per F-test (limma lmFit/eBayes)", ("abundance", "annotations", "samples", "outdir")),
    "design-plots": (
        "designs:run_design_plots",
        "draw a design's matrix, volcano per contrast and trends of its top features",
        ("samples", "abundance", "annotations", "matrix", "stats+", "ftests*", "highlight*", "outdir"),
    ),
    "plots": (
        "figures:run_plots",
        "draw the report figures",
        ("samples", "ladder-qc", "corrections", "table", "drift-corrected", "abundance", "annotations", "cubes+", "stats+", "highlight*", "outdir"),
    ),
}
# settings flags per subcommand: flag -> "module:Class" of the settings dataclass it fills
SETTINGS: dict[str, dict[str, str]] = {
    "import": {"options": "io.importer:ImportParams"},
    "detect": {"options": "signal.detect:DetectParams"},
    "chunk": {"import-options": "io.importer:ImportParams", "detect-options": "signal.detect:DetectParams"},
    "ri": {"options": "signal.ri:RiParams"},
    "align": {"options": "signal.align:AlignParams"},
    "gapfill": {"options": "signal.detect:DetectParams"},
    "annotate": {"options": "identify.params:MatchParams"},
    "prepare-library": {"options": "identify.params:MatchParams"},
    "trace": {"options": "tracing.fragments:TracingParams"},
    "design": {"design": "stats.design_matrix:DesignSpec"},
    "design-plots": {"design": "stats.design_matrix:DesignSpec"},
    "quantify": {"options": "quantify.standards:QuantParams"},
    "normalize": {"options": "stats.normalize:NormalizeParams", "drift-options": "stats.drift:DriftParams", "filter-options": "stats.filters:FilterParams"},
}
