"""Solve a plan problem exactly: an assignment when nothing but seats links the moves, else a
MILP (HiGHS via scipy.optimize.milp). Infeasibility is explained by the family that binds."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy.optimize import LinearConstraint, linear_sum_assignment, milp

from planning.checks import check_pins
from planning.errors import Family, PlanInfeasibleError, PlanInputError
from planning.model import LinearModel, build_model, distinct_count, evaluate, out_caps
from planning.pricing import SolverInfeasibleError, restrict, solve_milp
from planning.problem import PlanProblem
from planning.report import PlanResult, build_result

Method = Literal["auto", "milp", "assignment"]
# Families relaxed one at a time to explain a solver-reported infeasibility. Group floors first:
# an empty plan meets them, so they conflict only with pinned moves, and when they do they are
# the rule the planner chose to add.
DIAGNOSED: tuple[Family, ...] = (
    Family.GROUP_FLOOR, Family.PERSON, Family.VACANCY, Family.UNIT_FLOOR, Family.MAX_MOVES_OUT,
)  # fmt: skip


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    - ``method``: ``auto`` uses the assignment solver when it is exact and the dense matrix
      fits ``max_dense_cells``, else the MILP;
    - ``time_limit`` (s) and ``mip_rel_gap`` go to HiGHS (0 = prove optimality);
    - ``pricing_width``: pairs per vacancy in the MILP's first working set and added per
      pricing round (0 = all pairs at once; see planning/pricing.py);
    - ``alternatives``: unchosen candidates reported per vacancy.
    """

    method: Method = "auto"
    time_limit: float = 60.0
    mip_rel_gap: float = 0.0
    pricing_width: int = 20
    alternatives: int = 2
    max_dense_cells: int = 10_000_000

    def __post_init__(self) -> None:
        if self.method not in ("auto", "milp", "assignment"):
            raise PlanInputError(f"options.method: auto, milp or assignment, got {self.method!r}")
        if not self.time_limit > 0 or not 0 <= self.mip_rel_gap < 1:
            raise PlanInputError("options: time_limit must be > 0 and mip_rel_gap in [0, 1)")
        if self.pricing_width < 0 or self.alternatives < 0 or self.max_dense_cells < 1:
            raise PlanInputError(
                "options: pricing_width and alternatives must be >= 0, max_dense_cells >= 1"
            )


def solve_plan(problem: PlanProblem, options: SolveOptions | None = None) -> PlanResult:
    """The optimal plan for ``problem``; raises :class:`PlanInfeasibleError` naming the rule."""
    options = options or SolveOptions()
    start = time.perf_counter()
    caps = out_caps(problem)
    check_pins(problem, caps)
    model = build_model(problem)
    use_assignment = options.method == "assignment" or (
        options.method == "auto" and _assignment_fits(model, options.max_dense_cells)
    )
    extra: dict[str, object] = {"options": asdict(options)}
    try:
        if use_assignment:
            if not is_pure_assignment(model):
                raise PlanInputError(
                    "options.method: the assignment solver needs a plan without unit limits "
                    "or piecewise shortage terms; use milp or auto"
                )
            chosen = _solve_assignment(model)
            method, optimal, gap, bound = "linear_sum_assignment", True, 0.0, None
        else:
            outcome = solve_milp(
                model,
                time_limit=options.time_limit,
                width=options.pricing_width,
                mip_rel_gap=options.mip_rel_gap,
            )
            chosen, optimal = outcome.chosen, outcome.optimal
            method, gap, bound = "milp", outcome.mip_gap, outcome.dual_bound
            if not optimal:  # measure the incumbent exactly, not by the solver's variables
                value = evaluate(problem, chosen).total
                gap = max(bound - value, 0.0) / max(abs(value), 1e-9)
            extra |= {
                "model_columns": outcome.n_columns,
                "pricing_rounds": outcome.rounds,
                "milp_solves": outcome.solves,
            }
    except SolverInfeasibleError as exc:
        raise _explain(problem) from exc
    return build_result(
        problem,
        chosen,
        caps,
        method=method,
        status="optimal" if optimal else "time_limit",
        mip_gap=gap,
        dual_bound=bound,
        seconds=time.perf_counter() - start,
        n_alternatives=options.alternatives,
        parameters=extra,
    )


def is_pure_assignment(model: LinearModel) -> bool:
    """True when only person and seat rows can bind and every pair's value is fixed: then the
    plan is a maximum-weight bipartite matching of people to seats."""
    if model.n_aux or model.n_group_rows:
        return False
    problem = model.problem
    cross = problem.cross
    leavers = distinct_count(
        problem.pair_candidate[cross], problem.source_unit[cross], problem.n_units
    )
    return bool(np.all(model.caps.cap >= leavers))


def _assignment_fits(model: LinearModel, max_cells: int) -> bool:
    seats = int(model.problem.open_headcount.sum())
    return is_pure_assignment(model) and seats * (model.problem.n_candidates + seats) <= max_cells


def _solve_assignment(model: LinearModel) -> np.ndarray:
    """Pinned pairs first, then linear_sum_assignment of the free people to the free seats.

    Rows are seats (a vacancy repeated per open headcount); columns are free candidates then one
    "leave empty" column per seat. Cost is minus the pair value where positive, else 0, so an
    ineligible or worthless pairing costs the same as an empty seat and is read as one.
    """
    problem = model.problem
    pinned = np.flatnonzero(problem.pinned)
    taken = np.zeros(problem.n_candidates, dtype=bool)
    taken[problem.pair_candidate[pinned]] = True
    seats_left = problem.open_headcount - np.bincount(
        problem.pair_vacancy[pinned], minlength=problem.n_vacancies
    )
    free = np.flatnonzero(~taken[problem.pair_candidate] & (model.value > 0))
    people, column = np.unique(problem.pair_candidate[free], return_inverse=True)
    gain = np.zeros((problem.n_vacancies, len(people)))
    pair_at = np.full((problem.n_vacancies, len(people)), -1)
    gain[problem.pair_vacancy[free], column] = model.value[free]
    pair_at[problem.pair_vacancy[free], column] = free
    seat_vacancy = np.repeat(np.arange(problem.n_vacancies), seats_left)
    cost = np.zeros((len(seat_vacancy), len(people) + len(seat_vacancy)))
    cost[:, : len(people)] = -gain[seat_vacancy]
    if cost.size == 0:
        return pinned
    rows, cols = linear_sum_assignment(cost)
    real = cost[rows, cols] < 0  # empty-seat columns and worthless pairings cost 0
    picked = pair_at[seat_vacancy[rows[real]], cols[real]]
    return np.sort(np.concatenate([pinned, picked]))


def diagnose_infeasibility(problem: PlanProblem) -> list[Family]:
    """Families whose removal alone makes the plan feasible (empty if none does alone)."""
    return [f for f in DIAGNOSED if _feasible(build_model(problem, relax={f}))]


def _feasible(model: LinearModel) -> bool:
    """Whether any plan satisfies the model's rows (a zero-objective MILP)."""
    part = restrict(model, np.arange(model.problem.n_pairs))
    if part.n_vars == 0:
        return bool((part.rhs >= 0).all())
    result = milp(
        np.zeros(part.n_vars),
        integrality=np.concatenate([np.ones(len(part.free)), np.zeros(part.n_aux)]),
        bounds=part.bounds(),
        constraints=LinearConstraint(part.matrix, -np.inf, part.rhs),
    )
    return bool(result.status == 0)


def _explain(problem: PlanProblem) -> PlanInfeasibleError:
    families = diagnose_infeasibility(problem)
    if not families:
        return PlanInfeasibleError(
            "the pinned moves conflict with several rules at once: no single rule family, "
            "relaxed alone, makes the plan feasible",
            Family.PINS,
        )
    names = ", ".join(families)
    return PlanInfeasibleError(
        f"{families[0]}: the plan is infeasible; relaxing any one of [{names}] alone makes it "
        "feasible, so the pinned moves conflict with it",
        families[0],
    )
