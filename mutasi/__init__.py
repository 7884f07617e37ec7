"""Mutasi: decision support for planning transfers of Indonesian civil servants (ASN)."""

__version__ = "0.1.0"
