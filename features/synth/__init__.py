"""Synthetic province generator."""
