"""Serving stage of the Mutasi pipeline."""
