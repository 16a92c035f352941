"""Quantities and statistics: normalisation, drift correction, filters, metabolite grouping, replicates, differential tests."""
