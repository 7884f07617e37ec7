"""Strict, vectorised parsers from contract text cells to typed values.

Every parser maps a missing *or malformed* cell to NA, so "the cell parses" is simply
``parser(cells).notna()`` on non-missing cells: the schema checks and the typed frames
share one definition of each format.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from features.contract import (
    COLUMNS,
    COMPETENCY_CODES,
    COMPETENCY_LEVELS,
    EDUCATION_FIELDS,
    Column,
    Table,
    dtype_of,
)

# [0-9], not \d: \d also matches other scripts' digits (e.g. full-width), which the
# casts below cannot read.
ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# At most 15 digits: larger values cannot be held exactly and are never a contract value.
INT_TEXT = r"[+-]?[0-9]{1,15}"
FLOAT_TEXT = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
BOOL_TEXT: dict[str, bool] = {"true": True, "false": False, "1": True, "0": False}
# The contract's only bool, positions.is_active, defaults to true when missing.
BOOL_DEFAULT = True
COMPETENCY_ITEM = r"\s*([^:]+?)\s*:\s*([0-9]{1,3})\s*"

_NS_MIN = pd.Timestamp.min.ceil("D")
_NS_MAX = pd.Timestamp.max.floor("D")


def parse_date(cells: pd.Series) -> pd.Series:
    """ISO ``YYYY-MM-DD`` only (no times, no other layouts) -> ``datetime64[ns]``."""
    iso = cells.str.fullmatch(ISO_DATE).fillna(False).astype(bool)
    dates = pd.to_datetime(cells.where(iso), format="%Y-%m-%d", errors="coerce")
    # Beyond the nanosecond range (years before 1678 or after 2261) is never a real HR date.
    return dates.where(dates.between(_NS_MIN, _NS_MAX)).astype("datetime64[ns]")


def parse_int(cells: pd.Series) -> pd.Series:
    """Whole numbers written as digits (``"3"``, not ``"3.0"``) -> ``Int64``."""
    whole = cells.str.fullmatch(INT_TEXT).fillna(False).astype(bool)
    return cells.where(whole).astype("Int64")


def parse_float(cells: pd.Series) -> pd.Series:
    """Finite decimal numbers (``"82.5"``, ``"1e2"``) -> ``float64``."""
    decimal = cells.str.fullmatch(FLOAT_TEXT).fillna(False).astype(bool)
    numbers = cells.where(decimal).astype("float64")
    return numbers.where(np.isfinite(numbers))


def parse_bool(cells: pd.Series) -> pd.Series:
    """``true``/``false``/``1``/``0`` (any case) -> ``boolean``."""
    return cells.str.lower().map(BOOL_TEXT).astype("boolean")


def parse_code(cells: pd.Series, col: Column) -> pd.Series:
    """A code of the column's list -> categorical with the contract's categories."""
    return cells.where(cells.isin(col.codes)).astype(dtype_of(col))


def list_items(cells: pd.Series) -> pd.Series:
    """``;``-separated items, one per row, indexed like ``cells``; empty items dropped."""
    items = cells.dropna().str.split(";").explode().str.strip()
    return items[items.notna() & (items != "")]


def education_fields_known(cells: pd.Series) -> pd.Series:
    """Per cell: every listed education field is a contract code (True for empty lists)."""
    items = list_items(cells)
    return _rows_without(cells, items.index[~items.isin(EDUCATION_FIELDS)])


def competency_requirements_known(cells: pd.Series) -> pd.Series:
    """Per cell: every item is ``code:level`` with a known code and a level in 1..5."""
    items = list_items(cells)
    parts = items.str.extract(f"^{COMPETENCY_ITEM}$")
    level = pd.to_numeric(parts[1], errors="coerce")
    good = parts[0].isin(COMPETENCY_CODES) & level.isin(list(COMPETENCY_LEVELS))
    return _rows_without(cells, items.index[~good.to_numpy()])


def _rows_without(cells: pd.Series, bad_rows: pd.Index) -> pd.Series:
    """True for the cells whose row label is not among ``bad_rows``."""
    return pd.Series(~cells.index.isin(bad_rows), index=cells.index)


def _parser(col: Column) -> Callable[[pd.Series], pd.Series]:
    if col.kind == "code":
        return lambda cells: parse_code(cells, col)
    parsers: dict[str, Callable[[pd.Series], pd.Series]] = {
        "date": parse_date,
        "int": parse_int,
        "float": parse_float,
        "bool": parse_bool,
    }
    return parsers.get(col.kind, lambda cells: cells.astype("str"))


def parse_column(col: Column, cells: pd.Series) -> pd.Series:
    """A text column as typed values (NA where missing or malformed)."""
    return _parser(col)(cells)


def parse_frame(table: Table, raw: pd.DataFrame) -> pd.DataFrame:
    """A raw text table as typed columns, same index; malformed cells become NA."""
    return pd.DataFrame(
        {col.name: parse_column(col, raw[col.name]) for col in COLUMNS[table]}, index=raw.index
    )


def typed_frame(table: Table, parsed: pd.DataFrame) -> pd.DataFrame:
    """Accepted parsed rows as the contract's typed frame (``dtype_of``), index 0..n-1.

    Only valid rows reach here, so required ints have no NA and cast to ``int64``.
    """
    out = parsed.reset_index(drop=True)
    for col in COLUMNS[table]:
        values = out[col.name]
        if col.kind == "bool":
            values = values.fillna(BOOL_DEFAULT)
        out[col.name] = values.astype(dtype_of(col))
    return out
