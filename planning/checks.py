"""Up-front feasibility checks: pinned pairs against the capacity rules, with specific messages.

Every capacity row bounds a sum of moves from above and all-zero satisfies it, so a plan exists
exactly when the pinned moves alone fit every row. Checking the pins row family by row family
is therefore complete; the solver's relaxation diagnosis is the safety net, not the first line.
"""

from __future__ import annotations

import numpy as np

from planning.errors import Family, PlanInfeasibleError
from planning.model import OutCaps
from planning.problem import PlanProblem

_SHOWN = 5


def check_pins(problem: PlanProblem, caps: OutCaps) -> None:
    """Raise :class:`PlanInfeasibleError` naming the first rule the pinned moves break."""
    pins = np.flatnonzero(problem.pinned)
    if len(pins) == 0:
        return
    _check_people(problem, pins)
    _check_vacancies(problem, pins)
    _check_units(problem, pins, caps)


def _check_people(problem: PlanProblem, pins: np.ndarray) -> None:
    per_person = np.bincount(problem.pair_candidate[pins], minlength=problem.n_candidates)
    twice = np.flatnonzero(per_person > 1)
    if len(twice):
        detail = {
            str(problem.nips[c]): sorted(
                str(problem.position_ids[v])
                for v in problem.pair_vacancy[pins[problem.pair_candidate[pins] == c]]
            )
            for c in twice[:_SHOWN]
        }
        raise PlanInfeasibleError(
            f"person: a person moves at most once, but these nips are pinned into more than one "
            f"vacancy: {detail}",
            Family.PERSON,
        )


def _check_vacancies(problem: PlanProblem, pins: np.ndarray) -> None:
    per_vacancy = np.bincount(problem.pair_vacancy[pins], minlength=problem.n_vacancies)
    over = np.flatnonzero(per_vacancy > problem.open_headcount)
    if len(over):
        detail = [
            f"{problem.position_ids[v]}: {per_vacancy[v]} pinned > open headcount "
            f"{problem.open_headcount[v]}"
            for v in over[:_SHOWN]
        ]
        raise PlanInfeasibleError(
            f"vacancy: more pinned moves than open headcount: {detail}", Family.VACANCY
        )


def _check_units(problem: PlanProblem, pins: np.ndarray, caps: OutCaps) -> None:
    leaving = pins[problem.cross[pins]]
    per_unit = np.bincount(problem.source_unit[leaving], minlength=problem.n_units)
    over = np.flatnonzero(per_unit > caps.cap)
    if len(over) == 0:
        return
    family = Family(caps.limit[over[0]])
    units = [u for u in over if caps.limit[u] == family][:_SHOWN]
    if family is Family.UNIT_FLOOR:
        share = problem.policy.min_unit_share
        detail = [
            f"{problem.unit_ids[u]}: {per_unit[u]} pinned moves out, may lose "
            f"{int(caps.cap[u])} (bezetting {problem.bezetting[u]}, floor "
            f"ceil({share} x abk_need {problem.abk_need[u]}) = {problem.unit_floor[u]})"
            for u in units
        ]
        message = f"unit_floor: pinned moves take units below their minimum staffing: {detail}"
    else:
        detail = [f"{problem.unit_ids[u]}: {per_unit[u]} pinned moves out" for u in units]
        message = (
            f"max_moves_out: pinned moves exceed the limit of "
            f"{problem.policy.max_moves_out} moves out of one unit: {detail}"
        )
    raise PlanInfeasibleError(message, family)
