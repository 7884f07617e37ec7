"""Employee-position fit features, point-in-time correct, one code path for training and serving.

``FitFeatureBuilder().fit(dataset)`` indexes the history once. Then:

- training: ``.transform(triples)`` with columns ``nip, position_id, as_of`` (each row its own
  date) -> one row of features per triple;
- serving: ``.snapshot(as_of)`` precomputes every employee's side at one date, and
  ``snapshot.pair_features(position)`` scores one position (an id or an inline post) against
  many candidates in a few milliseconds.

Both paths compute the employee side with :func:`features.asof.employee_side`, the pair lookups
with the same :class:`~features.history.EmployeeHistory` methods, and the features with
:func:`features.pairs.pair_features`. Only records dated before ``as_of`` are used.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from features.asof import (
    DegradationReport,
    EmployeeSide,
    age_band,
    degradation_report,
    employee_side,
    state_frame,
)
from features.catalogue import FeatureCatalogue, load_catalogue
from features.codes import FeatureInputError
from features.contract import SECTORS, Dataset
from features.dated_index import MISSING_DAY, day_of, pack, to_days, unpack
from features.history import EmployeeHistory
from features.pairs import PairContext, pair_features
from features.positions import PositionSide, PositionTable
from features.taxonomy import load_taxonomy

TRIPLE_COLUMNS: tuple[str, ...] = ("nip", "position_id", "as_of")
PROTECTED_COLUMNS: tuple[str, ...] = ("nip", "gender", "age_band")


class FitFeatureBuilder(BaseEstimator):  # type: ignore[misc]  # scikit-learn has no stubs
    """Builds the catalogue's fit features for (employee, position, date) triples.

    Parameters
    ----------
    chunk_size:
        Triples processed at once by :meth:`transform` (bounds memory for millions of rows).
    catalogue_path:
        A catalogue YAML other than the packaged one (column order, degradation).
    """

    def __init__(self, chunk_size: int = 250_000, catalogue_path: Path | None = None) -> None:
        self.chunk_size = chunk_size
        self.catalogue_path = catalogue_path

    def fit(self, dataset: Dataset, y: Any = None) -> Self:
        """Index the dataset's history; learned state goes into ``*_`` attributes."""
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")
        self.catalogue_: FeatureCatalogue = load_catalogue(self.catalogue_path)
        self.history_ = EmployeeHistory(dataset)
        self.positions_ = PositionTable(dataset, self.history_)
        self.degradation_: DegradationReport = degradation_report(self.history_)
        self.feature_names_out_ = np.array(self.catalogue_.names, dtype=object)
        self.columns_ = pd.Index(self.catalogue_.names, dtype="object")
        self.blank_ = np.array(
            [self.catalogue_.names.index(f) for f in self.degradation_.nan_features], dtype=np.int64
        )
        taxonomy = load_taxonomy().matrix
        self.field_fit_ = np.vstack([taxonomy, np.full((1, taxonomy.shape[1]), np.nan)])
        self.export_date_ = dataset.export_date
        self.snapshot_id_ = dataset.snapshot_id
        # Every catalogue feature must have an implementation: fail at fit, not at serving.
        self.transform(pd.DataFrame({c: pd.Series(dtype="object") for c in TRIPLE_COLUMNS}))
        return self

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Feature names in model column order (the catalogue's)."""
        check_is_fitted(self, "history_")
        return self.feature_names_out_.copy()

    def pair_matrix(self, emp: EmployeeSide, pos: PositionSide, ctx: PairContext) -> np.ndarray:
        """The one feature computation both paths end in (catalogue order, blanks applied)."""
        return pair_features(
            emp,
            pos,
            ctx,
            field_fit=self.field_fit_,
            names=self.catalogue_.names,
            blank=self.blank_,
        )

    def _codes(self, triples: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        missing = [c for c in TRIPLE_COLUMNS if c not in triples.columns]
        if missing:
            raise FeatureInputError(f"triples: missing columns {missing}")
        nips = self.history_.nip_codes(triples["nip"], table="triples")
        positions = self.positions_.codes(triples["position_id"], table="triples")
        try:
            days = to_days(triples["as_of"]) if len(triples) else np.array([], dtype=np.int64)
        except (ValueError, TypeError) as exc:
            raise FeatureInputError(f"triples.as_of: not a date ({exc})") from exc
        if (days == MISSING_DAY).any():
            label = triples.index[int(np.argmax(days == MISSING_DAY))]
            raise FeatureInputError(f"triples.as_of: missing date at row {label}")
        return nips, positions, days

    def transform(self, triples: pd.DataFrame) -> pd.DataFrame:
        """Features of (nip, position_id, as_of) triples, each as of its own date.

        Returns float64 columns in catalogue order, index = ``triples.index``.
        """
        check_is_fitted(self, "history_")
        nips, positions, days = self._codes(triples)
        # Column-major like pair_features, so the DataFrame wraps it without a copy.
        out = np.empty((len(self.catalogue_.names), len(triples)), dtype=np.float64).T
        for start in range(0, len(triples), self.chunk_size):
            part = slice(start, start + self.chunk_size)
            out[part] = self._transform_codes(nips[part], positions[part], days[part])
        if not len(triples):
            out = self._transform_codes(nips, positions, days)
        return pd.DataFrame(out, index=triples.index, columns=self.columns_, copy=False)

    def _transform_codes(
        self, nips: np.ndarray, positions: np.ndarray, days: np.ndarray
    ) -> np.ndarray:
        # Ranking pools repeat (nip, date) across positions: compute each employee side once.
        unique, inverse = np.unique(pack(nips, days), return_inverse=True)
        emp = employee_side(self.history_, *unpack(unique)).take(inverse)
        pos = self.positions_.side.take(positions)
        return self.pair_matrix(emp, pos, self._row_context(emp, pos))

    def _row_context(self, emp: EmployeeSide, pos: PositionSide) -> PairContext:
        """Pair lookups for rows that each have their own date."""
        history = self.history_
        timeline = history.timeline
        return PairContext(
            years_in_target_sector=timeline.years_in_sector(
                emp.nip, emp.day, pos.sector, emp.position, emp.interval_start
            ),
            preference_priority=history.preference_priority(emp.nip, pos.unit, emp.day),
            target_position_headcount=timeline.by_position.headcount(pos.position, emp.day),
            target_unit_headcount=timeline.by_unit.headcount(pos.unit, emp.day),
            source_unit_headcount=timeline.by_unit.headcount(emp.unit, emp.day),
            source_unit_need=self.positions_.need_of_unit[emp.unit],
        )

    def protected(self, triples: pd.DataFrame) -> pd.DataFrame:
        """Side-car frame (nip, gender, age_band) aligned to ``triples`` for the fairness audit."""
        check_is_fitted(self, "history_")
        nips, _, days = self._codes(triples)
        return _protected_frame(self.history_, nips, days, triples.index)

    def with_preferences(self, preferences: pd.DataFrame | None) -> FitFeatureBuilder:
        """This fitted builder reading another preferences table (the rest shared).

        How serving applies usulan statements received after the export: the same features,
        computed by the same code, from an overlaid preferences table
        (:meth:`EmployeeHistory.with_preferences`).
        """
        check_is_fitted(self, "history_")
        other = copy.copy(self)
        other.history_ = self.history_.with_preferences(preferences)
        return other

    def snapshot(self, as_of: Any) -> EmployeeSnapshot:
        """Every employee in service at ``as_of`` (TMT CPNS before it), precomputed for serving."""
        check_is_fitted(self, "history_")
        return EmployeeSnapshot(self, day_of(as_of))


def _protected_frame(
    history: EmployeeHistory, nips: np.ndarray, days: np.ndarray | np.int64, index: pd.Index
) -> pd.DataFrame:
    years = (np.asarray(days) - history.birth[nips]) / 365.25
    return pd.DataFrame(
        {
            "nip": history.nips.to_numpy()[nips],
            "gender": history.employees["gender"].to_numpy()[nips],
            "age_band": age_band(np.broadcast_to(years, nips.shape).astype(np.float64)),
        },
        index=index,
    )


class EmployeeSnapshot:
    """Employee sides of everyone in service at one date, for fast pair features in serving.

    Attributes: ``as_of`` (Timestamp), ``nips`` (Index, snapshot row order), ``side`` (the
    :class:`~features.asof.EmployeeSide` of those rows), ``state`` (employee state frame, for
    eligibility), ``position_headcount`` / ``unit_headcount`` (bezetting at ``as_of`` by position
    / unit code, in ``builder.positions_.ids`` / ``builder.history_.units`` order).
    """

    def __init__(self, builder: FitFeatureBuilder, day: np.int64) -> None:
        history = builder.history_
        self.builder = builder
        self.day = day
        self.as_of = pd.Timestamp(np.datetime64(int(day), "D"))
        codes = np.flatnonzero(history.tmt_cpns < day)
        self.side = employee_side(history, codes, np.full(len(codes), day))
        self.nips = pd.Index(history.nips.to_numpy()[codes], dtype="str", name="nip")
        # An object-dtype twin hashes NIP lists given by callers fastest (measured).
        self._lookup = pd.Index(history.nips.to_numpy()[codes], dtype="object")
        timeline = history.timeline
        # Same lookups as the training path, evaluated once for every key at this date.
        self.sector_years = np.column_stack(
            [
                timeline.years_in_sector(
                    codes, day, s, self.side.position, self.side.interval_start
                )
                for s in range(len(SECTORS))
            ]
        )
        self.position_headcount = timeline.by_position.headcount(
            np.arange(len(history.positions)), day
        )
        self.unit_headcount = timeline.by_unit.headcount(np.arange(len(history.units)), day)

    def __len__(self) -> int:
        return len(self.nips)

    def with_builder(self, builder: FitFeatureBuilder) -> EmployeeSnapshot:
        """This snapshot scoring pairs with ``builder`` (one made by ``with_preferences`` of the
        builder it was built with: nothing precomputed here reads the preferences)."""
        other = copy.copy(self)
        other.builder = builder
        return other

    @cached_property
    def state(self) -> pd.DataFrame:
        """The employee state frame of the snapshot (for the eligibility rules)."""
        return state_frame(self.builder.history_, self.side)

    def rows(self, nips: Sequence[str] | None = None) -> np.ndarray:
        """Snapshot rows of NIPs (all rows if None); unknown or not-in-service NIPs are errors."""
        if nips is None:
            return np.arange(len(self.nips))
        rows = self.lookup(nips)
        if (rows < 0).any():
            bad = [n for n, r in zip(nips, rows, strict=True) if r < 0][:5]
            raise FeatureInputError(
                f"nips not in service on {self.as_of.date()} (or unknown): {bad}"
            )
        return rows

    def lookup(self, nips: Sequence[str]) -> np.ndarray:
        """Snapshot rows of NIPs, -1 for a NIP unknown or not in service (one hash join)."""
        rows: np.ndarray = self._lookup.get_indexer(pd.Index(list(nips), dtype="object"))
        return rows

    def pair_array(
        self, position: str | Mapping[str, Any], rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Feature matrix (n, features) of one position against snapshot rows (all if None)."""
        pos = self.builder.positions_.single(position)
        emp = self.side if rows is None else self.side.take(rows)
        years = self.sector_years if rows is None else self.sector_years[rows]
        unit = int(pos.unit[0])
        position_code = int(pos.position[0])
        ctx = PairContext(
            years_in_target_sector=years[:, int(pos.sector[0])],
            preference_priority=self.builder.history_.preference_priority(
                emp.nip, np.int64(unit), self.day
            ),
            target_position_headcount=np.full(
                len(emp), self.position_headcount[position_code] if position_code >= 0 else 0.0
            ),
            target_unit_headcount=np.full(len(emp), self.unit_headcount[unit]),
            source_unit_headcount=self.unit_headcount[emp.unit],
            source_unit_need=self.builder.positions_.need_of_unit[emp.unit],
        )
        return self.builder.pair_matrix(emp, pos, ctx)

    def pair_features(
        self, position: str | Mapping[str, Any], nips: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Features of one position (id or inline post) against candidates, indexed by NIP."""
        rows = None if nips is None else self.rows(nips)
        index = self.nips if rows is None else self.nips[rows]
        return pd.DataFrame(
            self.pair_array(position, rows), index=index, columns=self.builder.columns_, copy=False
        )

    def protected(self, nips: Sequence[str] | None = None) -> pd.DataFrame:
        """Side-car frame (nip, gender, age_band) of candidates, indexed by NIP."""
        rows = self.rows(nips)
        index = self.nips[rows]
        return _protected_frame(self.builder.history_, self.side.nip[rows], self.day, index)
