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
from dataclasses import asdict, dataclass, field
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

# The employee state frame (features/asof.py): one row per candidate as of a date.
STATE_COLUMNS: tuple[str, ...] = (
    "nip", "as_of", "employment_type", "gender", "birth_date", "age_years", "status",
    "discipline_level", "discipline_until", "golongan", "golongan_rank", "education_level",
    "education_rank", "education_field", "position_id", "position_start_date", "unit_id",
    "sector", "region_code", "jabatan_type", "years_in_position", "years_of_service",
    "home_region_code",
)  # fmt: skip

# (hit mask, values the messages may cite: scalars or arrays/Series aligned to candidates)
Outcome = tuple[np.ndarray, dict[str, Any]]
ParamCheck = Callable[[Any], str | None]  # returns what is wrong with a value, or None


# The fields of a target the checks read, besides position_id (read by `same_position` only).
# Posts alike in these are judged alike, which lets one employee be judged against hundreds of
# vacancies with a few evaluations (serving.domain.recommend). A check that reads another field must
# be listed here: tests/code/test_eligibility.py changes every other field and expects
# the same verdicts.
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

    def message_fields(self) -> dict[str, Any]:
        """Fields messages cite, as ``target_<field>``."""
        return {f"target_{k}": v for k, v in asdict(self).items()}


def _optional_str(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


@dataclass(frozen=True)
class Context:
    """Everything a check may look at."""

    candidates: pd.DataFrame
    position: PositionTarget
    as_of: pd.Timestamp
    params: Mapping[str, Any]
    freeze_periods: pd.DataFrame | None

    def numbers(self, column: str) -> np.ndarray:
        """A numeric candidate column as float64 (missing = NaN)."""
        return self.candidates[column].to_numpy(dtype="float64", na_value=np.nan)

    def isin(self, column: str, values: Iterable[str]) -> np.ndarray:
        """Whether each candidate's code is among ``values`` (missing = False)."""
        return self.candidates[column].isin(list(values)).to_numpy(dtype=bool)

    def dates(self, column: str) -> pd.Series:
        """A date candidate column as datetime64, with a clear error for non-dates."""
        series = self.candidates[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            return series
        try:
            return pd.to_datetime(series)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"candidates.{column}: expected dates ({exc})") from exc


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
    in_force = (until.isna() | (until >= ctx.as_of)).to_numpy(dtype=bool)
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
    frozen = active_freezes(ctx.freeze_periods, ctx.as_of)
    n, target = len(ctx.candidates), ctx.position.region_code
    if target in frozen:
        until, reason = frozen[target]
        cites = {"freeze_region": target, "freeze_reason": reason, "freeze_until": until}
        return np.ones(n, dtype=bool), cites
    if not frozen:
        return np.zeros(n, dtype=bool), {}
    region = ctx.candidates["region_code"]
    at = pd.Index(list(frozen)).get_indexer(pd.Index(region))
    # Position -1 (region not frozen) picks the trailing missing value.
    ends = pd.Series([u for u, _ in frozen.values()] + [pd.NaT], dtype="datetime64[ns]")
    reasons = np.array([r for _, r in frozen.values()] + [None], dtype=object)
    cites = {
        "freeze_region": region,
        "freeze_reason": reasons[at],
        "freeze_until": ends.to_numpy()[at],
    }
    return at >= 0, cites


def active_freezes(
    freeze_periods: pd.DataFrame | None, as_of: pd.Timestamp
) -> dict[str, tuple[pd.Timestamp, Any]]:
    """Regions frozen on ``as_of`` (both ends inclusive) -> (end date, reason).

    Where periods of a region overlap, the one ending last is kept: it says how long the
    region stays frozen.
    """
    if freeze_periods is None or freeze_periods.empty:
        return {}
    missing = sorted({"region_code", "start_date", "end_date"} - set(freeze_periods.columns))
    if missing:
        raise ValueError(f"freeze_periods: missing columns {missing}")
    try:
        start = pd.to_datetime(freeze_periods["start_date"]).to_numpy()
        end = pd.to_datetime(freeze_periods["end_date"]).to_numpy()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"freeze_periods: start_date/end_date must be dates ({exc})") from exc
    regions = freeze_periods["region_code"].to_numpy(dtype=object)
    reasons = freeze_periods.get("reason", pd.Series(None, index=freeze_periods.index))
    frozen: dict[str, tuple[pd.Timestamp, Any]] = {}
    # A loop over the few active periods, not over candidates.
    for i in np.flatnonzero((start <= as_of) & (end >= as_of)):
        region, until = str(regions[i]), pd.Timestamp(end[i])
        if region not in frozen or until > frozen[region][0]:
            frozen[region] = (until, reasons.iloc[i])
    return frozen


@_check(
    "retirement_age",
    reads=("age_years",),
    params={"bup": _bup_table, "min_years_before_bup": _years},
    cites=("target_bup", "years_to_bup"),
)
def _retirement_age(ctx: Context) -> Outcome:
    bup = retirement_age_of(ctx.position.jabatan_type, ctx.params["bup"])
    age = ctx.numbers("age_years")
    too_old = ~(age < bup - ctx.params["min_years_before_bup"])
    return too_old, {"target_bup": bup, "years_to_bup": bup - age}


@_check("min_golongan", reads=("employment_type", "golongan_rank"))
def _min_golongan(ctx: Context) -> Outcome:
    n = len(ctx.candidates)
    if ctx.position.min_golongan is None:
        return np.zeros(n, dtype=bool), {}
    need = PNS_GOLONGAN_RANK[ctx.position.min_golongan]
    # PPPK grades are another scheme; pppk_excluded bars them, so they are not reported twice.
    is_pns = ctx.isin("employment_type", ["PNS"])
    return is_pns & ~(ctx.numbers("golongan_rank") >= need), {}


@_check("min_education_level", reads=("education_rank",))
def _min_education_level(ctx: Context) -> Outcome:
    n = len(ctx.candidates)
    if ctx.position.min_education_level is None:
        return np.zeros(n, dtype=bool), {}
    need = EDUCATION_RANK[ctx.position.min_education_level]
    return ~(ctx.numbers("education_rank") >= need), {}


@_check("same_position", reads=("position_id",))
def _same_position(ctx: Context) -> Outcome:
    n = len(ctx.candidates)
    if ctx.position.position_id is None:
        return np.zeros(n, dtype=bool), {}
    same = ctx.candidates["position_id"] == ctx.position.position_id
    return same.to_numpy(dtype=bool, na_value=False), {}


@_check(
    "overdue",
    reads=("years_in_position",),
    params={"max_years_in_position": _years},
)
def _overdue(ctx: Context) -> Outcome:
    return ctx.numbers("years_in_position") > ctx.params["max_years_in_position"], {}
