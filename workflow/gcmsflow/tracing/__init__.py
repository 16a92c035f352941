"""Stable-isotope tracing: isotopologue clusters of known TMS fragments read from the raw ion traces of each
aligned feature, corrected for natural abundance and tracer purity (IsoCor), and fractional enrichment."""
