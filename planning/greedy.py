"""The greedy baseline: what planning one post at a time from per-post rankings gives.

Pinned moves first; then vacancies in the order given, each filling its seats from its own
ranking (score plus preference bonus, highest first) with the first person who is still free
and whose unit may still lose someone. The plan obeys every rule, so the optimiser's objective
can never be below it: the gap between the two is what a joint plan buys.
"""

from __future__ import annotations

import time

import numpy as np

from planning.checks import check_pins
from planning.model import out_caps
from planning.problem import PlanProblem
from planning.report import PlanResult, build_result


def greedy_plan(problem: PlanProblem, alternatives: int = 2) -> PlanResult:
    """Fill vacancies one by one, each from its own ranking, highest first."""
    start = time.perf_counter()
    caps = out_caps(problem)
    check_pins(problem, caps)
    chosen = _greedy_pairs(problem, caps.cap)
    return build_result(
        problem,
        chosen,
        caps,
        method="greedy",
        status="heuristic",
        mip_gap=None,
        dual_bound=None,
        seconds=time.perf_counter() - start,
        n_alternatives=alternatives,
    )


def _greedy_pairs(problem: PlanProblem, cap: np.ndarray) -> np.ndarray:
    moved = np.zeros(problem.n_candidates, dtype=bool)
    departures = np.zeros(problem.n_units)
    seats = problem.open_headcount.copy()
    chosen: list[int] = []

    def take(pair: int) -> None:
        moved[problem.pair_candidate[pair]] = True
        seats[problem.pair_vacancy[pair]] -= 1
        if problem.cross[pair]:
            departures[problem.source_unit[pair]] += 1
        chosen.append(pair)

    for pair in np.flatnonzero(problem.pinned):
        take(int(pair))
    order, starts = problem.vacancy_runs
    for vacancy in range(problem.n_vacancies):
        if seats[vacancy] <= 0:
            continue
        block = order[starts[vacancy] : starts[vacancy + 1]]
        block = block[np.lexsort((block, -problem.merit[block]))]  # the vacancy's own ranking
        for pair in block[~moved[problem.pair_candidate[block]]]:
            unit = problem.source_unit[pair]
            if problem.cross[pair] and departures[unit] >= cap[unit]:
                continue
            take(int(pair))
            if seats[vacancy] == 0:
                break
    return np.array(chosen, dtype=np.intp)
