"""The plan result: assignments, alternatives, unit staffing before/after, objective and bounds.

Built the same way for the optimiser and the greedy baseline, from the chosen pair indices, so
that both are measured by :func:`planning.model.evaluate` and compared like for like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planning.errors import Family
from planning.model import ObjectiveParts, OutCaps, evaluate, unit_flows
from planning.problem import PlanProblem

_SHOWN_UNITS = 10


@dataclass(frozen=True)
class BindingConstraint:
    """A constraint family that shapes the plan: how many rows bind, and which."""

    family: str
    count: int
    detail: str


@dataclass(frozen=True, eq=False)
class PlanResult:
    """A plan and how good it is. ``mip_gap`` is 0 for proven optimality, None for greedy."""

    method: str  # "milp", "linear_sum_assignment" or "greedy"
    status: str  # "optimal", "time_limit" or "heuristic"
    objective: ObjectiveParts
    mip_gap: float | None
    dual_bound: float | None
    seconds: float
    chosen: np.ndarray  # pair indices into the problem
    assignments: pd.DataFrame
    vacancies: pd.DataFrame
    alternatives: pd.DataFrame
    units: pd.DataFrame
    binding: tuple[BindingConstraint, ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready headline numbers."""
        parts = self.objective
        return {
            "method": self.method,
            "status": self.status,
            "objective": parts.total,
            "performance": parts.performance,
            "preference_bonus": parts.preference,
            "shortage_term": parts.shortage_term,
            "shortage_before": parts.shortage_before,
            "shortage_after": parts.shortage_after,
            "shortage_reduction": parts.shortage_reduction,
            "mip_gap": self.mip_gap,
            "dual_bound": self.dual_bound,
            "seconds": self.seconds,
            "moves": len(self.chosen),
            "seats": int(self.vacancies["open_headcount"].sum()),
        }


def build_result(
    problem: PlanProblem,
    chosen: np.ndarray,
    caps: OutCaps,
    *,
    method: str,
    status: str,
    mip_gap: float | None,
    dual_bound: float | None,
    seconds: float,
    n_alternatives: int = 2,
    parameters: dict[str, Any] | None = None,
) -> PlanResult:
    """Assemble the result frames for the moves ``chosen`` (pair indices)."""
    chosen = np.sort(np.asarray(chosen, dtype=np.intp))
    units = _unit_frame(problem, chosen, caps)
    vacancies = _vacancy_frame(problem, chosen)
    return PlanResult(
        method=method,
        status=status,
        objective=evaluate(problem, chosen),
        mip_gap=mip_gap,
        dual_bound=dual_bound,
        seconds=seconds,
        chosen=chosen,
        assignments=_assignment_frame(problem, chosen),
        vacancies=vacancies,
        alternatives=_alternative_frame(problem, chosen, units, vacancies, n_alternatives),
        units=units,
        binding=_binding(problem, chosen, units, vacancies),
        parameters={**problem.policy.as_dict(), **_counts(problem), **(parameters or {})},
    )


def _counts(problem: PlanProblem) -> dict[str, int]:
    return {
        "n_units": problem.n_units,
        "n_vacancies": problem.n_vacancies,
        "n_seats": int(problem.open_headcount.sum()),
        "n_candidates": problem.n_candidates,
        "n_pairs_given": problem.n_pairs_given,
        "n_pairs_excluded": problem.n_pairs_excluded,
    }


def _priority(problem: PlanProblem, pairs: np.ndarray) -> pd.Series:
    values = problem.priority[pairs]
    return pd.Series(values, dtype="Int64").mask(values == 0)


def _assignment_frame(problem: PlanProblem, chosen: np.ndarray) -> pd.DataFrame:
    c = problem.pair_candidate[chosen]
    frame = pd.DataFrame({
        "position_id": problem.position_ids[problem.pair_vacancy[chosen]],
        "unit_id": problem.unit_ids[problem.target_unit[chosen]],
        "nip": problem.nips[c],
        "from_position_id": problem.current_position[c],
        "from_unit_id": problem.unit_ids[problem.source_unit[chosen]],
        "score": problem.score[chosen],
        "priority": _priority(problem, chosen),
        "preference_bonus": problem.bonus[chosen],
        "pinned": problem.pinned[chosen],
        "cross_unit": problem.cross[chosen],
    })  # fmt: skip
    order = np.lexsort((-problem.merit[chosen], problem.pair_vacancy[chosen]))
    return frame.iloc[order].reset_index(drop=True)


def _vacancy_frame(problem: PlanProblem, chosen: np.ndarray) -> pd.DataFrame:
    filled = np.bincount(problem.pair_vacancy[chosen], minlength=problem.n_vacancies)
    return pd.DataFrame({
        "position_id": problem.position_ids,
        "unit_id": problem.unit_ids[problem.vacancy_unit],
        "open_headcount": problem.open_headcount,
        "filled": filled,
        "unfilled": problem.open_headcount - filled,
    })  # fmt: skip


def _unit_frame(problem: PlanProblem, chosen: np.ndarray, caps: OutCaps) -> pd.DataFrame:
    arrivals, departures = unit_flows(problem, chosen)
    inside = chosen[~problem.cross[chosen]]
    after = problem.bezetting + arrivals - departures
    finite = np.isfinite(caps.cap)
    at_cap = finite & (departures >= np.where(finite, caps.cap, 0))
    # A limit binds when it holds back someone who could have left for another unit.
    moved = np.zeros(problem.n_candidates, dtype=bool)
    moved[problem.pair_candidate[chosen]] = True
    stayers = problem.source_unit[problem.cross & ~moved[problem.pair_candidate]]
    return pd.DataFrame({
        "unit_id": problem.unit_ids,
        "abk_need": problem.abk_need,
        "floor": problem.unit_floor,
        "bezetting_before": problem.bezetting,
        "arrivals": arrivals,
        "departures": departures,
        "moves_within": np.bincount(problem.source_unit[inside], minlength=problem.n_units),
        "bezetting_after": after,
        "shortage_before": np.maximum(problem.abk_need - problem.bezetting, 0),
        "shortage_after": np.maximum(problem.abk_need - after, 0),
        "out_cap": pd.Series(np.where(finite, caps.cap, 0), dtype="Int64").mask(~finite),
        "out_limit": caps.limit,
        "at_cap": at_cap,
        "limit_binds": at_cap & (np.bincount(stayers, minlength=problem.n_units) > 0),
    })  # fmt: skip


def _alternative_frame(
    problem: PlanProblem,
    chosen: np.ndarray,
    units: pd.DataFrame,
    vacancies: pd.DataFrame,
    n_alternatives: int,
) -> pd.DataFrame:
    """Per vacancy the best ``n_alternatives`` unchosen pairs by merit, with why not chosen."""
    key = problem.merit.copy()
    key[chosen] = -np.inf
    pairs = problem.best_pairs(key, n_alternatives)
    vacancy = problem.pair_vacancy[pairs]
    first = np.searchsorted(vacancy, vacancy)  # best_pairs groups by vacancy in order
    return pd.DataFrame({
        "position_id": problem.position_ids[vacancy],
        "rank": np.arange(len(pairs)) - first + 1,
        "nip": problem.nips[problem.pair_candidate[pairs]],
        "from_unit_id": problem.unit_ids[problem.source_unit[pairs]],
        "score": problem.score[pairs],
        "preference_bonus": problem.bonus[pairs],
        "reason": _reasons(problem, chosen, pairs, units, vacancies),
    })  # fmt: skip


def _destinations(problem: PlanProblem, chosen: np.ndarray) -> np.ndarray:
    """Per candidate: the vacancy they move to, or -1."""
    moves_to = np.full(problem.n_candidates, -1)
    moves_to[problem.pair_candidate[chosen]] = problem.pair_vacancy[chosen]
    return moves_to


def _reasons(
    problem: PlanProblem,
    chosen: np.ndarray,
    pairs: np.ndarray,
    units: pd.DataFrame,
    vacancies: pd.DataFrame,
) -> list[str]:
    """Why each unchosen pair is not in the plan; the first reason that applies is given."""
    target = _destinations(problem, chosen)[problem.pair_candidate[pairs]]
    src = problem.source_unit[pairs]
    cross = problem.cross[pairs]
    at_cap = units["at_cap"].to_numpy()[src] & cross
    limit = units["out_limit"].to_numpy()[src]
    # Leaving a unit at or below its ABK need after the plan adds to the shortage.
    opens_gap = (units["bezetting_after"].to_numpy() <= problem.abk_need)[src] & cross
    opens_gap &= problem.policy.shortage_weight > 0
    full = (vacancies["unfilled"].to_numpy() == 0)[problem.pair_vacancy[pairs]]
    reasons = []
    for i, unit in enumerate(problem.unit_ids[src]):
        if target[i] >= 0:
            reasons.append(f"moves to {problem.position_ids[target[i]]}")
        elif at_cap[i]:
            reasons.append(f"unit {unit} is at its {limit[i]} limit")
        elif opens_gap[i]:
            reasons.append(f"would open a gap in unit {unit}, which is at or below its ABK need")
        elif full[i]:
            reasons.append("vacancy filled by moves worth more to the plan")
        else:
            reasons.append("not worth a move: its net value is not positive")
    return reasons


def group_shares(problem: PlanProblem, chosen: np.ndarray) -> pd.DataFrame:
    """Per floor group: its share of the candidates and of the moves, and its floor."""
    movers = problem.pair_candidate[chosen]
    n = len(chosen)
    rows = []
    for row in problem.group_floors:
        moves = int(row.members[movers].sum())
        floor = row.proportion * n - row.tolerance
        rows.append(
            {
                "group": row.label, "candidate_share": row.share, "moves": moves,
                "move_share": moves / n if n else float("nan"), "floor": max(floor, 0.0),
                "at_floor": bool(n and moves <= floor + 1e-6),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def _group_floor_binding(problem: PlanProblem, chosen: np.ndarray) -> BindingConstraint:
    shares = group_shares(problem, chosen)
    hit = shares.loc[shares["at_floor"], "group"] if len(shares) else pd.Series(dtype=object)
    detail = (
        ", ".join(
            f"{g} {m} of {len(chosen)} moves"
            for g, m in zip(shares["group"], shares["moves"], strict=True)
            if g in set(hit)
        )
        if len(hit)
        else ""
    )
    return BindingConstraint(str(Family.GROUP_FLOOR), len(hit), f"groups at their floor: {detail}")


def _binding(
    problem: PlanProblem,
    chosen: np.ndarray,
    units: pd.DataFrame,
    vacancies: pd.DataFrame,
) -> tuple[BindingConstraint, ...]:
    """Constraint families with rows at their bound in this plan."""
    out: list[BindingConstraint] = []
    full = int((vacancies["unfilled"] == 0).sum())
    out.append(
        BindingConstraint(
            str(Family.VACANCY),
            full,
            f"{full} of {problem.n_vacancies} vacancies filled to their open headcount",
        )
    )
    # The "same strong candidate for every post" effect: top-ranked people taken elsewhere.
    top = problem.best_pairs(problem.merit, 1)
    went = _destinations(problem, chosen)[problem.pair_candidate[top]]
    lost = int(((went >= 0) & (went != problem.pair_vacancy[top])).sum())
    out.append(
        BindingConstraint(
            str(Family.PERSON), lost,
            f"{lost} vacancies lost their top-ranked candidate to another vacancy "
            "(a person moves once)",
        )
    )  # fmt: skip
    for family in (Family.UNIT_FLOOR, Family.MAX_MOVES_OUT):
        hit = units.loc[units["limit_binds"] & (units["out_limit"] == str(family)), "unit_id"]
        shown = ", ".join(map(str, hit.iloc[:_SHOWN_UNITS]))
        more = f" and {len(hit) - _SHOWN_UNITS} more" if len(hit) > _SHOWN_UNITS else ""
        out.append(
            BindingConstraint(
                str(family), len(hit), f"units at their {family} limit: {shown}{more}"
            )
        )
    pins = int(problem.pinned.sum())
    out.append(BindingConstraint(str(Family.PINS), pins, f"{pins} pinned moves forced"))
    out.append(_group_floor_binding(problem, chosen))
    return tuple(b for b in out if b.count > 0)
