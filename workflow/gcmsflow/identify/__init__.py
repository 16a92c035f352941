"""Identification: library search, decoys, annotation with a false-annotation rate."""
