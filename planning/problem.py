"""The plan's input: the policy and the problem (units, vacancies, candidates, eligible pairs).

Build a problem with :meth:`PlanProblem.from_frames` from four frames:

- ``vacancies``: ``position_id``, ``unit_id``, ``open_headcount`` (>= 1, seats to fill);
- ``candidates``: ``nip``, ``position_id`` (current post), ``unit_id`` (current unit);
- ``pairs``: ``nip``, ``position_id`` (a vacancy), ``score`` (predicted post-transfer
  performance, e.g. on the 1..5 rating scale), optional ``priority`` (the employee's
  preference: 1 = first choice .. 3, empty = none). Only eligible pairs are listed: a pair that
  is absent is never a variable;
- ``units``: ``unit_id``, ``abk_need`` (ABK need summed over the unit's positions),
  ``bezetting`` (current headcount).

The problem keeps everything as numpy arrays indexed by position, so the solvers never touch
pandas. Opted-out nips and pairs pinned out are dropped here: they are never variables.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from planning.errors import Family, PlanInfeasibleError, PlanInputError
from planning.group_floor import FloorRow, GroupFloor, candidate_groups, floor_rows
from planning.inputs import (
    check_unique,
    describe_rows,
    read_floats,
    read_ids,
    read_ints,
    read_priority,
    read_refs,
    require_frame,
)

PREFERENCE_LEVELS = 3  # contract: preferences.priority is 1 (first choice) .. 3
# ceil(share * need) must not turn 0.7 * 10 = 7.000000000000001 into 8.
_FLOOR_TOLERANCE = 1e-9

Pin = tuple[str, str]


@dataclass(frozen=True)
class PlanPolicy:
    """The planner's rules and weights.

    - ``shortage_weight`` (lambda): value of reducing the total unit staffing shortage by one;
    - ``min_unit_share``: a source unit keeps at least ``ceil(share * abk_need)`` staff after
      its moves out (arrivals do not count; see docs/planning.md);
    - ``max_moves_out``: at most this many people leave any one unit (None = no limit);
    - ``preference_weight``: bonus for a move the employee asked for, at priority 1; priority
      ``p`` earns ``weight * (4 - p) / 3``;
    - ``opt_out``: nips never moved; ``pins_in``: (nip, position_id) pairs that must happen;
      ``pins_out``: pairs that must not;
    - ``fairness``: a floor on each protected group's share of the moves (FA*IR's family,
      planning/group_floor.py); the candidates frame then carries each attribute's column.
    """

    shortage_weight: float = 1.0
    min_unit_share: float = 0.8
    max_moves_out: int | None = None
    preference_weight: float = 0.5
    # Any collections are accepted (lists from JSON); they are stored as frozenset / tuple.
    opt_out: Collection[str] = frozenset()
    pins_in: Sequence[Pin] = ()
    pins_out: Sequence[Pin] = ()
    fairness: GroupFloor | None = None

    def __post_init__(self) -> None:
        _check_number("shortage_weight", self.shortage_weight, 0.0, math.inf)
        _check_number("min_unit_share", self.min_unit_share, 0.0, 1.0)
        _check_number("preference_weight", self.preference_weight, 0.0, math.inf)
        if self.max_moves_out is not None and (
            isinstance(self.max_moves_out, bool)
            or not isinstance(self.max_moves_out, int)
            or self.max_moves_out < 0
        ):
            raise PlanInputError(
                f"policy.max_moves_out: must be a whole number >= 0 or None, "
                f"got {self.max_moves_out!r}"
            )
        object.__setattr__(self, "opt_out", frozenset(str(n) for n in self.opt_out))
        object.__setattr__(self, "pins_in", _normalise_pins("pins_in", self.pins_in))
        object.__setattr__(self, "pins_out", _normalise_pins("pins_out", self.pins_out))
        both = sorted(set(self.pins_in) & set(self.pins_out))
        if both:
            raise PlanInfeasibleError(
                f"pins: pair(s) {both} are pinned both in and out", Family.PINS
            )
        opted = sorted(p for p in self.pins_in if p[0] in self.opt_out)
        if opted:
            raise PlanInfeasibleError(
                f"pins: pinned-in pair(s) {opted} name nips on the opt-out list", Family.OPT_OUT
            )

    def as_dict(self) -> dict[str, Any]:
        """Plain values for reports and JSON."""
        out = asdict(self)
        out["opt_out"] = sorted(self.opt_out)
        out["pins_in"] = [list(p) for p in self.pins_in]
        out["pins_out"] = [list(p) for p in self.pins_out]
        out["fairness"] = self.fairness.as_dict() if self.fairness is not None else None
        return out


def _check_number(name: str, value: object, low: float, high: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise PlanInputError(f"policy.{name}: must be a number in [{low}, {high}], got {value!r}")


def _normalise_pins(name: str, pins: Iterable[Iterable[str]]) -> tuple[Pin, ...]:
    out: list[Pin] = []
    for pin in pins:
        items = tuple(pin)
        if len(items) != 2 or not all(isinstance(s, str) and s.strip() for s in items):
            raise PlanInputError(f"policy.{name}: expected (nip, position_id) pairs, got {pin!r}")
        out.append((items[0].strip(), items[1].strip()))
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True, eq=False)
class PlanProblem:
    """A checked, encoded plan problem. Pair arrays hold only pairs that may be chosen."""

    unit_ids: np.ndarray
    abk_need: np.ndarray
    bezetting: np.ndarray
    position_ids: np.ndarray  # per vacancy
    vacancy_unit: np.ndarray
    open_headcount: np.ndarray
    nips: np.ndarray
    current_position: np.ndarray
    candidate_unit: np.ndarray
    pair_candidate: np.ndarray
    pair_vacancy: np.ndarray
    score: np.ndarray
    priority: np.ndarray  # 0 = no preference
    pinned: np.ndarray  # bool per pair: pinned in
    policy: PlanPolicy = field(default_factory=PlanPolicy)
    candidate_groups: dict[str, np.ndarray] = field(default_factory=dict)  # policy.fairness
    n_pairs_given: int = 0
    n_pairs_excluded: int = 0  # opt-outs and pins out

    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(self.unit_ids)

    @property
    def n_vacancies(self) -> int:
        """Number of vacancies (positions with open headcount)."""
        return len(self.position_ids)

    @property
    def n_candidates(self) -> int:
        """Number of candidates."""
        return len(self.nips)

    @property
    def n_pairs(self) -> int:
        """Number of choosable pairs."""
        return len(self.pair_candidate)

    @cached_property
    def source_unit(self) -> np.ndarray:
        """Per pair: the unit the candidate leaves."""
        return self.candidate_unit[self.pair_candidate]

    @cached_property
    def target_unit(self) -> np.ndarray:
        """Per pair: the unit of the vacancy."""
        return self.vacancy_unit[self.pair_vacancy]

    @cached_property
    def cross(self) -> np.ndarray:
        """Per pair: the move leaves its unit (a move inside a unit changes no unit headcount)."""
        return self.source_unit != self.target_unit

    @cached_property
    def bonus(self) -> np.ndarray:
        """Per pair: the preference bonus."""
        weight = self.policy.preference_weight * (PREFERENCE_LEVELS + 1 - self.priority)
        return np.where(self.priority > 0, weight / PREFERENCE_LEVELS, 0.0)

    @cached_property
    def merit(self) -> np.ndarray:
        """Per pair: score plus preference bonus, what a one-post ranking can see."""
        return self.score + self.bonus

    @cached_property
    def group_floors(self) -> list[FloorRow]:
        """The fairness rows of the policy's group floor (empty without one)."""
        eligible = np.zeros(self.n_candidates, dtype=bool)
        eligible[self.pair_candidate] = True
        seats = int(self.open_headcount.sum())
        return floor_rows(self.candidate_groups, self.policy.fairness, seats, eligible)

    @cached_property
    def unit_floor(self) -> np.ndarray:
        """Per unit: the headcount moves out may not go below, ``ceil(share * abk_need)``."""
        floor = np.ceil(self.policy.min_unit_share * self.abk_need - _FLOOR_TOLERANCE)
        return np.maximum(floor, 0).astype(np.int64)

    @cached_property
    def vacancy_runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Pairs grouped by vacancy: (pair order, where each vacancy's run starts; one more
        entry than vacancies). Sorting millions of pairs once, by an integer, is the cheap way
        to answer every later "best pairs of each vacancy" question."""
        order = np.argsort(self.pair_vacancy, kind="stable")
        starts = np.searchsorted(self.pair_vacancy[order], np.arange(self.n_vacancies + 1))
        return order, starts

    def best_pairs(self, key: np.ndarray, count: np.ndarray | int) -> np.ndarray:
        """Per vacancy (in order) its ``count`` pairs with the highest finite ``key``, best
        first. ``count`` is one number or one per vacancy."""
        order, starts = self.vacancy_runs
        counts = np.broadcast_to(np.asarray(count), (self.n_vacancies,))
        picked: list[np.ndarray] = []
        for vacancy, wanted in enumerate(counts):
            run = order[starts[vacancy] : starts[vacancy + 1]]
            run = run[np.isfinite(key[run])]
            if wanted < len(run):  # partial sort: only the best few are needed
                run = run[np.argpartition(-key[run], wanted - 1)[:wanted]] if wanted else run[:0]
            picked.append(run[np.lexsort((run, -key[run]))])
        return np.concatenate(picked) if picked else np.zeros(0, dtype=np.intp)

    @classmethod
    def from_frames(
        cls,
        vacancies: pd.DataFrame,
        candidates: pd.DataFrame,
        pairs: pd.DataFrame,
        units: pd.DataFrame,
        policy: PlanPolicy | None = None,
    ) -> PlanProblem:
        """Check and encode the four input frames (see the module docstring)."""
        policy = policy or PlanPolicy()
        require_frame(units, "units", ("unit_id", "abk_need", "bezetting"))
        require_frame(vacancies, "vacancies", ("position_id", "unit_id", "open_headcount"))
        require_frame(candidates, "candidates", ("nip", "position_id", "unit_id"))
        require_frame(pairs, "pairs", ("nip", "position_id", "score"))
        if len(vacancies) == 0:
            raise PlanInfeasibleError("vacancies: the vacancy list is empty", Family.VACANCY)

        unit_ids = read_ids(units, "units", "unit_id")
        check_unique(unit_ids, "units", "unit_id")
        position_ids = read_ids(vacancies, "vacancies", "position_id")
        check_unique(position_ids, "vacancies", "position_id")
        nips = read_ids(candidates, "candidates", "nip")
        check_unique(nips, "candidates", "nip")
        index = _Indexes(pd.Index(unit_ids), pd.Index(position_ids), pd.Index(nips))
        candidate_unit = read_refs(
            candidates, "candidates", "unit_id", index.units, "units.unit_id"
        )
        bezetting = read_ints(units, "units", "bezetting", 0)
        _check_bezetting(unit_ids.to_numpy(), bezetting, candidate_unit)
        current_position = read_ids(candidates, "candidates", "position_id")

        pair_candidate = read_refs(pairs, "pairs", "nip", index.nips, "candidates.nip")
        pair_vacancy = read_refs(
            pairs, "pairs", "position_id", index.posts, "vacancies.position_id"
        )
        pair_key = pair_candidate.astype(np.int64) * len(position_ids) + pair_vacancy
        _check_pairs(
            pairs,
            pair_key,
            index.posts.get_indexer(pd.Index(current_position))[pair_candidate] == pair_vacancy,
        )
        keep, pinned = _exclusions(policy, pair_key, pair_candidate, index)
        if not keep.any():
            raise PlanInfeasibleError(_no_pairs_message(len(pairs)), Family.ELIGIBILITY)
        return cls(
            unit_ids=unit_ids.to_numpy(dtype=object),
            abk_need=read_ints(units, "units", "abk_need", 0),
            bezetting=bezetting,
            position_ids=position_ids.to_numpy(dtype=object),
            vacancy_unit=read_refs(vacancies, "vacancies", "unit_id", index.units, "units.unit_id"),
            open_headcount=read_ints(vacancies, "vacancies", "open_headcount", 1),
            nips=nips.to_numpy(dtype=object),
            current_position=current_position.to_numpy(dtype=object),
            candidate_unit=candidate_unit,
            pair_candidate=pair_candidate[keep],
            pair_vacancy=pair_vacancy[keep],
            score=read_floats(pairs, "pairs", "score")[keep],
            priority=read_priority(pairs, "pairs", "priority", PREFERENCE_LEVELS)[keep],
            pinned=pinned[keep],
            policy=policy,
            candidate_groups=candidate_groups(candidates, policy.fairness),
            n_pairs_given=len(pairs),
            n_pairs_excluded=int((~keep).sum()),
        )


@dataclass(frozen=True)
class _Indexes:
    units: pd.Index
    posts: pd.Index  # vacancies' position_id
    nips: pd.Index


def _check_bezetting(
    unit_ids: np.ndarray, bezetting: np.ndarray, candidate_unit: np.ndarray
) -> None:
    """Candidates sit in their unit, so a unit's headcount cannot be below its candidate count."""
    seated = np.bincount(candidate_unit, minlength=len(unit_ids))
    short = seated > bezetting
    if short.any():
        rows = np.flatnonzero(short)[:5]
        detail = [f"{unit_ids[r]}: bezetting {bezetting[r]} < {seated[r]} candidates" for r in rows]
        raise PlanInputError(
            f"units.bezetting: fewer staff than candidates sitting there: {detail}"
        )


def _check_pairs(pairs: pd.DataFrame, pair_key: np.ndarray, into_own_post: np.ndarray) -> None:
    """Pairs are unique and never move someone into the post they hold."""
    nips = pairs["nip"]
    repeated = pd.Series(pair_key).duplicated(keep=False).to_numpy()
    if repeated.any():
        raise PlanInputError(
            f"pairs: (nip, position_id) must be unique; repeated at {describe_rows(repeated, nips)}"
        )
    if into_own_post.any():
        raise PlanInputError(
            "pairs: a candidate cannot move into the post they hold; "
            f"{describe_rows(into_own_post, nips)}"
        )


def _exclusions(
    policy: PlanPolicy, pair_key: np.ndarray, pair_candidate: np.ndarray, index: _Indexes
) -> tuple[np.ndarray, np.ndarray]:
    """(pairs kept as variables, pairs pinned in); checks that every pin names a real pair."""
    keys = {}
    for name, pins in (("pins_in", policy.pins_in), ("pins_out", policy.pins_out)):
        who = index.nips.get_indexer(pd.Index([n for n, _ in pins], dtype=object)).astype(np.int64)
        where = index.posts.get_indexer(pd.Index([p for _, p in pins], dtype=object))
        unknown = [pin for pin, c, v in zip(pins, who, where, strict=True) if c < 0 or v < 0]
        if unknown:
            raise PlanInputError(
                f"policy.{name}: {unknown} name a nip not in candidates or a position_id "
                "not in vacancies"
            )
        keys[name] = who * len(index.posts) + where
    eligible = np.isin(keys["pins_in"], pair_key)
    if not eligible.all():
        ineligible = [pin for pin, ok in zip(policy.pins_in, eligible, strict=True) if not ok]
        raise PlanInfeasibleError(
            f"pins: pinned-in pair(s) {ineligible} are not eligible (not in pairs)",
            Family.ELIGIBILITY,
        )
    opted = index.nips.get_indexer(pd.Index(sorted(policy.opt_out), dtype=object))
    excluded = np.isin(pair_candidate, opted[opted >= 0]) | np.isin(pair_key, keys["pins_out"])
    return ~excluded, np.isin(pair_key, keys["pins_in"])


def _no_pairs_message(n_given: int) -> str:
    if n_given == 0:
        return "pairs: no eligible candidate-vacancy pairs; nothing to plan"
    return (
        f"pairs: all {n_given} eligible pairs are excluded by the opt-out list or pins out; "
        "nothing to plan"
    )
