"""gcmsflow: GC-EI-MS metabolomic profiling, from raw runs to tested metabolites."""

__version__ = "0.1.0"
