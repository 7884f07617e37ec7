"""Employee x position fit features: ONE vectorised implementation for training and serving.

:func:`pair_features` turns an :class:`~features.asof.EmployeeSide` (n rows), a
:class:`~features.positions.PositionSide` (n rows, or one position broadcast to all) and the
pair-dependent history lookups in a :class:`PairContext` into the (n, features) float64 matrix
in catalogue order. The training path (each row its own date) and the serving snapshot (many
candidates, one position, one date) both end here, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from features.asof import EmployeeSide
from features.contract import COMPETENCY_CODES
from features.history import TECHNICAL_CODE_OF_SECTOR
from features.positions import PositionSide

MANAJERIAL = COMPETENCY_CODES.index("manajerial")
SOSIOKULTURAL = COMPETENCY_CODES.index("sosiokultural")


@dataclass(frozen=True)
class PairContext:
    """Pair-dependent facts from the history, one entry per pair (computed before the date)."""

    years_in_target_sector: np.ndarray
    preference_priority: np.ndarray  # NaN = the employee did not ask for the target unit
    target_position_headcount: np.ndarray
    target_unit_headcount: np.ndarray
    source_unit_headcount: np.ndarray
    source_unit_need: np.ndarray


@dataclass(frozen=True)
class Pair:
    """Everything one batch of pairs needs; ``row`` indexes position-side matrices."""

    emp: EmployeeSide
    pos: PositionSide
    ctx: PairContext
    field_fit: np.ndarray  # taxonomy (fields + 1, sectors); the extra last row (unknown) is NaN
    row: np.ndarray


def _bool(value: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, np.nan, value.astype(np.float64))


def _education(p: Pair) -> dict[str, np.ndarray]:
    field = p.emp.education_field  # -1 (unknown) indexes the NaN row / the False column
    sector_fit = p.field_fit[field, p.pos.sector]
    current = p.emp.sector
    listed = p.pos.field_ok[p.row, field]
    position_fit = np.where(p.pos.any_field | listed, 1.0, sector_fit)
    gap = p.emp.education_rank - p.pos.min_education_rank
    return {
        "field_sector_fit": sector_fit,
        "field_position_fit": np.where(field < 0, np.nan, position_fit),
        "education_level_gap": gap,
        # One level above the minimum is normal career progress; beyond that is over-qualified.
        "overqualification": np.maximum(gap - 1.0, 0.0),
        # The setting the past SKP ratings were earned in: lets the model tell a strong record
        # in an easy post from one earned against the odds.
        "current_field_sector_fit": np.where(
            current < 0, np.nan, p.field_fit[field, np.maximum(current, 0)]
        ),
    }


def _grade(p: Pair) -> dict[str, np.ndarray]:
    return {
        "golongan_gap": p.emp.golongan_rank - p.pos.min_golongan_rank,
        "years_in_grade": p.emp.years_in_grade,
    }


def _competency(p: Pair) -> dict[str, np.ndarray]:
    # Only codes some pair in the batch requires (one position needs 1-3 of 22): much less work
    # for serving; an extra all-zero column stands for "not required by anyone".
    needed_anywhere = np.flatnonzero((p.pos.requirement > 0).any(axis=0))
    column_of = np.full(len(COMPETENCY_CODES), len(needed_anywhere))
    column_of[needed_anywhere] = np.arange(len(needed_anywhere))
    required = p.pos.requirement[:, needed_anywhere]  # (n or 1, k)
    assessed = p.emp.competency[:, needed_anywhere]  # (n, k)
    needed = required > 0
    # NaN (never assessed) survives np.maximum, so a missing assessment never reads as 0.
    shortfall = np.where(needed, np.maximum(required - assessed, 0.0), 0.0)
    shortfall = np.column_stack([shortfall, np.zeros(len(p.emp))])
    n_needed = needed.sum(axis=1)
    n_known = (needed & ~np.isnan(assessed)).sum(axis=1)
    rows = np.arange(len(p.emp))
    technical = column_of[TECHNICAL_CODE_OF_SECTOR[p.pos.sector]]
    return {
        "competency_shortfall_manajerial": shortfall[:, column_of[MANAJERIAL]],
        "competency_shortfall_sosiokultural": shortfall[:, column_of[SOSIOKULTURAL]],
        "competency_shortfall_teknis": shortfall[rows, technical],
        "competency_shortfall_sum": shortfall.sum(axis=1),
        "competency_coverage": np.where(n_needed > 0, n_known / np.maximum(n_needed, 1), 1.0),
    }


def _experience(p: Pair) -> dict[str, np.ndarray]:
    return {
        "years_of_service": p.emp.years_of_service,
        "years_in_position": p.emp.years_in_position,
        "years_in_target_sector": p.ctx.years_in_target_sector,
        "n_past_moves": p.emp.n_moves,
        "years_since_last_move": p.emp.years_since_last_move,
    }


def _performance(p: Pair) -> dict[str, np.ndarray]:
    return {
        "skp_last_rating": p.emp.skp_last_rating,
        "skp_last_score": p.emp.skp_last_score,
        "skp_mean_3y": p.emp.skp_mean_3y,
        "skp_trend": p.emp.skp_trend,
        "skp_years_rated": p.emp.skp_years_rated,
        "skp_mean_all": p.emp.skp_mean_all,
        "skp_share_sangat_baik": p.emp.skp_share_sangat_baik,
        "skp_share_below_baik": p.emp.skp_share_below_baik,
        "skp_mean_score": p.emp.skp_mean_score,
        "skp_last_known_score": p.emp.skp_last_known_score,
    }


def _mobility(p: Pair) -> dict[str, np.ndarray]:
    target = p.pos.region
    priority = p.ctx.preference_priority
    return {
        "same_region_as_current": _bool(p.emp.region == target, (p.emp.region < 0) | (target < 0)),
        "target_in_home_region": _bool(
            p.emp.home_region == target, (p.emp.home_region < 0) | (target < 0)
        ),
        "current_away_from_home": _bool(
            p.emp.region != p.emp.home_region, (p.emp.region < 0) | (p.emp.home_region < 0)
        ),
        "asked_for_unit": (~np.isnan(priority)).astype(np.float64),
        "preference_priority": priority,
    }


def _staffing(p: Pair) -> dict[str, np.ndarray]:
    leaves_unit = (p.pos.unit != p.emp.unit).astype(np.float64)
    return {
        "target_position_shortage": p.pos.abk_need - p.ctx.target_position_headcount,
        "target_unit_shortage": p.pos.unit_need - p.ctx.target_unit_headcount,
        "source_unit_shortage_after": (
            p.ctx.source_unit_need - p.ctx.source_unit_headcount + leaves_unit
        ),
    }


def _retirement(p: Pair) -> dict[str, np.ndarray]:
    return {"years_to_retirement": p.pos.bup - p.emp.age_years}


GROUP_FUNCTIONS: tuple[Callable[[Pair], dict[str, np.ndarray]], ...] = (
    _education, _grade, _competency, _experience, _performance, _mobility, _staffing, _retirement,
)  # fmt: skip


def pair_features(
    emp: EmployeeSide,
    pos: PositionSide,
    ctx: PairContext,
    *,
    field_fit: np.ndarray,
    names: Sequence[str],
    blank: np.ndarray,
) -> np.ndarray:
    """The (n, len(names)) float64 feature matrix; columns in ``blank`` are all NaN.

    ``pos`` has one row per pair or a single row for all pairs (broadcast). The matrix is
    column-major, so that a DataFrame can wrap it without a copy.
    """
    n = len(emp)
    row = np.zeros(n, dtype=np.int64) if len(pos) == 1 else np.arange(n)
    pair = Pair(emp, pos, ctx, field_fit, row)
    columns: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore"):
        for group in GROUP_FUNCTIONS:
            columns.update(group(pair))
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise KeyError(f"catalogue features without an implementation: {unknown}")
    out = np.empty((len(names), n), dtype=np.float64)
    for j, name in enumerate(names):
        out[j] = columns[name]
    out[blank] = np.nan
    return out.T
