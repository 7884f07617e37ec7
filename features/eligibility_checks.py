"""The logic behind each eligibility rule id, vectorised over candidates.

``features/rules.yaml`` says which rules apply, with their parameters, messages and legal
sources; this module says what each rule id computes. A check gets the whole candidate frame
and returns a boolean array (True = the rule is hit: a bar fails or a flag is raised) plus the
values its messages may cite. Values a rule needs that are missing count as a hit (fail
closed), so a gap in the data never makes somebody movable; optional position requirements
that are missing mean "no requirement".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.contract import (
    DISCIPLINE_LEVELS,
    EDUCATION_LEVELS,
    EDUCATION_RANK,
    JABATAN_TYPES,
    JPT_TYPES,
    PNS_GOLONGAN,
    PNS_GOLONGAN_RANK,
    SECTORS,
    STATUSES,
)
from features.eligibility_columns import (
    CandidateColumns,
    FreezeTable,
    TargetColumns,
)

# The employee state frame (features/asof.py): one row per candidate as of a date.
STATE_COLUMNS: tuple[str, ...] = (
    "nip", "as_of", "employment_type", "gender", "birth_date", "age_years", "status",
    "discipline_level", "discipline_until", "golongan", "golongan_rank", "education_level",
    "education_rank", "education_field", "position_id", "position_start_date", "unit_id",
    "sector", "region_code", "jabatan_type", "years_in_position", "years_of_service",
    "home_region_code",
)  # fmt: skip

# (hit mask, values the messages may cite: scalars or arrays broadcasting to the pairs)
Outcome = tuple[np.ndarray, dict[str, Any]]
ParamCheck = Callable[[Any], str | None]  # returns what is wrong with a value, or None


# The fields of a target the checks read, besides position_id (read by `same_position` only).
# Posts alike in these are judged alike, which lets the batch job (batch/blocks.py) judge a
# block of alike vacancies once. A check that reads another field must be listed here:
# tests/code/test_eligibility.py changes every other field and expects the same verdicts.
JUDGED_TARGET_FIELDS: tuple[str, ...] = (
    "region_code",
    "jabatan_type",
    "min_golongan",
    "min_education_level",
)


@dataclass(frozen=True)
class PositionTarget:
    """The post a candidate would move into: an existing position or an inline (new) post."""

    unit_id: str
    region_code: str
    sector: str
    jabatan_type: str
    position_id: str | None = None
    min_golongan: str | None = None
    min_education_level: str | None = None

    def __post_init__(self) -> None:
        problems = [
            f"{name} {value!r} is not a contract code"
            for name, value, codes in (
                ("sector", self.sector, SECTORS),
                ("jabatan_type", self.jabatan_type, JABATAN_TYPES),
                ("min_golongan", self.min_golongan, PNS_GOLONGAN),
                ("min_education_level", self.min_education_level, EDUCATION_LEVELS),
            )
            if value is not None and value not in codes
        ]
        if problems:
            raise ValueError(f"position target {self.position_id or '(inline)'}: {problems}")

    @classmethod
    def from_position(
        cls, position: Mapping[str, Any] | pd.Series, units: pd.DataFrame
    ) -> PositionTarget:
        """Target from a row of the positions table, with region and sector from its unit."""
        position_id, unit_id = _optional_str(position["position_id"]), position["unit_id"]
        active = position.get("is_active", True)
        if isinstance(active, bool | np.bool_) and not active:
            # Posts of an older structure are kept for history only (data contract).
            raise ValueError(f"positions: position {position_id!r} is inactive, not a target")
        unit = units.loc[units["unit_id"] == unit_id]
        if unit.empty:
            raise ValueError(f"positions: position {position_id!r} has unknown unit {unit_id!r}")
        return cls(
            unit_id=str(unit_id),
            region_code=str(unit["region_code"].iloc[0]),
            sector=str(unit["sector"].iloc[0]),
            jabatan_type=str(position["jabatan_type"]),
            position_id=position_id,
            min_golongan=_optional_str(position.get("min_golongan")),
            min_education_level=_optional_str(position.get("min_education_level")),
        )


def _optional_str(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


@dataclass(frozen=True)
class Context:
    """Everything a check may look at.

    ``candidates`` has one row per pair or one row for all pairs, ``targets`` one post per
    pair or one post for all: a check returns arrays that broadcast to the pairs (a ranking is
    many candidates against one post, recommendations one candidate against many posts).
    """

    candidates: CandidateColumns
    targets: TargetColumns
    as_of: pd.Timestamp
    params: Mapping[str, Any]
    frozen: Mapping[str, tuple[pd.Timestamp, Any]]  # regions frozen on as_of -> (until, reason)

    @property
    def n(self) -> int:
        """Number of pairs."""
        return max(len(self.candidates), len(self.targets))

    def numbers(self, column: str) -> np.ndarray:
        """A numeric candidate column as float64 (missing = NaN)."""
        return self.candidates.numbers(column)

    def isin(self, column: str, values: Iterable[str]) -> np.ndarray:
        """Whether each candidate's code is among ``values`` (missing = False)."""
        return self.candidates.isin(column, values)

    def dates(self, column: str) -> np.ndarray:
        """A date candidate column as datetime64 (NaT = missing); non-dates are an error."""
        return self.candidates.dates(column)

    def target_ranks(self, column: str, ranks: Mapping[str, float]) -> np.ndarray:
        """A target requirement as its rank (NaN = no requirement)."""
        return np.array([np.nan if v is None else ranks[v] for v in getattr(self.targets, column)])


@dataclass(frozen=True)
class Check:
    """One rule's logic: the state columns it reads, its parameters and the values it cites."""

    fn: Callable[[Context], Outcome]
    reads: tuple[str, ...]
    params: Mapping[str, ParamCheck] = field(default_factory=dict)
    cites: tuple[str, ...] = ()


CHECKS: dict[str, Check] = {}


def _check(
    rule_id: str,
    reads: tuple[str, ...],
    params: Mapping[str, ParamCheck] | None = None,
    cites: tuple[str, ...] = (),
) -> Callable[[Callable[[Context], Outcome]], Callable[[Context], Outcome]]:
    def register(fn: Callable[[Context], Outcome]) -> Callable[[Context], Outcome]:
        CHECKS[rule_id] = Check(fn, reads, dict(params or {}), cites)
        return fn

    return register


def _years(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 100
    return None if ok else f"expected a number of years in [0, 100), got {value!r}"


def _codes(allowed: tuple[str, ...]) -> ParamCheck:
    def check(value: Any) -> str | None:
        if isinstance(value, list | tuple) and all(v in allowed for v in value):
            return None
        return f"expected a list of codes from {list(allowed)}, got {value!r}"

    return check


def _bup_table(value: Any) -> str | None:
    if not isinstance(value, Mapping) or "default" not in value:
        return f"expected a mapping with a 'default' age, got {value!r}"
    unknown = sorted(set(value) - {"default", *JABATAN_TYPES})
    if unknown:
        return f"unknown jabatan types {unknown}"
    bad = {k: v for k, v in value.items() if _years(v) is not None or v < 18}
    return f"ages must be numbers in [18, 100), got {bad}" if bad else None


def retirement_age_of(jabatan_type: str, bup: Mapping[str, float]) -> float:
    """BUP of a jabatan type under the ``bup`` table of the rule set."""
    return float(bup.get(jabatan_type, bup["default"]))


@_check("pppk_excluded", reads=("employment_type",))
def _pppk_excluded(ctx: Context) -> Outcome:
    return ~ctx.isin("employment_type", ["PNS"]), {}


@_check("status_not_active", reads=("status",), params={"movable_statuses": _codes(STATUSES)})
def _status_not_active(ctx: Context) -> Outcome:
    return ~ctx.isin("status", ctx.params["movable_statuses"]), {}


@_check(
    "discipline_in_force",
    reads=("discipline_level", "discipline_until"),
    params={"blocking_discipline": _codes(DISCIPLINE_LEVELS)},
)
def _discipline_in_force(ctx: Context) -> Outcome:
    until = ctx.dates("discipline_until")
    # A sanction without an end date is taken to run on: the safe reading for a bar.
    in_force = np.isnat(until) | (until >= np.datetime64(ctx.as_of, "ns"))
    return ctx.isin("discipline_level", ctx.params["blocking_discipline"]) & in_force, {}


@_check(
    "min_years_in_position",
    reads=("years_in_position",),
    params={"min_years_in_position": _years},
)
def _min_years_in_position(ctx: Context) -> Outcome:
    return ~(ctx.numbers("years_in_position") >= ctx.params["min_years_in_position"]), {}


@_check(
    "jpt_protection",
    reads=("jabatan_type", "years_in_position"),
    params={"jpt_protection_years": _years},
)
def _jpt_protection(ctx: Context) -> Outcome:
    # Separate from min_years_in_position: the JPT bar stays when that minimum is lowered.
    recent = ~(ctx.numbers("years_in_position") >= ctx.params["jpt_protection_years"])
    return ctx.isin("jabatan_type", JPT_TYPES) & recent, {}


@_check(
    "freeze_period",
    reads=("region_code",),
    cites=("freeze_region", "freeze_reason", "freeze_until"),
)
def _freeze_period(ctx: Context) -> Outcome:
    frozen = ctx.frozen
    if not frozen:
        return np.zeros(ctx.n, dtype=bool), {}
    regions = pd.Index(list(frozen), dtype="object")
    # A frozen target region bars everybody; otherwise a frozen current region bars its own.
    target_region = ctx.targets.region_code
    target_at = regions.get_indexer(pd.Index(target_region, dtype="object"))
    codes, categories = ctx.candidates.codes("region_code")
    candidate_at = np.append(regions.get_indexer(categories), -1)[codes]
    at = np.where(target_at >= 0, target_at, candidate_at)
    # Position -1 (region not frozen) picks the trailing missing value.
    ends = pd.Series([u for u, _ in frozen.values()] + [pd.NaT], dtype="datetime64[ns]")
    reasons = np.array([r for _, r in frozen.values()] + [None], dtype=object)
    cites = {
        "freeze_region": np.where(
            target_at >= 0, target_region, ctx.candidates.labels("region_code")
        ),
        "freeze_reason": reasons[at],
        "freeze_until": ends.to_numpy()[at],
    }
    return at >= 0, cites


def active_freezes(
    freeze_periods: pd.DataFrame | FreezeTable | None, as_of: pd.Timestamp
) -> dict[str, tuple[pd.Timestamp, Any]]:
    """Regions frozen on ``as_of`` (both ends inclusive) -> (end date, reason); see
    :meth:`~features.eligibility_columns.FreezeTable.active`."""
    return FreezeTable.of(freeze_periods).active(as_of)


@_check(
    "retirement_age",
    reads=("age_years",),
    params={"bup": _bup_table, "min_years_before_bup": _years},
    cites=("target_bup", "years_to_bup"),
)
def _retirement_age(ctx: Context) -> Outcome:
    bup_table = ctx.params["bup"]
    bup = np.array([retirement_age_of(j, bup_table) for j in ctx.targets.jabatan_type])
    age = ctx.numbers("age_years")
    too_old = ~(age < bup - ctx.params["min_years_before_bup"])
    return too_old, {"target_bup": bup, "years_to_bup": bup - age}


@_check("min_golongan", reads=("employment_type", "golongan_rank"))
def _min_golongan(ctx: Context) -> Outcome:
    need = ctx.target_ranks("min_golongan", PNS_GOLONGAN_RANK)
    # PPPK grades are another scheme; pppk_excluded bars them, so they are not reported twice.
    is_pns = ctx.isin("employment_type", ["PNS"])
    return ~np.isnan(need) & is_pns & ~(ctx.numbers("golongan_rank") >= need), {}


@_check("min_education_level", reads=("education_rank",))
def _min_education_level(ctx: Context) -> Outcome:
    need = ctx.target_ranks("min_education_level", EDUCATION_RANK)
    return ~np.isnan(need) & ~(ctx.numbers("education_rank") >= need), {}


@_check("same_position", reads=("position_id",))
def _same_position(ctx: Context) -> Outcome:
    codes, _ = ctx.candidates.codes("position_id")
    # A post nobody holds, or no post id (an inline post), matches nobody.
    return codes == ctx.candidates.code_of("position_id", ctx.targets.position_id), {}


@_check(
    "overdue",
    reads=("years_in_position",),
    params={"max_years_in_position": _years},
)
def _overdue(ctx: Context) -> Outcome:
    return ctx.numbers("years_in_position") > ctx.params["max_years_in_position"], {}
