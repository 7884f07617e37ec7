"""Validation of a contract dataset: per-column pandera schemas, row and key rules, the report.

``validate_tables(raw)`` takes the text tables read by ``features.data.read_raw_tables`` and
returns a :class:`ValidationResult`: the typed :class:`~features.contract.Dataset` of accepted
rows, every issue found, per-table counts and the rejected rows. Which rules reject a row and
which only warn is documented in docs/validation.md.
"""

from features.validation.report import (
    CASCADE,
    DEGRADED_FEATURES,
    ERROR,
    INFO,
    ISSUE_COLUMNS,
    WARNING,
    ValidationResult,
)
from features.validation.table_schemas import schema_for
from features.validation.validator import validate_tables

__all__ = [
    "CASCADE",
    "DEGRADED_FEATURES",
    "ERROR",
    "INFO",
    "ISSUE_COLUMNS",
    "WARNING",
    "ValidationResult",
    "schema_for",
    "validate_tables",
]
