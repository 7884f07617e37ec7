"""Exact MILP solve over a working set of pairs (column generation with reduced-cost fixing).

Most of a large pair set is irrelevant: with 1,000 vacancies and 20,000 candidates only the
best few dozen candidates per vacancy can matter. Solving the MILP over all ~6 million pairs
spends its time reading columns. Instead:

1. start from each vacancy's best ``width`` pairs (by value) plus the pinned pairs;
2. solve the LP relaxation over the working set; its duals price every pair left out
   (reduced value = value - duals of the rows it uses); add the best left-out pairs with a
   positive reduced value, ``width`` per vacancy, and repeat until none is left;
3. the LP bound then holds for the full pair set: ``bound = lp + sum(max(0, reduced))``;
4. solve the MILP over the working set (value ``z``). If ``bound - z`` is within tolerance,
   ``z`` is optimal for the full set. Otherwise any plan using a left-out pair ``e`` is worth at
   most ``bound + reduced[e]``; add every pair with ``reduced >= z - bound`` and solve again:
   the plan that comes back is optimal for the full set (reduced-cost fixing).

docs/planning.md gives the argument in full.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from planning.model import LinearModel

PRICE_TOLERANCE = 1e-7  # HiGHS's dual feasibility tolerance: smaller reduced values are noise
MAX_ROUNDS = 100
_OPTIMAL, _INFEASIBLE = 0, 2


class SolverInfeasibleError(Exception):
    """The solver proved the model infeasible (the caller diagnoses which family binds)."""


@dataclass(frozen=True)
class MilpOutcome:
    """Chosen pairs, solver status and the bounds that certify (or not) optimality."""

    chosen: np.ndarray
    objective: float
    optimal: bool
    mip_gap: float
    dual_bound: float
    n_columns: int
    rounds: int
    solves: int = 1  # 2 when reduced-cost fixing had to re-solve over more pairs


@dataclass(frozen=True, eq=False)
class Restricted:
    """The model over some pair columns with the pinned pairs substituted out at 1.

    Fixed variables are removed rather than bounded: it is smaller, and HiGHS without presolve
    prints debugging output when a solution meets variables fixed by bounds.
    """

    free: np.ndarray  # pair columns the solver decides
    pinned: np.ndarray  # pair columns fixed at 1
    cost: np.ndarray  # minimised: minus the free pairs' value, then the shortage variables
    matrix: sp.csc_array
    rhs: np.ndarray  # row bounds less what the pinned pairs use
    offset: float  # objective of the fixed part
    n_aux: int

    @property
    def n_vars(self) -> int:
        """Solver variables: free pairs then shortage variables."""
        return len(self.cost)

    def bounds(self) -> Bounds:
        """0..1 for pairs, 0..inf for shortage variables."""
        upper = np.concatenate([np.ones(len(self.free)), np.full(self.n_aux, np.inf)])
        return Bounds(np.zeros(self.n_vars), upper)


def restrict(model: LinearModel, columns: np.ndarray) -> Restricted:
    """The model over ``columns`` (pair indices), pinned pairs among them fixed at 1."""
    is_pinned = model.lower[columns] > 0
    pinned, free = columns[is_pinned], columns[~is_pinned]
    use = model.matrix(pinned) @ np.concatenate([np.ones(len(pinned)), np.zeros(model.n_aux)])
    return Restricted(
        free=free,
        pinned=pinned,
        cost=np.concatenate([-model.value[free], model.aux_cost]),
        matrix=model.matrix(free),
        rhs=model.rhs - use,
        offset=model.constant + float(model.value[pinned].sum()),
        n_aux=model.n_aux,
    )


def solve_milp(
    model: LinearModel, *, time_limit: float, width: int, mip_rel_gap: float = 0.0
) -> MilpOutcome:
    """Maximise the model exactly; ``width = 0`` puts every pair in the working set."""
    start = time.perf_counter()
    n_pairs = model.problem.n_pairs
    working = _initial_set(model, width) if width > 0 else np.ones(n_pairs, dtype=bool)
    if working.all() or not (working & (model.lower == 0)).any():
        return _solve(restrict(model, np.arange(n_pairs)), time_limit, mip_rel_gap, 0)
    working, bound, reduced, rounds = _price(model, working, width)

    def remaining() -> float:
        return max(time_limit - (time.perf_counter() - start), 1.0)

    first = _solve(restrict(model, np.flatnonzero(working)), remaining(), mip_rel_gap, rounds)
    if not first.optimal:  # timed out: only the full-set LP bound is known to hold
        return _with_bound(first, bound)
    if bound - first.objective <= 1e-6 * max(1.0, abs(first.objective)):
        return first
    # The working set may miss a better plan: keep every pair that could still beat it.
    columns = np.flatnonzero(working | (reduced >= first.objective - bound - PRICE_TOLERANCE))
    second = replace(_solve(restrict(model, columns), remaining(), mip_rel_gap, rounds), solves=2)
    if second.optimal:
        return second
    # Plans outside the second working set are worth less than the first plan.
    best = first if first.objective >= second.objective else second
    return _with_bound(best, min(bound, max(second.dual_bound, first.objective)))


def _initial_set(model: LinearModel, width: int) -> np.ndarray:
    """Each vacancy's best ``open_headcount + width`` pairs by value, and the pinned pairs."""
    problem = model.problem
    working = model.lower > 0
    working[problem.best_pairs(model.value, problem.open_headcount + width)] = True
    return working


def _price(
    model: LinearModel, working: np.ndarray, width: int
) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Grow the working set until the LP prices no left-out pair positive.

    Returns the working set, an upper bound on the full model's optimum, each left-out pair's
    reduced value (-inf for pairs in the set) and the number of LP rounds.
    """
    working = working.copy()
    problem = model.problem
    for rounds in range(1, MAX_ROUNDS + 1):
        part = restrict(model, np.flatnonzero(working))
        lp = linprog(
            part.cost,
            A_ub=part.matrix,
            b_ub=part.rhs,
            bounds=np.column_stack([part.bounds().lb, part.bounds().ub]),
            method="highs",
        )
        if lp.status == _INFEASIBLE:
            raise SolverInfeasibleError(lp.message)
        if lp.status != _OPTIMAL:
            raise RuntimeError(f"LP relaxation failed: {lp.message}")
        reduced = model.reduced_value(-lp.ineqlin.marginals)
        priced_in = ~working & (reduced > PRICE_TOLERANCE)
        if not priced_in.any() or rounds == MAX_ROUNDS:
            break
        working[problem.best_pairs(np.where(priced_in, reduced, -np.inf), width)] = True
    left_out = ~working
    bound = -lp.fun + part.offset + float(np.maximum(reduced[left_out], 0).sum())
    return working, bound, np.where(left_out, reduced, -np.inf), rounds


def _solve(part: Restricted, time_limit: float, mip_rel_gap: float, rounds: int) -> MilpOutcome:
    """The MILP over a restricted model; :class:`SolverInfeasibleError` if there is no plan."""
    n_columns = len(part.free) + len(part.pinned)
    if part.n_vars == 0:  # every pair is pinned: nothing left to decide
        if (part.rhs < -1e-9).any():
            raise SolverInfeasibleError("pinned pairs break a row")
        return MilpOutcome(part.pinned, part.offset, True, 0.0, part.offset, n_columns, rounds)
    result = milp(
        part.cost,
        integrality=np.concatenate([np.ones(len(part.free)), np.zeros(part.n_aux)]),
        bounds=part.bounds(),
        constraints=LinearConstraint(part.matrix, -np.inf, part.rhs),
        # HiGHS presolve finds nothing to remove in assignment rows but spends most of the
        # solve time looking (measured 17 s of 20 s at 200 x 5,000).
        options={"presolve": False, "time_limit": time_limit, "mip_rel_gap": mip_rel_gap},
    )
    if result.status == _INFEASIBLE:
        raise SolverInfeasibleError(result.message)
    if result.x is None:
        raise RuntimeError(f"MILP solver returned no plan: {result.message}")
    picked = part.free[result.x[: len(part.free)] > 0.5]
    # With every pair pinned only shortage variables remain: an LP, which has no MIP bounds.
    lower = result.fun if result.mip_dual_bound is None else result.mip_dual_bound
    return MilpOutcome(
        chosen=np.sort(np.concatenate([part.pinned, picked])),
        objective=float(-result.fun + part.offset),
        optimal=result.status == _OPTIMAL,
        mip_gap=float(result.mip_gap or 0.0),
        dual_bound=float(-lower + part.offset),
        n_columns=n_columns,
        rounds=rounds,
    )


def _with_bound(outcome: MilpOutcome, bound: float) -> MilpOutcome:
    """A timed-out outcome re-stated against a bound valid for the full pair set."""
    gap = max(bound - outcome.objective, 0.0) / max(abs(outcome.objective), 1e-9)
    return replace(outcome, mip_gap=gap, dual_bound=bound)
