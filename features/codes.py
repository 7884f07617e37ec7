"""Integer codes for ids and contract codes, with errors that name the table, column and row.

Feature building works on ``int64`` codes (position in a category tuple or an id index) so that
numpy can index arrays with them; -1 always means "missing".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


class FeatureInputError(ValueError):
    """Input that feature building cannot use; the message names table, column and row."""


def _first_bad(values: pd.Series, bad: np.ndarray, table: str, column: str, what: str) -> None:
    if bad.any():
        where = int(np.flatnonzero(bad)[0])
        label = values.index[where]
        raise FeatureInputError(
            f"{table}.{column}: {what} {values.iloc[where]!r} at row {label} "
            f"({int(bad.sum())} such rows)"
        )


def lookup_codes(values: pd.Series, categories: Sequence[str]) -> np.ndarray:
    """Position of each value in ``categories``; missing or unknown -> -1."""
    index = pd.Index(list(categories), dtype="object")
    return np.asarray(index.get_indexer(pd.Index(values.astype("object"))), dtype=np.int64)


def category_codes(
    values: pd.Series, categories: Sequence[str], *, table: str, column: str
) -> np.ndarray:
    """Codes of contract code values in ``categories`` order; missing -> -1, unknown -> error."""
    codes = lookup_codes(values, categories)
    _first_bad(values, (codes < 0) & values.notna().to_numpy(), table, column, "unknown code")
    return codes


def id_codes(
    values: pd.Series, index: pd.Index, *, table: str, column: str, required: bool = True
) -> np.ndarray:
    """Positions of ids in ``index``; unknown ids -> error, missing -> error unless optional."""
    codes = np.asarray(index.get_indexer(pd.Index(values.astype("object"))), dtype=np.int64)
    present = values.notna().to_numpy()
    _first_bad(values, (codes < 0) & present, table, column, "unknown id")
    if required:
        _first_bad(values, ~present, table, column, "missing value")
    return codes


def unique_index(values: pd.Series, *, table: str, column: str) -> pd.Index:
    """An id index over a key column; duplicates or missing ids -> error naming the first."""
    _first_bad(values, values.isna().to_numpy(), table, column, "missing id")
    _first_bad(values, values.duplicated().to_numpy(), table, column, "duplicate id")
    index: pd.Index = pd.Index(values.astype("object").to_numpy(), dtype="object")
    return index


# Small converters at the edge between frames (NaN / NA / None for "missing") and plain values.


def is_missing(value: object) -> bool:
    """True for None, ``pd.NA``, ``NaT`` and NaN: every way a frame cell says "missing"."""
    return value is None or value is pd.NA or value is pd.NaT or value != value


def optional_int(value: Any) -> int | None:
    """A count or priority held as a float (NaN where missing) as an int, or None."""
    return None if is_missing(value) else round(float(value))


def optional_str(value: object) -> str | None:
    """An optional code or name as str (missing = None, e.g. no requirement)."""
    return None if is_missing(value) else str(value)


def id_array(column: pd.Series) -> np.ndarray:
    """An id column as an object array of str, None where missing."""
    return np.array([v if isinstance(v, str) else None for v in column], dtype=object)


def ids_of_codes(index: pd.Index, codes: np.ndarray) -> pd.Series:
    """The ids at ``codes`` in ``index`` (-1 -> missing), as a str series."""
    values = np.where(codes >= 0, index.to_numpy()[np.maximum(codes, 0)], None)
    return pd.Series(values, dtype="str")


def labelled_groups(
    labels: np.ndarray, known: np.ndarray, n: int, min_share: float
) -> list[tuple[str, float, np.ndarray]]:
    """(value, share of ``n``, member mask) of every group of ``labels`` among the ``known``
    rows whose share reaches ``min_share`` (the groups fairness constraints are put on)."""
    if n == 0:
        return []
    text = np.asarray(labels, dtype=object).astype(str)
    values, counts = np.unique(text[known], return_counts=True)
    return [
        (str(value), count / n, known & (text == value))
        for value, count in zip(values, counts, strict=True)
        if count / n >= min_share
    ]
