"""Rows whose shape cannot be trusted: more fields than the header, cells over the length limit.

Both reject the row. An over-long cell is reported once, as ``too_long``, and every other
check sees it as missing (:func:`mask_too_long`), so a megabyte of text in a code column is not
also a ``code`` error, and never becomes a key, a reference or a value in the report.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from features.contract import Table
from features.validation.report import ERROR, concat_issues, issues_frame

TOO_LONG = "too_long"
EXTRA_FIELDS = "extra_fields"
SHOWN_CHARS = 60  # how much of an over-long value the report repeats

Frames = Mapping[Table, pd.DataFrame]


def shown(values: pd.Series) -> pd.Series:
    """Values cut to ``SHOWN_CHARS`` characters, with the full length said when cut."""
    length = values.str.len()
    cut = values.str.slice(0, SHOWN_CHARS) + "… (" + length.astype("str") + " characters)"
    return values.where(length <= SHOWN_CHARS, cut)


def too_long_cells(tables: Frames, limit: int) -> dict[Table, pd.DataFrame]:
    """Per table, which cells hold more than ``limit`` characters (a bool frame)."""
    return {
        table: frame.apply(lambda s: (s.str.len() > limit).fillna(False).astype(bool))
        for table, frame in tables.items()
    }


def mask_too_long(tables: Frames, long: Mapping[Table, pd.DataFrame]) -> dict[Table, pd.DataFrame]:
    """The tables with over-long cells missing, as every check after ``too_long`` sees them."""
    return {
        table: frame.mask(long[table]) if long[table].to_numpy().any() else frame
        for table, frame in tables.items()
    }


def too_long_issues(tables: Frames, long: Mapping[Table, pd.DataFrame], limit: int) -> pd.DataFrame:
    """One ``too_long`` error per over-long cell, showing the start of the value."""
    parts = []
    for table, frame in tables.items():
        for column in frame.columns[long[table].any().to_numpy()]:
            cells = frame.loc[long[table][column], column]
            parts.append(
                issues_frame(
                    table=table.value,
                    rows=cells.index.to_numpy(),
                    column=column,
                    rule=TOO_LONG,
                    value=shown(cells).to_numpy(),
                    message=f"longer than {limit} characters (MUTASI_MAX_CELL_LENGTH)",
                    severity=ERROR,
                )
            )
    return concat_issues(parts)


def without_masked_required(
    issues: pd.DataFrame, too_long: pd.DataFrame, required_rule: str
) -> pd.DataFrame:
    """Drop the ``required`` errors that masking an over-long cell caused (it is reported)."""
    if too_long.empty:
        return issues
    cell = ["table", "row", "column"]
    long = too_long[cell].assign(_long=True)
    hit = issues[cell].merge(long, on=cell, how="left")["_long"].notna().to_numpy()
    return issues[~(hit & (issues["rule"] == required_rule).to_numpy(bool))]


def extra_field_issues(surplus: Mapping[Table, pd.Series]) -> pd.DataFrame:
    """One ``extra_fields`` error per row that has non-empty fields beyond the header."""
    return concat_issues(
        [
            issues_frame(
                table=table.value,
                rows=fields.index.to_numpy(),
                column=None,
                rule=EXTRA_FIELDS,
                value=shown(fields).to_numpy(),
                message="more fields than the header (an unquoted comma in a field?): "
                "which field is which cannot be known",
                severity=ERROR,
            )
            for table, fields in surplus.items()
        ]
    )
