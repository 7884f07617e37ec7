"""The optimiser on random instances: exact (brute force), lawful, never below greedy, and the
same optimum by every route (assignment, MILP over all pairs, MILP with pricing)."""

from __future__ import annotations

import numpy as np
import pytest

from planning.errors import PlanError
from planning.greedy import greedy_plan
from planning.model import build_model
from planning.problem import PlanPolicy
from planning.solve import SolveOptions, is_pure_assignment, solve_plan
from tests.code.plan_cases import (
    Frames,
    brute_force,
    moves_of,
    objective,
    random_frames,
    rule_violations,
)


def _random_policy(rng: np.random.Generator, f: Frames) -> PlanPolicy:
    """Weights, limits and (sometimes) an opt-out and pins drawn at random."""
    picks = f.pairs.iloc[rng.integers(0, len(f.pairs), 2)]
    pin_in = [(picks.iloc[0]["nip"], picks.iloc[0]["position_id"])] if rng.random() < 0.3 else []
    pin_out = [(picks.iloc[1]["nip"], picks.iloc[1]["position_id"])] if rng.random() < 0.3 else []
    opt_out = {"N1"} if rng.random() < 0.2 else set()
    if set(pin_in) & set(pin_out) or any(n in opt_out for n, _ in pin_in):
        pin_out, opt_out = [], set()
    return PlanPolicy(
        shortage_weight=float(rng.choice([0.0, 0.5, 2.0, 6.0])),
        min_unit_share=float(rng.choice([0.0, 0.8, 1.0])),
        max_moves_out=[None, 0, 1, 2][int(rng.integers(4))],
        preference_weight=float(rng.choice([0.0, 0.5, 1.5])),
        opt_out=frozenset(opt_out),
        pins_in=tuple(pin_in),
        pins_out=tuple(pin_out),
    )


@pytest.mark.parametrize("seed", range(40))
def test_tiny_instances_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    f = random_frames(seed, n_units=3, n_vacancies=3, n_candidates=6, density=0.35)
    policy = _random_policy(rng, f)
    best = brute_force(f, policy)
    problem = f.problem(policy)
    for width in (0, 1):  # every pair at once, and column generation from one pair a vacancy
        if best is None:
            with pytest.raises(PlanError):
                solve_plan(problem, SolveOptions(method="milp", pricing_width=width))
            continue
        result = solve_plan(problem, SolveOptions(method="milp", pricing_width=width))
        assert rule_violations(f, policy, moves_of(result.assignments)) == []
        assert objective(f, policy, moves_of(result.assignments)) == pytest.approx(best)
        assert result.objective.total == pytest.approx(best)


@pytest.mark.parametrize("seed", range(8))
def test_plans_obey_every_rule_and_beat_greedy(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    f = random_frames(100 + seed, n_units=6, n_vacancies=25, n_candidates=120, density=0.2)
    policy = PlanPolicy(
        shortage_weight=float(rng.choice([0.0, 1.0, 3.0])),
        min_unit_share=0.8,
        max_moves_out=int(rng.integers(1, 6)),
        preference_weight=0.5,
        opt_out=frozenset({"N3", "N7"}),
        pins_out=((f.pairs.iloc[0]["nip"], f.pairs.iloc[0]["position_id"]),),
    )
    problem = f.problem(policy)
    priced = solve_plan(problem, SolveOptions(method="milp", pricing_width=2))
    full = solve_plan(problem, SolveOptions(method="milp", pricing_width=0))
    greedy = greedy_plan(problem)
    for plan in (priced, full, greedy):
        assert rule_violations(f, policy, moves_of(plan.assignments)) == []
    assert priced.objective.total == pytest.approx(full.objective.total, abs=1e-6)
    assert priced.objective.total >= greedy.objective.total - 1e-9
    # The solver's own bound agrees with the exact re-evaluation of the plan.
    assert priced.dual_bound == pytest.approx(priced.objective.total, rel=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_assignment_and_milp_agree_without_side_constraints(seed: int) -> None:
    f = random_frames(200 + seed, n_units=4, n_vacancies=12, n_candidates=40, density=0.3)
    pins = ((f.pairs.iloc[0]["nip"], f.pairs.iloc[0]["position_id"]),) if seed % 2 else ()
    policy = PlanPolicy(
        shortage_weight=0.0, min_unit_share=0.0, preference_weight=0.7, pins_in=pins
    )
    problem = f.problem(policy)
    assert is_pure_assignment(build_model(problem))
    assigned = solve_plan(problem)  # auto picks the assignment solver here
    milp = solve_plan(problem, SolveOptions(method="milp"))
    assert assigned.method == "linear_sum_assignment"
    assert milp.method == "milp"
    assert assigned.objective.total == pytest.approx(milp.objective.total, abs=1e-9)
    assert rule_violations(f, policy, moves_of(assigned.assignments)) == []


def test_shortage_terms_that_stay_linear_keep_the_assignment_route() -> None:
    """Every unit far below its ABK need: each move changes the shortage by exactly one."""
    f = random_frames(7, n_units=3, n_vacancies=8, n_candidates=30, density=0.3)
    f.units["abk_need"] = f.units["bezetting"] + 50
    problem = f.problem(PlanPolicy(shortage_weight=2.0, min_unit_share=0.0))
    model = build_model(problem)
    assert model.n_aux == 0
    assert is_pure_assignment(model)
    assert solve_plan(problem).objective.total == pytest.approx(
        solve_plan(problem, SolveOptions(method="milp")).objective.total
    )


def test_reduced_cost_fixing_recovers_a_plan_the_working_set_missed() -> None:
    """An instance (found by search) whose LP relaxation is fractional and whose first working
    set holds a worse plan than the optimum: the second, fixed solve must find the optimum."""
    f = random_frames(9, n_units=3, n_vacancies=9, n_candidates=29, density=0.4)
    policy = PlanPolicy(shortage_weight=1.0, min_unit_share=0.0, max_moves_out=1)
    problem = f.problem(policy)
    full = solve_plan(problem, SolveOptions(method="milp", pricing_width=0))
    priced = solve_plan(problem, SolveOptions(method="milp", pricing_width=1))
    assert priced.objective.total == pytest.approx(full.objective.total, abs=1e-9)
    assert priced.parameters["model_columns"] < problem.n_pairs
    assert priced.parameters["milp_solves"] == 2  # the instance still exercises the fixing
