"""What users read: plots, the methods and summary page, mzTab-M export, provenance."""
