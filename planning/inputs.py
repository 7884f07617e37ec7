"""Reading the plan's input frames into checked numpy arrays, with errors naming table/field/row.

Row numbers in messages are 0-based positions in the frame as given. At most a few offending
rows are listed, with the total count, so that a 20,000-row mistake still gives a short message.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from planning.errors import PlanInputError

_SHOWN_ROWS = 5


def describe_rows(mask: np.ndarray, values: np.ndarray | pd.Series | None = None) -> str:
    """``"rows [3, 9] (values ['a', 'b'])"`` for the first few True positions of ``mask``."""
    rows = np.flatnonzero(mask)
    shown = rows[:_SHOWN_ROWS]
    more = f" and {len(rows) - len(shown)} more" if len(rows) > len(shown) else ""
    text = f"row{'s' if len(rows) > 1 else ''} {shown.tolist()}{more}"
    if values is not None:
        picked = values.iloc[shown] if isinstance(values, pd.Series) else values[shown]
        text += f" (values {[str(v) for v in picked]})"
    return text


def require_frame(frame: object, table: str, columns: Iterable[str]) -> pd.DataFrame:
    """Check that ``frame`` is a DataFrame holding ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise PlanInputError(f"{table}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlanInputError(f"{table}: missing column(s) {missing}; has {list(frame.columns)}")
    return frame


def read_ids(frame: pd.DataFrame, table: str, column: str) -> pd.Series:
    """A non-empty identifier column as stripped strings (pandas ``str`` dtype)."""
    values = frame[column].astype("str").str.strip()
    empty = (frame[column].isna() | (values == "")).to_numpy()
    if empty.any():
        raise PlanInputError(f"{table}.{column}: missing or empty value at {describe_rows(empty)}")
    return values.reset_index(drop=True)


def read_ints(frame: pd.DataFrame, table: str, column: str, minimum: int) -> np.ndarray:
    """A whole-number column (no missing values) with every value ``>= minimum``, as int64."""
    numbers = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(numbers) | (numbers != np.round(numbers)) | (numbers < minimum)
    if bad.any():
        values = frame[column].to_numpy()
        raise PlanInputError(
            f"{table}.{column}: must be a whole number >= {minimum}; "
            f"bad {describe_rows(bad, values)}"
        )
    return numbers.astype(np.int64)


def read_floats(frame: pd.DataFrame, table: str, column: str) -> np.ndarray:
    """A finite float column (no missing values) as float64."""
    numbers = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(numbers)
    if bad.any():
        values = frame[column].to_numpy()
        raise PlanInputError(
            f"{table}.{column}: must be a finite number; bad {describe_rows(bad, values)}"
        )
    return numbers


def read_priority(frame: pd.DataFrame, table: str, column: str, levels: int) -> np.ndarray:
    """An optional preference priority column: 1 = first choice .. ``levels``; missing = 0."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=np.int8)
    numbers = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    given = ~np.isnan(numbers)
    with np.errstate(invalid="ignore"):
        bad = given & ((numbers != np.round(numbers)) | (numbers < 1) | (numbers > levels))
    unreadable = frame[column].notna().to_numpy() & ~given
    if (bad | unreadable).any():
        values = frame[column].to_numpy()
        raise PlanInputError(
            f"{table}.{column}: must be empty or a whole number 1..{levels} "
            f"(1 = first choice); bad {describe_rows(bad | unreadable, values)}"
        )
    return np.where(given, numbers, 0).astype(np.int8)


def check_unique(keys: np.ndarray | pd.Series, table: str, what: str) -> None:
    """Raise if ``keys`` (one key per row) repeat; ``what`` names the key columns."""
    duplicated = pd.Series(keys).duplicated(keep=False).to_numpy()
    if duplicated.any():
        raise PlanInputError(
            f"{table}: {what} must be unique; repeated at {describe_rows(duplicated, keys)}"
        )


def lookup(values: pd.Series, index: pd.Index, table: str, column: str, target: str) -> np.ndarray:
    """Positions of ``values`` in ``index``; raise naming the rows whose value is not there."""
    # Factorise first: millions of pair rows hold only thousands of distinct ids.
    codes, distinct = pd.factorize(values)
    positions = index.get_indexer(distinct)[codes]
    unknown = positions < 0
    if unknown.any():
        raise PlanInputError(
            f"{table}.{column}: not found in {target} at {describe_rows(unknown, values)}"
        )
    return positions.astype(np.intp)


def read_refs(
    frame: pd.DataFrame, table: str, column: str, index: pd.Index, target: str
) -> np.ndarray:
    """An identifier column that must refer to ``index``, as positions in it."""
    return lookup(read_ids(frame, table, column), index, table, column, target)
