"""Shared foundations: errors, atomic writes, tables, the scan cube and raw-scan model, the sample sheet, settings, spectrum text and names."""
