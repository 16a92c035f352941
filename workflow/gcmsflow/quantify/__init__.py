"""Absolute quantification: calibration curves from calibrant runs (labelled internal standards read on their shifted
ions), concentrations with LOD/LOQ flags, per biomass, spent against fresh medium, and between groups."""
