"""What the eligibility rules read, as numpy columns: candidates, target posts, freeze periods.

A pandas operation costs tens of microseconds whatever its size, and a ranking evaluates a
dozen rules, each reading a few columns: on a pool of a hundred that overhead was most of the
time. :class:`CandidateColumns` converts a state frame's columns once (numbers to float64,
codes to integer codes into their categories, dates to datetime64) and then takes rows of
them with plain numpy indexing; the serving state builds one per date for every employee.
:class:`TargetColumns` holds one or many target posts the same way, so that one candidate is
judged against hundreds of vacancies in one evaluation. :class:`FreezeTable` parses the
freeze periods once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, cast

import numpy as np
import pandas as pd


class CandidateColumns:
    """Candidate state columns as arrays (one entry per candidate), converted on first use.

    ``frame`` is the employee state frame the columns come from and ``rows`` the rows of it
    these candidates are (None: all of them, in order).
    """

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray | None = None) -> None:
        self.base = frame
        self.rows = rows
        self.columns = frozenset(str(c) for c in frame.columns)
        self._numbers: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, pd.Index]] = {}
        self._dates: dict[str, np.ndarray] = {}
        self._as_of: np.ndarray | None = None
        # Per code column: its categories as objects plus a trailing None (missing); shared by
        # every take, since takes share the categories.
        self._labels: dict[str, np.ndarray] = {}
        self._lookups: dict[tuple[str, tuple[Any, ...]], np.ndarray] = {}  # isin, per values

    def __len__(self) -> int:
        return len(self.base) if self.rows is None else len(self.rows)

    def prepare(self, columns: Iterable[str]) -> CandidateColumns:
        """Convert these columns now (before rows are taken, so takes share the work)."""
        for column in columns:
            if column in self.columns:
                series = self.base[column]
                if pd.api.types.is_datetime64_any_dtype(series):
                    self.dates(column)
                elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
                    series
                ):
                    self.numbers(column)
                else:
                    self.codes(column)
        self.as_of_dates()
        return self

    def take(self, rows: np.ndarray) -> CandidateColumns:
        """The candidates at ``rows`` (positions in this object)."""
        rows = np.asarray(rows, dtype=np.int64)
        taken = CandidateColumns.__new__(CandidateColumns)
        taken.base = self.base
        taken.rows = rows if self.rows is None else self.rows[rows]
        taken.columns = self.columns
        taken._numbers = {k: v[rows] for k, v in self._numbers.items()}
        taken._codes = {k: (c[rows], cats) for k, (c, cats) in self._codes.items()}
        taken._dates = {k: v[rows] for k, v in self._dates.items()}
        taken._as_of = self._as_of  # the dates of a superset: a take is never older or newer
        taken._labels = self._labels
        taken._lookups = self._lookups
        return taken

    def frame(self) -> pd.DataFrame:
        """The candidates' state rows as a DataFrame (for messages; costs a pandas take)."""
        return self.base if self.rows is None else self.base.iloc[self.rows]

    def _series(self, column: str) -> pd.Series:
        series = self.base[column]
        return series if self.rows is None else series.iloc[self.rows]

    def numbers(self, column: str) -> np.ndarray:
        """A numeric column as float64 (missing = NaN)."""
        if column not in self._numbers:
            values = self._series(column).to_numpy(dtype="float64", na_value=np.nan)
            self._numbers[column] = values
        return self._numbers[column]

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """A code column as (integer codes, categories); -1 = missing."""
        if column not in self._codes:
            series = self._series(column)
            if isinstance(series.dtype, pd.CategoricalDtype):
                codes = series.cat.codes.to_numpy(dtype=np.int64)
                categories = pd.Index(series.cat.categories, dtype="object")
            else:
                codes, uniques = pd.factorize(series.astype("object"), use_na_sentinel=True)
                categories = pd.Index(uniques, dtype="object")
            self._codes[column] = (np.asarray(codes, dtype=np.int64), categories)
        return self._codes[column]

    def isin(self, column: str, values: Iterable[Any]) -> np.ndarray:
        """Whether each candidate's code is among ``values`` (missing = False)."""
        codes, categories = self.codes(column)
        key = (column, tuple(values))
        table = self._lookups.get(key)
        if table is None or len(table) != len(categories) + 1:
            # One entry per category, not per candidate; the extra last one is "missing".
            table = np.append(categories.isin(list(key[1])), False)
            self._lookups[key] = table
        return np.asarray(table[codes])

    def labels(self, column: str) -> np.ndarray:
        """A code column's values as objects (None = missing)."""
        codes, categories = self.codes(column)
        labels = self._labels.get(column)
        if labels is None or len(labels) != len(categories) + 1:
            labels = np.empty(len(categories) + 1, dtype=object)
            labels[:-1] = categories.to_numpy(dtype=object)
            labels[-1] = None
            self._labels[column] = labels
        return np.asarray(labels[codes])

    def code_of(self, column: str, values: np.ndarray) -> np.ndarray:
        """The code of each value in a code column's categories; -2 for a value no candidate
        has, or a missing value (so that it matches no candidate, not the missing ones)."""
        _, categories = self.codes(column)
        if len(values) > 8:
            at = categories.get_indexer(pd.Index(values, dtype="object"))
            return np.where((at < 0) | pd.isna(values), -2, at)
        out = np.full(len(values), -2, dtype=np.int64)
        for i, value in enumerate(values):  # a few: hashed lookups, no pandas Index built
            if value is not None and value in categories:
                out[i] = cast(int, categories.get_loc(value))  # categories are unique
        return out

    def dates(self, column: str) -> np.ndarray:
        """A date column as datetime64[ns] (NaT = missing), with a clear error for non-dates."""
        if column not in self._dates:
            series = self._series(column)
            if not pd.api.types.is_datetime64_any_dtype(series):
                try:
                    series = pd.to_datetime(series)
                except (ValueError, TypeError) as exc:
                    raise ValueError(f"candidates.{column}: expected dates ({exc})") from exc
            self._dates[column] = series.to_numpy(dtype="datetime64[ns]")
        return self._dates[column]

    def nips(self) -> np.ndarray:
        """The candidates' NIPs as objects."""
        return self.labels("nip")

    def as_of_dates(self) -> np.ndarray:
        """The distinct dates of the ``as_of`` column (empty without one)."""
        if self._as_of is None:
            if "as_of" not in self.columns:
                self._as_of = np.zeros(0, dtype="datetime64[ns]")
            else:
                stated = pd.to_datetime(self._series("as_of")).to_numpy(dtype="datetime64[ns]")
                self._as_of = np.unique(stated)
        return self._as_of


@dataclass(frozen=True)
class TargetColumns:
    """Target posts as object arrays, one entry per post (the fields of a
    :class:`~features.eligibility_checks.PositionTarget`; None = not set)."""

    unit_id: np.ndarray
    region_code: np.ndarray
    sector: np.ndarray
    jabatan_type: np.ndarray
    position_id: np.ndarray
    min_golongan: np.ndarray
    min_education_level: np.ndarray

    def __len__(self) -> int:
        return len(self.unit_id)

    def take(self, rows: np.ndarray) -> TargetColumns:
        """The posts at ``rows``."""
        return TargetColumns(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    def without_position_id(self) -> TargetColumns:
        """The same posts judged as posts of their kind, not as one particular post."""
        blank = np.full(len(self), None, dtype=object)
        return TargetColumns(**{**self._arrays(), "position_id": blank})

    def message_fields(self) -> dict[str, np.ndarray]:
        """Fields messages cite, as ``target_<field>``."""
        return {f"target_{name}": values for name, values in self._arrays().items()}

    def _arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def target_columns(targets: Iterable[object]) -> TargetColumns:
    """Columns of posts (``PositionTarget`` objects, or anything with the same attributes)."""
    rows = list(targets)
    arrays = {}
    for f in fields(TargetColumns):
        column = np.empty(len(rows), dtype=object)
        column[:] = [getattr(row, f.name) for row in rows]
        arrays[f.name] = column
    return TargetColumns(**arrays)


@dataclass(frozen=True)
class FreezeTable:
    """Freeze periods (pilkada: no transfers in a region) parsed once."""

    region: np.ndarray
    start: np.ndarray
    end: np.ndarray
    reason: np.ndarray

    @classmethod
    def of(cls, freeze_periods: pd.DataFrame | FreezeTable | None) -> FreezeTable:
        """Parse a freeze_periods table (None or empty: no freezes)."""
        if isinstance(freeze_periods, FreezeTable):
            return freeze_periods
        if freeze_periods is None or freeze_periods.empty:
            empty = np.zeros(0, dtype="datetime64[ns]")
            return cls(np.zeros(0, dtype=object), empty, empty, np.zeros(0, dtype=object))
        missing = sorted({"region_code", "start_date", "end_date"} - set(freeze_periods.columns))
        if missing:
            raise ValueError(f"freeze_periods: missing columns {missing}")
        try:
            start = pd.to_datetime(freeze_periods["start_date"]).to_numpy(dtype="datetime64[ns]")
            end = pd.to_datetime(freeze_periods["end_date"]).to_numpy(dtype="datetime64[ns]")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"freeze_periods: start_date/end_date must be dates ({exc})") from exc
        reasons = freeze_periods.get("reason", pd.Series(None, index=freeze_periods.index))
        return cls(
            freeze_periods["region_code"].to_numpy(dtype=object),
            start,
            end,
            reasons.to_numpy(dtype=object),
        )

    def active(self, as_of: pd.Timestamp) -> dict[str, tuple[pd.Timestamp, Any]]:
        """Regions frozen on ``as_of`` (both ends inclusive) -> (end date, reason).

        Where periods of a region overlap, the one ending last is kept: it says how long the
        region stays frozen.
        """
        day = np.datetime64(pd.Timestamp(as_of), "ns")
        frozen: dict[str, tuple[pd.Timestamp, Any]] = {}
        # A loop over the few active periods, not over candidates.
        for i in np.flatnonzero((self.start <= day) & (self.end >= day)):
            region, until = str(self.region[i]), pd.Timestamp(self.end[i])
            if region not in frozen or until > frozen[region][0]:
                frozen[region] = (until, self.reason[i])
        return frozen
