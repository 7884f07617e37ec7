"""The plan as a linear model: pair values, constraint rows, unit shortage terms; and the exact
objective of any set of moves (see docs/planning.md for the formulation written out).

Rows are laid out as: one per candidate (person), one per vacancy, one per unit with a finite
move-out cap, one per unit whose shortage is piecewise over the plan ("mixed" unit). A pair's
column has at most five entries, one per row kind, so the model stores row numbers per pair
instead of a matrix and builds sparse matrices only for the columns a solve uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from planning.errors import Family
from planning.problem import PlanProblem

NO_ROW = -1
ROW = np.int32  # row numbers per pair: millions of pairs, far fewer rows than 2**31


@dataclass(frozen=True)
class OutCaps:
    """Per unit: how many may leave (``inf`` = no limit) and which rule sets that number."""

    cap: np.ndarray
    limit: np.ndarray  # Family.UNIT_FLOOR, Family.MAX_MOVES_OUT or "" (no limit)


def out_caps(problem: PlanProblem, relax: Iterable[str] = ()) -> OutCaps:
    """Move-out caps: the floor leaves ``bezetting - floor`` movable; N caps any unit."""
    relaxed = set(relax)
    floor_cap = np.maximum(problem.bezetting - problem.unit_floor, 0).astype(float)
    if Family.UNIT_FLOOR in relaxed:
        floor_cap[:] = np.inf
    n_max = problem.policy.max_moves_out
    max_cap = np.inf if n_max is None or Family.MAX_MOVES_OUT in relaxed else float(n_max)
    cap = np.minimum(floor_cap, max_cap)
    limit = np.where(floor_cap <= max_cap, str(Family.UNIT_FLOOR), str(Family.MAX_MOVES_OUT))
    return OutCaps(cap=cap, limit=np.where(np.isfinite(cap), limit, "").astype(object))


@dataclass(frozen=True, eq=False)
class LinearModel:
    """Columns (pairs, then one shortage variable per mixed unit) and ``<=`` rows of the plan.

    Maximise ``value @ x - shortage_weight * s.sum() + constant`` subject to the rows, with
    ``x`` binary (pinned pairs fixed at 1) and ``s >= 0``.
    """

    problem: PlanProblem
    value: np.ndarray
    lower: np.ndarray  # 1 for pinned pairs
    # Per pair (row or NO_ROW, coefficient): one coefficient for all pairs, or one per pair
    # (the group-floor rows, where members count against the floor and others for it).
    slots: tuple[tuple[np.ndarray, float | np.ndarray], ...]
    rhs: np.ndarray
    row_family: np.ndarray
    mixed_units: np.ndarray
    mixed_rows: np.ndarray
    constant: float
    caps: OutCaps
    n_group_rows: int = 0

    @property
    def n_rows(self) -> int:
        """Number of constraint rows."""
        return len(self.rhs)

    @property
    def n_aux(self) -> int:
        """Number of continuous shortage variables."""
        return len(self.mixed_units)

    @cached_property
    def aux_cost(self) -> np.ndarray:
        """Cost (minimised) of each shortage variable: lambda."""
        return np.full(self.n_aux, self.problem.policy.shortage_weight)

    def matrix(self, columns: np.ndarray) -> sp.csc_array:
        """Sparse rows x (chosen pair columns, then shortage columns)."""
        rows, cols, vals = [], [], []
        position = np.arange(len(columns))
        for row_of, coefficient in self.slots:
            picked = row_of[columns]
            present = picked != NO_ROW
            rows.append(picked[present])
            cols.append(position[present])
            if isinstance(coefficient, np.ndarray):
                vals.append(coefficient[columns][present])
            else:
                vals.append(np.full(int(present.sum()), coefficient))
        rows.append(self.mixed_rows)
        cols.append(len(columns) + np.arange(self.n_aux))
        vals.append(np.full(self.n_aux, -1.0))
        return sp.csc_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(self.n_rows, len(columns) + self.n_aux),
        )

    def reduced_value(self, duals: np.ndarray) -> np.ndarray:
        """Per pair: value minus the priced rows it uses (``duals >= 0`` for ``<=`` rows)."""
        reduced = self.value.copy()
        padded = np.append(duals, 0.0)  # NO_ROW (-1) reads the trailing zero
        for row_of, coefficient in self.slots:
            reduced -= coefficient * padded[row_of]
        return reduced


def build_model(problem: PlanProblem, relax: Iterable[str] = ()) -> LinearModel:
    """The linear model of ``problem``, with the constraint families in ``relax`` left out."""
    relaxed = set(relax)
    caps = out_caps(problem, relaxed)
    n_c, n_v, n_u = problem.n_candidates, problem.n_vacancies, problem.n_units
    cross = problem.cross
    src, tgt = problem.source_unit, problem.target_unit

    person_row = problem.pair_candidate.astype(ROW)
    if Family.PERSON in relaxed:
        person_row = np.full(problem.n_pairs, NO_ROW, dtype=ROW)
    vacancy_row = (n_c + problem.pair_vacancy).astype(ROW)
    if Family.VACANCY in relaxed:
        vacancy_row = np.full(problem.n_pairs, NO_ROW, dtype=ROW)
    capped_units = np.flatnonzero(np.isfinite(caps.cap))
    cap_row_of_unit = np.full(n_u, NO_ROW, dtype=ROW)
    cap_row_of_unit[capped_units] = n_c + n_v + np.arange(len(capped_units))
    cap_row = np.where(cross, cap_row_of_unit[src], NO_ROW)

    linear, mixed = _classify_units(problem, caps, relaxed)
    weight = problem.policy.shortage_weight
    shift = cross * (linear[tgt].astype(float) - linear[src].astype(float))
    value = problem.score + problem.bonus + weight * shift

    mixed_units = np.flatnonzero(mixed)
    first_mixed = n_c + n_v + len(capped_units)
    mixed_row_of_unit = np.full(n_u, NO_ROW, dtype=ROW)
    mixed_row_of_unit[mixed_units] = first_mixed + np.arange(len(mixed_units))
    in_row = np.where(cross, mixed_row_of_unit[tgt], NO_ROW)
    out_row = np.where(cross, mixed_row_of_unit[src], NO_ROW)
    need_gap = (problem.abk_need - problem.bezetting)[mixed_units].astype(float)

    big = float(n_c + 1)  # relaxed rows stay in the layout with a bound nothing reaches
    seats = problem.open_headcount.astype(float)
    rhs = np.concatenate([
        np.full(n_c, 1.0 if Family.PERSON not in relaxed else big),
        seats if Family.VACANCY not in relaxed else np.full(n_v, big),
        caps.cap[capped_units],
        -need_gap,
    ])  # fmt: skip
    row_family = np.concatenate([
        np.full(n_c, str(Family.PERSON), dtype=object),
        np.full(n_v, str(Family.VACANCY), dtype=object),
        caps.limit[capped_units],
        np.full(len(mixed_units), "shortage", dtype=object),
    ])  # fmt: skip
    lower = (
        problem.pinned.astype(float) if Family.PINS not in relaxed else np.zeros(problem.n_pairs)
    )
    floors = [] if Family.GROUP_FLOOR in relaxed else problem.group_floors
    first_floor = first_mixed + len(mixed_units)
    floor_slots = tuple(
        (
            np.full(problem.n_pairs, first_floor + i, dtype=ROW),
            row.proportion - row.members[problem.pair_candidate].astype(float),
        )
        for i, row in enumerate(floors)
    )
    return LinearModel(
        problem=problem,
        value=value,
        lower=lower,
        slots=(
            (person_row, 1.0),
            (vacancy_row, 1.0),
            (cap_row, 1.0),
            (in_row, -1.0),
            (out_row, 1.0),
            *floor_slots,
        ),
        rhs=np.concatenate([rhs, [row.tolerance for row in floors]]),
        row_family=np.concatenate(
            [row_family, np.full(len(floors), str(Family.GROUP_FLOOR), dtype=object)]
        ),
        mixed_units=mixed_units,
        mixed_rows=first_mixed + np.arange(len(mixed_units)),
        constant=weight * float(np.maximum(need_gap, 0).sum()),
        caps=caps,
        n_group_rows=len(floors),
    )


def _classify_units(
    problem: PlanProblem, caps: OutCaps, relaxed: set[str]
) -> tuple[np.ndarray, np.ndarray]:
    """(units short after any plan: shortage moves 1 per move, units neither short nor surplus
    under every plan: shortage is piecewise and needs a variable). The rest never are short."""
    n_u = problem.n_units
    if problem.policy.shortage_weight == 0:
        return np.zeros(n_u, dtype=bool), np.zeros(n_u, dtype=bool)
    cross = problem.cross
    src, tgt = problem.source_unit[cross], problem.target_unit[cross]
    movers = problem.pair_candidate[cross]
    if Family.PERSON in relaxed:  # a person may then move many times: count pairs
        arrivals = np.bincount(tgt, minlength=n_u).astype(float)
        leavers = np.bincount(src, minlength=n_u).astype(float)
    else:
        arrivals = distinct_count(movers, tgt, n_u)
        leavers = distinct_count(movers, src, n_u)
    seats = np.bincount(problem.vacancy_unit, weights=problem.open_headcount, minlength=n_u)
    if Family.VACANCY in relaxed:
        seats = np.full(n_u, np.inf)
    most_in = np.minimum(seats, arrivals)
    most_out = np.minimum(caps.cap, leavers)
    gap = (problem.abk_need - problem.bezetting).astype(float)
    linear = gap - most_in >= 0
    flat = gap + most_out <= 0
    return linear, ~linear & ~flat


def distinct_count(people: np.ndarray, unit: np.ndarray, n_units: int) -> np.ndarray:
    """Per unit: how many distinct people appear with it."""
    n_people = int(people.max()) + 1 if len(people) else 0
    seen = np.zeros((n_people, n_units), dtype=bool)
    seen[people, unit] = True
    return seen.sum(axis=0).astype(float)


@dataclass(frozen=True)
class ObjectiveParts:
    """The plan's objective and its parts; ``shortage_*`` count staff (units summed)."""

    performance: float
    preference: float
    shortage_before: int
    shortage_after: int
    shortage_weight: float

    @property
    def shortage_reduction(self) -> int:
        """How much the plan reduces the total unit staffing shortage."""
        return self.shortage_before - self.shortage_after

    @property
    def shortage_term(self) -> float:
        """lambda times the shortage reduction."""
        return self.shortage_weight * self.shortage_reduction

    @property
    def total(self) -> float:
        """performance + preference + shortage term."""
        return self.performance + self.preference + self.shortage_term


def unit_flows(problem: PlanProblem, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit (arrivals, departures) counting moves between units only."""
    moves = chosen[problem.cross[chosen]]
    arrivals = np.bincount(problem.target_unit[moves], minlength=problem.n_units)
    departures = np.bincount(problem.source_unit[moves], minlength=problem.n_units)
    return arrivals, departures


def evaluate(problem: PlanProblem, chosen: np.ndarray) -> ObjectiveParts:
    """The exact objective of the moves ``chosen`` (pair indices), independent of any model."""
    arrivals, departures = unit_flows(problem, chosen)
    before = problem.abk_need - problem.bezetting
    after = before - arrivals + departures
    return ObjectiveParts(
        performance=float(problem.score[chosen].sum()),
        preference=float(problem.bonus[chosen].sum()),
        shortage_before=int(np.maximum(before, 0).sum()),
        shortage_after=int(np.maximum(after, 0).sum()),
        shortage_weight=problem.policy.shortage_weight,
    )
