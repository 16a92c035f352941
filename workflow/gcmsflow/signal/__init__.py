"""Signal processing per run and across runs: detection and deconvolution, retention index, alignment, gap filling."""
