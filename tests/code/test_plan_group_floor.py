"""The plan's group floors (FA*IR's family in the optimiser): a protected group gets at least its
binomial minimum of the moves, the solve stays exact, and an impossible floor is named."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from planning import Family, GroupFloor, PlanInfeasibleError, PlanInputError, solve_plan
from planning.problem import PlanPolicy
from planning.report import group_shares
from planning.solve import SolveOptions, diagnose_infeasibility
from tests.code.plan_cases import Frames, frames, random_frames


def _gendered(case: Frames, women: set[str]) -> Frames:
    cands = case.candidates.assign(
        gender=["P" if n in women else "L" for n in case.candidates["nip"]],
        age_band="30-39",
        region_of_origin="7501",
    )
    return Frames(case.vacancies, cands, case.pairs, case.units)


def _case() -> Frames:
    """Six seats; men score higher everywhere, so an unconstrained plan takes only men."""
    men = [(f"M{i}", "U0") for i in range(6)]
    women = [(f"W{i}", "U0") for i in range(6)]
    pairs = [(n, f"P{v}", 4.5 - 0.01 * v) for n, _ in men for v in range(6)]
    pairs += [(n, f"P{v}", 3.5 - 0.01 * v) for n, _ in women for v in range(6)]
    case = frames(
        units=[("U0", 30, 12), ("U1", 10, 0)],
        vacancies=[(f"P{v}", "U1", 1) for v in range(6)],
        candidates=men + women,
        pairs=pairs,
    )
    return _gendered(case, {n for n, _ in women})


FLOOR = GroupFloor(attributes=("gender",), target=1.0, alpha=0.1)


def _women(problem: object, chosen: np.ndarray) -> int:
    shares = group_shares(problem, chosen)  # type: ignore[arg-type]
    return int(shares.loc[shares["group"] == "gender=P", "moves"].iloc[0])


def test_without_a_floor_the_plan_takes_only_the_higher_scored_group() -> None:
    problem = _case().problem(PlanPolicy(min_unit_share=0.0))
    result = solve_plan(problem)
    movers = set(problem.nips[problem.pair_candidate[result.chosen]])
    assert len(movers) == 6
    assert all(n.startswith("M") for n in movers)


def test_the_floor_gives_the_group_its_binomial_minimum_and_binds() -> None:
    problem = _case().problem(PlanPolicy(min_unit_share=0.0, fairness=FLOOR))
    result = solve_plan(problem)
    expected = int(binom.ppf(0.1, 6, 0.5))  # women are half the candidates, 6 seats
    assert expected >= 1
    assert _women(problem, result.chosen) == expected
    assert result.method == "milp"  # a floor links the moves: no plain assignment
    binding = {b.family: b for b in result.binding}
    assert binding[str(Family.GROUP_FLOOR)].count == 1
    assert "gender=P" in binding[str(Family.GROUP_FLOOR)].detail


def test_a_stronger_floor_asks_for_more_and_costs_performance() -> None:
    loose = solve_plan(_case().problem(PlanPolicy(min_unit_share=0.0, fairness=FLOOR)))
    strict_floor = GroupFloor(attributes=("gender",), target=1.0, alpha=0.5)
    problem = _case().problem(PlanPolicy(min_unit_share=0.0, fairness=strict_floor))
    strict = solve_plan(problem)
    assert _women(problem, strict.chosen) == int(binom.ppf(0.5, 6, 0.5)) == 3
    assert strict.objective.performance < loose.objective.performance


def test_no_floor_asks_for_more_than_the_proportional_share() -> None:
    # Five women of twelve candidates, six seats, a level near 1: the binomial minimums
    # (F^-1(0.95; 6, 5/12) = 4 women, F^-1(0.95; 6, 7/12) = 5 men) add up to more than the six
    # seats. Capped at floor(p * 6) = 2 and 3, the plan exists and meets both.
    case = _gendered(_case(), {"W0", "W1", "W2", "W3", "W4"})
    floor = GroupFloor(attributes=("gender",), target=1.0, alpha=0.95)
    assert binom.ppf(0.95, 6, 5 / 12) + binom.ppf(0.95, 6, 7 / 12) > 6
    problem = case.problem(PlanPolicy(min_unit_share=0.0, fairness=floor))
    minimums = {row.label: row.minimum_at_full for row in problem.group_floors}
    assert minimums == {"gender=L": 3, "gender=P": 2}
    assert all(row.tolerance >= 0 for row in problem.group_floors)  # an empty plan is feasible
    result = solve_plan(problem)
    assert _women(problem, result.chosen) >= 2
    assert len(result.chosen) - _women(problem, result.chosen) >= 3


@pytest.mark.parametrize("seed", [3, 8])
def test_column_generation_stays_exact_with_floors(seed: int) -> None:
    case = random_frames(seed, n_units=6, n_vacancies=8, n_candidates=40, density=0.5)
    rng = np.random.default_rng(seed)
    cands = case.candidates.assign(
        gender=rng.choice(["L", "P"], len(case.candidates)),
        age_band=rng.choice(["<30", "30-39", "40-49", "50+"], len(case.candidates)),
        region_of_origin="7501",
    )
    floor = GroupFloor(attributes=("gender", "age_band"), target=1.0, alpha=0.3)
    framed = Frames(case.vacancies, cands, case.pairs, case.units)
    problem = framed.problem(PlanPolicy(fairness=floor))
    narrow = solve_plan(problem, SolveOptions(method="milp", pricing_width=1))
    full = solve_plan(problem, SolveOptions(method="milp", pricing_width=0))
    assert narrow.objective.total == pytest.approx(full.objective.total, abs=1e-6)
    movers = problem.pair_candidate[narrow.chosen]
    n = len(narrow.chosen)
    for row in problem.group_floors:
        assert row.members[movers].sum() >= row.proportion * n - row.tolerance - 1e-6


def test_a_floor_that_pinned_moves_break_is_named() -> None:
    # An empty plan meets every floor, so only pinned moves can make one impossible: here all
    # six seats are pinned to men.
    pins = tuple((f"M{v}", f"P{v}") for v in range(6))
    policy = PlanPolicy(min_unit_share=0.0, fairness=FLOOR, pins_in=pins)
    problem = _case().problem(policy)
    with pytest.raises(PlanInfeasibleError) as caught:
        solve_plan(problem)
    assert caught.value.constraint == str(Family.GROUP_FLOOR)
    assert diagnose_infeasibility(problem)[0] == Family.GROUP_FLOOR


def test_missing_group_columns_and_bad_settings_are_named() -> None:
    case = _case()
    bare = Frames(case.vacancies, case.candidates.drop(columns="gender"), case.pairs, case.units)
    with pytest.raises(PlanInputError, match=r"candidates: policy\.fairness needs the column"):
        bare.problem(PlanPolicy(fairness=FLOOR))
    with pytest.raises(PlanInputError, match=r"policy\.fairness\.alpha"):
        GroupFloor(alpha=1.5)
    assert PlanPolicy(fairness=FLOOR).as_dict()["fairness"]["attributes"] == ["gender"]


def test_groups_too_small_get_no_floor() -> None:
    case = _case()
    cands = case.candidates.assign(
        region_of_origin=["7599" if n == "W5" else "7501" for n in case.candidates["nip"]]
    )
    framed = Frames(case.vacancies, cands, case.pairs, case.units)
    floor = GroupFloor(attributes=("region_of_origin",), min_group_share=0.2)
    labels = {r.label for r in framed.problem(PlanPolicy(fairness=floor)).group_floors}
    assert labels == {"region_of_origin=7501"}
