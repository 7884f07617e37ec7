"""Training stage of the Mutasi pipeline."""
