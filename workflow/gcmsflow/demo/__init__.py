"""The simulated demo study (spectra modelled, not copied) and its metabolite table."""
