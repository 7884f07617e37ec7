"""Every history table of a dataset indexed for point-in-time lookups (fitted once, queried often).

:class:`EmployeeHistory` maps ids to integer codes, sorts each dated table into a
:class:`~features.dated_index.DatedIndex` and keeps the SKP history as a dense
employee x year matrix. Its lookups take employee codes and day numbers and only ever see
records dated strictly before the query day (``< as_of``; see :mod:`features.timeline`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.codes import category_codes, id_codes, unique_index
from features.contract import (
    COMPETENCY_CODES,
    EDUCATION_FIELDS,
    EDUCATION_LEVELS,
    EDUCATION_RANK,
    EMPLOYMENT_TYPES,
    GOLONGAN,
    JABATAN_TYPES,
    PNS_GOLONGAN_RANK,
    RATING_VALUE,
    RATINGS,
    SECTORS,
    Dataset,
    Table,
)
from features.dated_index import MISSING_DAY, DatedIndex, take, to_days
from features.timeline import PositionTimeline

# Rank of each education level code / PNS rank of each golongan code (NaN: PPPK scheme).
LEVEL_RANK = np.array([EDUCATION_RANK[lv] for lv in EDUCATION_LEVELS], dtype=np.float64)
GOLONGAN_PNS_RANK = np.array([PNS_GOLONGAN_RANK.get(g, np.nan) for g in GOLONGAN])
RATING_SCALE = np.array([RATING_VALUE[r] for r in RATINGS], dtype=np.float64)
# Middle of each predikat's band on the 0..100 score scale of PP 46/2011 (buruk <= 50, kurang
# 51-60, cukup 61-75, baik 76-90, sangat baik 91-100), in RATINGS order: what a rated year is
# worth on the score scale when it has no score.
RATING_BAND_SCORE = np.array([25.0, 55.5, 68.0, 83.0, 95.5])
# Optional column of a preferences table: the order statements were received in (0 = export).
SEQUENCE_COLUMN = "sequence"
TECHNICAL_CODE_OF_SECTOR = np.array([COMPETENCY_CODES.index(f"teknis_{s}") for s in SECTORS])


@dataclass(frozen=True)
class Grade:
    """Golongan as of the query dates (code -1 = unknown) and when it took effect."""

    golongan: np.ndarray
    since: np.ndarray


@dataclass(frozen=True)
class Education:
    """Highest education as of the query dates (level / field code -1 = unknown)."""

    level: np.ndarray
    field: np.ndarray


@dataclass(frozen=True)
class Skp:
    """SKP ratings (1..5) and scores known at the query dates."""

    last_rating: np.ndarray
    last_score: np.ndarray
    recent: np.ndarray  # (n, 3) ratings of the three finished years before, oldest first
    # Over every finished year before the date (the whole career in the data):
    n_rated: np.ndarray  # rated years
    rating_sum: np.ndarray  # sum of their ratings (1..5)
    n_top: np.ndarray  # years rated sangat_baik
    n_low: np.ndarray  # years rated below baik
    band_sum: np.ndarray  # sum of the rated years' band midpoints (RATING_BAND_SCORE)
    n_scored: np.ndarray  # years with a score (nilai; none from 2022 on)
    score_sum: np.ndarray  # sum of those scores
    last_known_score: np.ndarray  # the latest score there is, however old (NaN: none)
    last_band: np.ndarray  # band midpoint of the latest rating (NaN: none)


class EmployeeHistory:
    """A dataset's employees and history tables, coded and indexed for as-of queries."""

    def __init__(self, dataset: Dataset) -> None:
        emp = dataset.employees
        self.missing_tables: tuple[Table, ...] = tuple(dataset.missing_optional_tables())
        self.nips = unique_index(emp["nip"], table="employees", column="nip")
        self.units = unique_index(dataset.units["unit_id"], table="units", column="unit_id")
        self.positions = unique_index(
            dataset.positions["position_id"], table="positions", column="position_id"
        )
        self.regions = pd.Index(
            pd.concat([dataset.units["region_code"], emp["home_region_code"]])
            .dropna()
            .astype("object")
            .unique()
        )
        self.unit_sector = category_codes(
            dataset.units["sector"], SECTORS, table="units", column="sector"
        )
        self.unit_region = self.regions.get_indexer(dataset.units["region_code"].astype("object"))
        self.position_unit = id_codes(
            dataset.positions["unit_id"], self.units, table="positions", column="unit_id"
        )
        self.position_jabatan = category_codes(
            dataset.positions["jabatan_type"],
            JABATAN_TYPES,
            table="positions",
            column="jabatan_type",
        )
        self.employees = emp.reset_index(drop=True)
        self.tmt_cpns = to_days(emp["tmt_cpns"])
        self.birth = to_days(emp["birth_date"])
        self.is_pns = category_codes(
            emp["employment_type"], EMPLOYMENT_TYPES, table="employees", column="employment_type"
        ) == EMPLOYMENT_TYPES.index("PNS")
        self.home_region = self.regions.get_indexer(emp["home_region_code"].astype("object"))
        self.snapshot_golongan = category_codes(
            emp["golongan"], GOLONGAN, table="employees", column="golongan"
        )
        self.snapshot_level = category_codes(
            emp["education_level"], EDUCATION_LEVELS, table="employees", column="education_level"
        )
        self.snapshot_field = category_codes(
            emp["education_field"], EDUCATION_FIELDS, table="employees", column="education_field"
        )
        self.timeline = self._timeline(dataset)
        self._index_grades(dataset.rank_history)
        self._index_education(dataset.education_history)
        self._index_competencies(dataset.competency_assessments)
        self._index_preferences(dataset.preferences)
        self._index_skp(dataset.performance)

    def nip_codes(self, nips: pd.Series | pd.Index, *, table: str = "input") -> np.ndarray:
        """Codes of NIPs; an unknown NIP is an error naming it and its row."""
        return id_codes(pd.Series(nips), self.nips, table=table, column="nip")

    def _nip_codes_of(self, frame: pd.DataFrame, table: str) -> np.ndarray:
        return id_codes(frame["nip"], self.nips, table=table, column="nip")

    def _timeline(self, dataset: Dataset) -> PositionTimeline:
        tr = dataset.transfers
        pos = self.positions
        return PositionTimeline(
            transfer_nip=self._nip_codes_of(tr, "transfers"),
            transfer_day=to_days(tr["effective_date"]),
            transfer_from=id_codes(
                tr["from_position_id"], pos, table="transfers", column="from_position_id"
            ),
            transfer_to=id_codes(
                tr["to_position_id"], pos, table="transfers", column="to_position_id"
            ),
            tmt_cpns=self.tmt_cpns,
            snapshot_position=id_codes(
                self.employees["position_id"], pos, table="employees", column="position_id"
            ),
            snapshot_start=to_days(self.employees["position_start_date"]),
            position_unit=self.position_unit,
            unit_sector=self.unit_sector,
            n_sectors=len(SECTORS),
        )

    def _index_grades(self, ranks: pd.DataFrame | None) -> None:
        self.ranks: DatedIndex | None = None
        if ranks is None:
            return
        self.ranks = DatedIndex.build(
            self._nip_codes_of(ranks, "rank_history"), to_days(ranks["tmt"])
        )
        golongan = category_codes(
            ranks["golongan"], GOLONGAN, table="rank_history", column="golongan"
        )
        self.rank_golongan = golongan[self.ranks.order]

    def _index_education(self, education: pd.DataFrame | None) -> None:
        self.degrees: DatedIndex | None = None
        if education is None:
            return
        t = "education_history"
        self.degrees = DatedIndex.build(
            self._nip_codes_of(education, t), to_days(education["graduation_date"])
        )
        level = category_codes(
            education["education_level"], EDUCATION_LEVELS, table=t, column="education_level"
        )
        field = category_codes(
            education["education_field"], EDUCATION_FIELDS, table=t, column="education_field"
        )
        level, field = level[self.degrees.order], field[self.degrees.order]
        # Highest degree so far: running max of (rank, position) within each employee, so that
        # a later degree of the same rank wins and a lower one (e.g. a D3 after an S1) does not.
        n = len(level)
        block = np.searchsorted(self.degrees.keys, self.degrees.keys, side="left")
        score = np.where(level >= 0, take(LEVEL_RANK, level, -1.0), -1.0) * (n + 1) + np.arange(n)
        best = _running_max_by_block(score, block)
        best_at = (best % (n + 1)).astype(np.int64) if n else best.astype(np.int64)
        self.degree_level, self.degree_field = level[best_at], field[best_at]

    def _index_competencies(self, assessments: pd.DataFrame | None) -> None:
        self.assessments: DatedIndex | None = None
        if assessments is None:
            return
        t = "competency_assessments"
        code = category_codes(assessments["code"], COMPETENCY_CODES, table=t, column="code")
        key = self._nip_codes_of(assessments, t) * len(COMPETENCY_CODES) + code
        self.assessments = DatedIndex.build(key, to_days(assessments["assessed_on"]))
        self.assessed_level = assessments["level"].to_numpy(np.float64)[self.assessments.order]

    def _index_preferences(self, preferences: pd.DataFrame | None) -> None:
        self.requests: DatedIndex | None = None
        if preferences is None:
            return
        t = "preferences"
        unit = id_codes(preferences["unit_id"], self.units, table=t, column="unit_id")
        key = self._nip_codes_of(preferences, t) * len(self.units) + unit
        priority = preferences["priority"].to_numpy(np.float64)
        # Same unit asked twice on one day: the first choice (lowest number) is the one kept.
        # A priority of NaN withdraws the unit (a later statement left it out).
        tiebreak = np.where(np.isnan(priority), 0.0, -priority)
        if SEQUENCE_COLUMN in preferences.columns:
            # Statements received through the service (serving.domain.participation) come in a
            # known order: on the same day the later one wins, and any of them wins over the
            # export's rows. The export's own ties are broken as above, as in training.
            tiebreak = preferences[SEQUENCE_COLUMN].to_numpy(np.float64) * 10.0 + tiebreak
        self.requests = DatedIndex.build(key, to_days(preferences["submitted_on"]), tiebreak)
        self.request_priority = priority[self.requests.order]

    def with_preferences(self, preferences: pd.DataFrame | None) -> EmployeeHistory:
        """This history with another preferences table (everything else shared, not copied).

        The serving overlay of usulan statements goes through here, so that a statement reaches
        the ``asked_for_unit`` / ``preference_priority`` features by the one lookup training
        uses (:meth:`preference_priority`). ``preferences`` has the contract's columns and
        optionally :data:`SEQUENCE_COLUMN`; its NIPs and units must be in this history.
        """
        other = copy.copy(self)
        other._index_preferences(preferences)
        return other

    def _index_skp(self, performance: pd.DataFrame) -> None:
        t = "performance"
        nip = self._nip_codes_of(performance, t)
        year = performance["year"].to_numpy(np.int64)
        rating = category_codes(performance["rating"], RATINGS, table=t, column="rating")
        self.first_year = int(year.min()) if len(year) else 2000
        n_years = (int(year.max()) - self.first_year + 1) if len(year) else 1
        shape = (len(self.nips), n_years)
        self.skp_rating = np.full(shape, np.nan)
        self.skp_score = np.full(shape, np.nan)
        col = year - self.first_year
        self.skp_rating[nip, col] = take(RATING_SCALE, rating, np.nan)
        self.skp_band = np.full(shape, np.nan)
        self.skp_band[nip, col] = take(RATING_BAND_SCORE, rating, np.nan)
        self.skp_score[nip, col] = performance["score"].to_numpy(np.float64)
        # Column of the latest rated / scored year up to each column (-1 = none): forward fill.
        rated = np.where(~np.isnan(self.skp_rating), np.arange(n_years), -1)
        self.skp_latest = np.maximum.accumulate(rated, axis=1)
        scored = np.where(~np.isnan(self.skp_score), np.arange(n_years), -1)
        self.skp_latest_scored = np.maximum.accumulate(scored, axis=1)
        # Running totals over the years up to each column: career aggregates in one lookup.
        ratings = np.nan_to_num(self.skp_rating)
        self.skp_totals = {
            "n_rated": np.cumsum(~np.isnan(self.skp_rating), axis=1, dtype=np.float64),
            "rating_sum": np.cumsum(ratings, axis=1),
            "n_top": np.cumsum(ratings == RATING_VALUE["sangat_baik"], axis=1, dtype=np.float64),
            "n_low": np.cumsum(
                (ratings > 0) & (ratings < RATING_VALUE["baik"]), axis=1, dtype=np.float64
            ),
            "band_sum": np.cumsum(np.nan_to_num(self.skp_band), axis=1),
            "n_scored": np.cumsum(~np.isnan(self.skp_score), axis=1, dtype=np.float64),
            "score_sum": np.cumsum(np.nan_to_num(self.skp_score), axis=1),
        }

    # --- lookups ---------------------------------------------------------------------------

    def grade_at(self, nips: np.ndarray, days: np.ndarray | np.int64) -> Grade:
        """Golongan from rank_history before the day; PPPK keep their snapshot grade.

        PPPK grades are fixed by the work agreement and are not PNS ranks, so for them (and for
        everyone when rank_history is absent) the snapshot value is used.
        """
        snapshot = self.snapshot_golongan[nips]
        if self.ranks is None:
            return Grade(snapshot, np.full(len(nips), MISSING_DAY))
        last = self.ranks.last_before(nips, days)
        golongan = np.where(self.is_pns[nips], take(self.rank_golongan, last, -1), snapshot)
        return Grade(golongan, take(self.ranks.days, last, MISSING_DAY))

    def education_at(self, nips: np.ndarray, days: np.ndarray | np.int64) -> Education:
        """Highest degree graduated before the day (snapshot when education_history is absent)."""
        if self.degrees is None:
            return Education(self.snapshot_level[nips], self.snapshot_field[nips])
        last = self.degrees.last_before(nips, days)
        return Education(take(self.degree_level, last, -1), take(self.degree_field, last, -1))

    def competencies_at(self, nips: np.ndarray, days: np.ndarray | np.int64) -> np.ndarray:
        """Latest assessed level per competency code before the day, (n, codes); NaN = none."""
        n_codes = len(COMPETENCY_CODES)
        if self.assessments is None:
            return np.full((len(nips), n_codes), np.nan)
        keys = (nips[:, None] * n_codes + np.arange(n_codes)).ravel()
        q_days = np.repeat(np.broadcast_to(days, nips.shape), n_codes)
        last = self.assessments.last_before(keys, q_days)
        return take(self.assessed_level, last, np.nan).reshape(len(nips), n_codes)

    def skp_at(self, nips: np.ndarray, days: np.ndarray | np.int64) -> Skp:
        """SKP of years that ended before the day (a year's SKP is known only after it ends)."""
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), nips.shape)
        years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        last_col = years - 1 - self.first_year  # the last finished year, as a matrix column
        n_years = self.skp_rating.shape[1]
        latest = np.where(
            last_col >= 0, self.skp_latest[nips, np.clip(last_col, 0, n_years - 1)], -1
        )
        rows = np.where(latest >= 0, latest, 0)
        found = latest >= 0
        recent = np.full((len(nips), 3), np.nan)
        for k, back in enumerate((2, 1, 0)):  # three columns, oldest first
            col = last_col - back
            ok = (col >= 0) & (col < n_years)
            recent[ok, k] = self.skp_rating[nips[ok], col[ok]]
        # Totals up to the last finished year; nothing is known before the first column.
        upto = np.clip(last_col, 0, n_years - 1)
        started = last_col >= 0
        totals = {
            name: np.where(started, running[nips, upto], 0.0)
            for name, running in self.skp_totals.items()
        }
        scored = np.where(started, self.skp_latest_scored[nips, upto], -1)
        return Skp(
            last_rating=np.where(found, self.skp_rating[nips, rows], np.nan),
            last_score=np.where(found, self.skp_score[nips, rows], np.nan),
            last_band=np.where(found, self.skp_band[nips, rows], np.nan),
            recent=recent,
            last_known_score=np.where(
                scored >= 0, self.skp_score[nips, np.maximum(scored, 0)], np.nan
            ),
            **totals,
        )

    def preference_priority(
        self, nips: np.ndarray, units: np.ndarray | np.int64, days: np.ndarray | np.int64
    ) -> np.ndarray:
        """Priority of the latest request for the unit submitted before the day; NaN if none."""
        if self.requests is None:
            return np.full(len(nips), np.nan)
        last = self.requests.last_before(nips * len(self.units) + units, days)
        return take(self.request_priority, last, np.nan)


def _running_max_by_block(values: np.ndarray, block_start: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` restarting at every block (blocks are contiguous)."""
    if len(values) == 0:
        return values
    # Lift each block above all earlier ones so one global running max never crosses blocks.
    span = float(values.max() - values.min() + 1)
    block_id = np.cumsum(np.r_[True, block_start[1:] != block_start[:-1]]) - 1
    lifted = values + block_id * span
    return np.maximum.accumulate(lifted) - block_id * span
