"""Employees as they were at a date: the employee state frame, from the history tables.

Point-in-time rule: only records dated strictly before ``as_of`` are used (``date < as_of``);
an SKP of year ``y`` only from ``as_of`` in year ``y + 1`` on, since a year's SKP is known only
after the year ends. Position, golongan, education, competencies, SKP, preferences, moves and
sector experience all follow this rule. Snapshot-only attributes the contract has no history for
(status, discipline, home region, gender, birth date) are taken from the employees table as is.

Two entry points: :func:`employee_state` (many employees, one date: ranking) and
:func:`employee_state_rows` (each row its own date: training). Both return the frame the
eligibility rules consume (``features.eligibility``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from features.catalogue import load_catalogue
from features.codes import ids_of_codes
from features.contract import COLUMNS, Dataset, Table, dtype_of
from features.dated_index import MISSING_DAY, day_of, take, to_days, years_between
from features.history import GOLONGAN_PNS_RANK, LEVEL_RANK, EmployeeHistory, Skp

AGE_BANDS: tuple[str, ...] = ("<30", "30-39", "40-49", "50+")

# Employee columns copied from the snapshot into the state frame.
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "employment_type", "gender", "birth_date", "tmt_cpns", "status", "discipline_level",
    "discipline_until", "home_region_code", "potential",
)  # fmt: skip


@dataclass(frozen=True)
class EmployeeSide:
    """Employee-side values at (nip, day) rows as numpy arrays: codes, day numbers, floats."""

    nip: np.ndarray
    day: np.ndarray
    in_service: np.ndarray
    age_years: np.ndarray
    years_of_service: np.ndarray
    position: np.ndarray
    position_start: np.ndarray
    interval_start: np.ndarray
    unit: np.ndarray
    sector: np.ndarray
    region: np.ndarray
    home_region: np.ndarray
    years_in_position: np.ndarray
    golongan: np.ndarray
    golongan_rank: np.ndarray
    golongan_since: np.ndarray
    years_in_grade: np.ndarray
    education_level: np.ndarray
    education_rank: np.ndarray
    education_field: np.ndarray
    n_moves: np.ndarray
    last_move: np.ndarray
    years_since_last_move: np.ndarray
    skp_last_rating: np.ndarray
    skp_last_score: np.ndarray
    skp_mean_3y: np.ndarray
    skp_trend: np.ndarray
    skp_years_rated: np.ndarray
    skp_mean_all: np.ndarray
    skp_share_sangat_baik: np.ndarray
    skp_share_below_baik: np.ndarray
    skp_mean_score: np.ndarray
    skp_last_known_score: np.ndarray
    competency: np.ndarray  # (n, len(COMPETENCY_CODES)) latest assessed level, NaN = none

    def __len__(self) -> int:
        return len(self.nip)

    def take(self, rows: np.ndarray) -> EmployeeSide:
        """The side of the given rows (fancy indexing of every array)."""
        return EmployeeSide(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


def employee_side(history: EmployeeHistory, nips: np.ndarray, days: np.ndarray) -> EmployeeSide:
    """Employee-side values of each (nip code, day number) row, from records before the day."""
    nips = np.asarray(nips, dtype=np.int64)
    days = np.broadcast_to(np.asarray(days, dtype=np.int64), nips.shape)
    now = history.timeline.position_at(nips, days)
    grade = history.grade_at(nips, days)
    degree = history.education_at(nips, days)
    skp = history.skp_at(nips, days)
    unit = history.position_unit[now.position]
    mean_3y, trend = _mean_and_slope(skp.recent)
    return EmployeeSide(
        nip=nips,
        day=days,
        in_service=history.tmt_cpns[nips] < days,
        age_years=years_between(days, history.birth[nips]),
        years_of_service=years_between(days, history.tmt_cpns[nips]),
        position=now.position,
        position_start=now.start,
        interval_start=now.interval_start,
        unit=unit,
        sector=history.unit_sector[unit],
        region=history.unit_region[unit],
        home_region=history.home_region[nips],
        years_in_position=years_between(days, now.start),
        golongan=grade.golongan,
        golongan_rank=take(GOLONGAN_PNS_RANK, grade.golongan, np.nan),
        golongan_since=grade.since,
        years_in_grade=years_between(days, grade.since),
        education_level=degree.level,
        education_rank=take(LEVEL_RANK, degree.level, np.nan),
        education_field=degree.field,
        n_moves=now.n_moves.astype(np.float64),
        last_move=now.last_move,
        years_since_last_move=years_between(days, now.last_move),
        skp_last_rating=skp.last_rating,
        skp_last_score=skp.last_score,
        skp_mean_3y=mean_3y,
        skp_trend=trend,
        **_skp_record(skp),
        competency=history.competencies_at(nips, days),
    )


def _skp_record(skp: Skp) -> dict[str, np.ndarray]:
    """Aggregates of the whole SKP record before the date (NaN where there is no rated year).

    They estimate the lasting part of performance better than the last three years and survive
    the end of the score in 2022: the mean and shares are of ratings, and the scores of 2021
    and before stay on record. Someone never scored (hired from 2022 on) gets the middle of
    each predikat's score band instead, so that "no score" is never read as "no history".
    """
    rated, scored = skp.n_rated > 0, skp.n_scored > 0
    n, n_scored = np.maximum(skp.n_rated, 1.0), np.maximum(skp.n_scored, 1.0)
    mean_score = np.where(scored, skp.score_sum / n_scored, skp.band_sum / n)
    return {
        "skp_years_rated": skp.n_rated,
        "skp_mean_all": np.where(rated, skp.rating_sum / n, np.nan),
        "skp_share_sangat_baik": np.where(rated, skp.n_top / n, np.nan),
        "skp_share_below_baik": np.where(rated, skp.n_low / n, np.nan),
        "skp_mean_score": np.where(rated | scored, mean_score, np.nan),
        "skp_last_known_score": np.where(scored, skp.last_known_score, skp.last_band),
    }


def _mean_and_slope(recent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and least-squares slope per row of a (n, 3) yearly series; NaN entries skipped."""
    ok = ~np.isnan(recent)
    count = ok.sum(axis=1)
    values = np.where(ok, recent, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = values.sum(axis=1) / count
        x = np.arange(recent.shape[1], dtype=np.float64)
        x_mean = (ok * x).sum(axis=1) / count
        dx = np.where(ok, x - x_mean[:, None], 0.0)
        slope = (dx * (values - mean[:, None]) * ok).sum(axis=1) / (dx**2).sum(axis=1)
    return np.where(count > 0, mean, np.nan), np.where(count >= 2, slope, np.nan)


def as_history(source: Dataset | EmployeeHistory) -> EmployeeHistory:
    """An indexed history (fitted once and reused when the caller already has one)."""
    return source if isinstance(source, EmployeeHistory) else EmployeeHistory(source)


def employee_state(
    source: Dataset | EmployeeHistory, nips: Sequence[str] | None, as_of: Any
) -> pd.DataFrame:
    """State of employees at one date; ``nips=None`` = everyone in service then (TMT CPNS before).

    Rows follow ``nips`` (index 0..n-1); an unknown NIP is an error naming it.
    """
    history = as_history(source)
    day = day_of(as_of)
    if nips is None:
        codes = np.flatnonzero(history.tmt_cpns < day)
    else:
        codes = history.nip_codes(pd.Series(list(nips), dtype="object"))
    side = employee_side(history, codes, np.full(len(codes), day))
    return state_frame(history, side)


def employee_state_rows(
    source: Dataset | EmployeeHistory, nips: Sequence[str] | pd.Series, as_ofs: Any
) -> pd.DataFrame:
    """State of each (nip, as_of) row at its own date (training); index as ``nips`` if a Series."""
    history = as_history(source)
    nip_series = nips if isinstance(nips, pd.Series) else pd.Series(list(nips), dtype="object")
    days = to_days(as_ofs)
    if (days == MISSING_DAY).any():
        raise ValueError(f"as_of: missing date at row {int(np.argmax(days == MISSING_DAY))}")
    side = employee_side(history, history.nip_codes(nip_series), days)
    frame = state_frame(history, side)
    frame.index = nip_series.index
    return frame


def _categorical(codes: np.ndarray, table: Table, column: str) -> pd.Categorical:
    spec = next(c for c in COLUMNS[table] if c.name == column)
    return pd.Categorical.from_codes(codes, dtype=dtype_of(spec))


def _dates(days: np.ndarray) -> np.ndarray:
    out = np.where(days == MISSING_DAY, np.datetime64("NaT"), days.astype("datetime64[D]"))
    return out.astype("datetime64[ns]")


def state_frame(history: EmployeeHistory, side: EmployeeSide) -> pd.DataFrame:
    """The employee state frame of computed employee-side rows (index 0..n-1)."""
    snap = history.employees.iloc[side.nip].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "nip": ids_of_codes(history.nips, side.nip),
            "as_of": _dates(side.day),
            "in_service": side.in_service,
            **{c: snap[c] for c in SNAPSHOT_COLUMNS},
            "age_years": side.age_years,
            "age_band": age_band(side.age_years),
            "golongan": _categorical(side.golongan, Table.EMPLOYEES, "golongan"),
            "golongan_rank": side.golongan_rank,
            "golongan_tmt": _dates(side.golongan_since),
            "years_in_grade": side.years_in_grade,
            "education_level": _categorical(
                side.education_level, Table.EMPLOYEES, "education_level"
            ),
            "education_rank": side.education_rank,
            "education_field": _categorical(
                side.education_field, Table.EMPLOYEES, "education_field"
            ),
            "position_id": ids_of_codes(history.positions, side.position),
            "position_start_date": _dates(side.position_start),
            "unit_id": ids_of_codes(history.units, side.unit),
            "sector": _categorical(side.sector, Table.UNITS, "sector"),
            "region_code": ids_of_codes(history.regions, side.region),
            "jabatan_type": _categorical(
                history.position_jabatan[side.position], Table.POSITIONS, "jabatan_type"
            ),
            "years_in_position": side.years_in_position,
            "years_of_service": side.years_of_service,
            "n_past_moves": side.n_moves,
            "last_move_date": _dates(side.last_move),
        }
    )
    return frame


def age_band(age_years: np.ndarray) -> pd.Categorical[str]:
    """Age bands for the fairness audit (never a model feature)."""
    edges = np.array([30.0, 40.0, 50.0])
    band = np.where(np.isnan(age_years), -1, np.searchsorted(edges, age_years, side="right"))
    return pd.Categorical.from_codes(band, categories=pd.Index(list(AGE_BANDS)), ordered=True)


@dataclass(frozen=True)
class DegradationReport:
    """What an absent optional table costs: NaN features, snapshot fallbacks, notes."""

    missing_tables: tuple[str, ...]
    nan_features: tuple[str, ...]
    snapshot_features: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def degraded(self) -> bool:
        """Whether any feature is degraded."""
        return bool(self.nan_features or self.snapshot_features)

    def to_frame(self) -> pd.DataFrame:
        """One row per degraded feature: feature, how (nan | snapshot)."""
        rows = [(f, "nan") for f in self.nan_features] + [
            (f, "snapshot") for f in self.snapshot_features
        ]
        return pd.DataFrame(rows, columns=["feature", "degradation"])


_FALLBACK_NOTES: dict[Table, str] = {
    Table.RANK_HISTORY: (
        "golongan is the employees snapshot value at every date (rank_history absent)"
    ),
    Table.EDUCATION_HISTORY: (
        "education level/field are the employees snapshot values at every date "
        "(education_history absent)"
    ),
    Table.COMPETENCY_ASSESSMENTS: "no competency assessments: competency features are NaN",
    Table.PREFERENCES: "no preferences (usulan mutasi): preference features are NaN",
    Table.FREEZE_PERIODS: "no freeze periods: the freeze eligibility rule cannot bar anyone",
}


def degradation_report(source: Dataset | EmployeeHistory) -> DegradationReport:
    """Which features degrade because optional tables are absent, and how."""
    missing = (
        source.missing_tables
        if isinstance(source, EmployeeHistory)
        else tuple(source.missing_optional_tables())
    )
    catalogue = load_catalogue()
    return DegradationReport(
        missing_tables=tuple(t.value for t in missing),
        nan_features=tuple(catalogue.needing(missing)),
        snapshot_features=tuple(catalogue.falling_back(missing)),
        notes=tuple(_FALLBACK_NOTES[t] for t in missing),
    )
