"""As-of lookups over dated records with numpy: the primitive every point-in-time feature uses.

Dates are handled as ``int64`` day numbers (days since 1970-01-01). A :class:`DatedIndex` sorts
records by ``(key, day)`` into one ``int64`` array so that "the last record of this key dated
strictly before that day" is a single ``np.searchsorted`` for any number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Day numbers are shifted by 2**31 into the low 32 bits of the combined sort key, so any date
# pandas can hold fits and keys up to 2**31 keep the combined key positive.
_DAY_SHIFT = np.int64(2**31)
_KEY_BITS = np.int64(32)
MISSING_DAY = np.int64(np.iinfo(np.int64).min)
# "Still open" interval end: later than any real date, still inside the 32-bit day window.
OPEN_END = np.int64(2**31 - 1)
DAYS_PER_YEAR = 365.25


def to_days(values: Any) -> np.ndarray:
    """Dates (Series, Index, array, scalar) -> int64 day numbers; NaT -> :data:`MISSING_DAY`."""
    if np.ndim(values) == 0:
        values = [values]
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    dates = pd.to_datetime(series).to_numpy(dtype="datetime64[ns]")
    days = dates.astype("datetime64[D]").astype(np.int64)
    days[np.isnat(dates)] = MISSING_DAY
    return days


def day_of(value: Any) -> np.int64:
    """One date (str, date, Timestamp) -> its day number; a clear error for anything else."""
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError(f"as_of must be a date, got {value!r}")
    return np.int64(to_days(stamp)[0])


def years_between(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Years from ``earlier`` to ``later`` (day numbers); NaN where either is missing."""
    out: np.ndarray = (later - earlier).astype(np.float64) / DAYS_PER_YEAR
    out[(later == MISSING_DAY) | (earlier == MISSING_DAY)] = np.nan
    return out


def _combine(keys: np.ndarray, days: np.ndarray) -> np.ndarray:
    return (keys.astype(np.int64) << _KEY_BITS) | (days.astype(np.int64) + _DAY_SHIFT)


def pack(keys: np.ndarray, days: np.ndarray) -> np.ndarray:
    """(key, day) pairs as one sortable ``int64`` each (keys >= 0); :func:`unpack` reverses it."""
    return _combine(keys, days)


def unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (keys, days) of :func:`pack` values."""
    return packed >> _KEY_BITS, (packed & np.int64(2**32 - 1)) - _DAY_SHIFT


@dataclass(frozen=True)
class DatedIndex:
    """Records sorted by ``(key, day)``; ``order`` maps sorted positions to input positions.

    Records with a missing day or a negative key are left out: they can never be "before" a
    date. Payload arrays are reordered by the caller with ``payload[index.order]``.
    """

    keys: np.ndarray
    days: np.ndarray
    order: np.ndarray
    combined: np.ndarray

    @classmethod
    def build(
        cls, keys: np.ndarray, days: np.ndarray, tiebreak: np.ndarray | None = None
    ) -> DatedIndex:
        """Index records; among equal ``(key, day)`` the largest ``tiebreak`` sorts last."""
        keys = np.asarray(keys, dtype=np.int64)
        days = np.asarray(days, dtype=np.int64)
        usable = np.flatnonzero((days != MISSING_DAY) & (keys >= 0))
        sort_keys = [days[usable], keys[usable]]
        if tiebreak is not None:
            sort_keys.insert(0, np.asarray(tiebreak)[usable])
        order = usable[np.lexsort(sort_keys)]
        return cls(keys[order], days[order], order, _combine(keys[order], days[order]))

    def __len__(self) -> int:
        return len(self.keys)

    def count_before(self, keys: np.ndarray, days: np.ndarray | np.int64) -> np.ndarray:
        """Number of records of each query key dated strictly before the query day."""
        keys = np.asarray(keys, dtype=np.int64)
        upto = np.searchsorted(self.combined, _combine(keys, np.broadcast_to(days, keys.shape)))
        counts: np.ndarray = (upto - self.block_start(keys)).astype(np.int64)
        return counts

    def block_start(self, keys: np.ndarray) -> np.ndarray:
        """Sorted position where each key's records begin (its first record, if any)."""
        return np.searchsorted(self.combined, np.asarray(keys, dtype=np.int64) << _KEY_BITS)

    def last_before(self, keys: np.ndarray, days: np.ndarray | np.int64) -> np.ndarray:
        """Sorted position of each query key's last record dated before the day, or -1."""
        keys = np.asarray(keys, dtype=np.int64)
        pos = np.searchsorted(self.combined, _combine(keys, np.broadcast_to(days, keys.shape))) - 1
        hit = pos >= 0
        hit[hit] = self.keys[pos[hit]] == keys[hit]
        return np.where(hit, pos, -1)

    def first_of(self, keys: np.ndarray) -> np.ndarray:
        """Sorted position of each query key's first record (any date), or -1."""
        keys = np.asarray(keys, dtype=np.int64)
        pos = self.block_start(keys)
        hit = pos < len(self.keys)
        hit[hit] = self.keys[pos[hit]] == keys[hit]
        return np.where(hit, pos, -1)


def take(values: np.ndarray, positions: np.ndarray, fill: Any) -> np.ndarray:
    """``values[positions]`` with ``fill`` where a position is -1 (no record)."""
    if len(values) == 0:
        return np.full(positions.shape, fill, dtype=np.result_type(values.dtype, type(fill)))
    out = values[np.where(positions >= 0, positions, 0)]
    return np.where(positions >= 0, out, fill)
