"""The optimiser on hand-made cases: each rule binding, with the optimum worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planning.errors import Family, PlanInfeasibleError
from planning.greedy import greedy_plan
from planning.model import build_model
from planning.problem import PlanPolicy
from planning.report import PlanResult
from planning.solve import SolveOptions, diagnose_infeasibility, solve_plan
from tests.code.plan_cases import Frames, brute_force, frames, moves_of, random_frames

FREE = PlanPolicy(shortage_weight=0.0, min_unit_share=0.0, preference_weight=0.0)
MILP = SolveOptions(method="milp", pricing_width=1)


def _star() -> Frames:
    """A star (s) is best for both posts; her second post needs her more than the first."""
    return frames(
        units=[("A", 10, 12), ("B", 10, 9), ("C", 10, 9)],
        vacancies=[("pB", "B", 1), ("pC", "C", 1)],
        candidates=[("s", "A"), ("x", "A"), ("y", "A")],
        pairs=[("s", "pB", 5.0), ("s", "pC", 4.8), ("x", "pB", 4.5), ("y", "pC", 3.0)],
    )


def _outflow() -> Frames:
    """Three strong people from unit A (at its ABK need) and one weaker person from C."""
    return frames(
        units=[("A", 10, 10), ("B", 10, 7), ("C", 2, 5)],
        vacancies=[("p1", "B", 1), ("p2", "B", 1), ("p3", "B", 1)],
        candidates=[("a1", "A"), ("a2", "A"), ("a3", "A"), ("c1", "C")],
        pairs=[
            ("a1", "p1", 5.0), ("a2", "p2", 5.0), ("a3", "p3", 5.0),
            ("c1", "p1", 3.0), ("c1", "p2", 3.0), ("c1", "p3", 3.0),
        ],
    )  # fmt: skip


def _solve(f: Frames, policy: PlanPolicy) -> PlanResult:
    result = solve_plan(f.problem(policy), MILP)
    assert result.status == "optimal"
    assert result.mip_gap == pytest.approx(0.0, abs=1e-9)
    assert result.objective.total == pytest.approx(brute_force(f, policy))
    return result


def test_a_person_moves_once_so_the_star_goes_where_the_plan_gains_most() -> None:
    result = _solve(_star(), FREE)
    assert sorted(moves_of(result.assignments)) == [("s", "pC"), ("x", "pB")]
    assert result.objective.total == pytest.approx(9.3)
    # One post at a time gives the star to pB and leaves pC the weak candidate.
    assert greedy_plan(_star().problem(FREE)).objective.total == pytest.approx(8.0)
    alternatives = result.alternatives.set_index(["position_id", "nip"])["reason"]
    assert alternatives[("pB", "s")] == "moves to pC"
    assert alternatives[("pC", "y")] == "vacancy filled by moves worth more to the plan"
    person = {b.family: b for b in result.binding}[Family.PERSON]
    assert person.count == 1  # pB lost its top-ranked candidate


def test_open_headcount_caps_each_vacancy() -> None:
    f = frames(
        units=[("A", 10, 10), ("B", 10, 8)],
        vacancies=[("pB", "B", 2)],
        candidates=[("a", "A"), ("b", "A"), ("c", "A")],
        pairs=[("a", "pB", 4.0), ("b", "pB", 3.5), ("c", "pB", 3.0)],
    )
    result = _solve(f, FREE)
    assert sorted(moves_of(result.assignments)) == [("a", "pB"), ("b", "pB")]
    assert result.vacancies["filled"].tolist() == [2]


def test_unit_floor_keeps_a_source_unit_at_its_share_of_abk_need() -> None:
    policy = PlanPolicy(shortage_weight=0.0, min_unit_share=0.8, preference_weight=0.0)
    result = _solve(_outflow(), policy)
    assert result.objective.total == pytest.approx(13.0)  # two from A (floor 8 of 10) + c1
    units = result.units.set_index("unit_id")
    assert list(units.loc["A", ["departures", "bezetting_after", "floor"]]) == [2, 8, 8]
    assert units.loc["A", "out_limit"] == Family.UNIT_FLOOR
    assert units.loc["A", "limit_binds"]
    floor = {b.family: b for b in result.binding}[Family.UNIT_FLOOR]
    assert floor.count == 1
    assert "A" in floor.detail
    reasons = set(result.alternatives["reason"])
    assert "unit A is at its unit_floor limit" in reasons


def test_units_already_below_the_floor_lose_no_one() -> None:
    f = _outflow()
    f.units.loc[0, "bezetting"] = 7  # A holds 7 of a floor of 8 (three candidates among them)
    policy = PlanPolicy(shortage_weight=0.0, min_unit_share=0.8, preference_weight=0.0)
    result = _solve(f, policy)
    assert result.assignments["nip"].tolist() == ["c1"]


def test_max_moves_out_caps_departures_from_any_unit() -> None:
    policy = PlanPolicy(
        shortage_weight=0.0, min_unit_share=0.0, max_moves_out=1, preference_weight=0.0
    )
    result = _solve(_outflow(), policy)
    assert result.objective.total == pytest.approx(8.0)
    assert result.units.set_index("unit_id").loc["A", "departures"] == 1
    assert Family.MAX_MOVES_OUT in {b.family for b in result.binding}


def test_opt_out_and_pins_change_the_plan() -> None:
    opted = _solve(_star(), PlanPolicy(0.0, 0.0, None, 0.0, opt_out=frozenset({"s"})))
    assert sorted(moves_of(opted.assignments)) == [("x", "pB"), ("y", "pC")]
    pinned = _solve(_star(), PlanPolicy(0.0, 0.0, None, 0.0, pins_in=(("s", "pB"),)))
    assert sorted(moves_of(pinned.assignments)) == [("s", "pB"), ("y", "pC")]
    assert pinned.assignments.set_index("nip").loc["s", "pinned"]
    barred = _solve(_star(), PlanPolicy(0.0, 0.0, None, 0.0, pins_out=(("x", "pB"),)))
    assert sorted(moves_of(barred.assignments)) == [("s", "pB"), ("y", "pC")]


def test_preference_bonus_can_tip_the_choice() -> None:
    f = frames(
        units=[("A", 10, 10), ("B", 10, 9)],
        vacancies=[("pB", "B", 1)],
        candidates=[("a", "A"), ("b", "A")],
        pairs=[("a", "pB", 4.0), ("b", "pB", 3.8, 1)],
    )
    assert moves_of(_solve(f, FREE).assignments) == [("a", "pB")]
    liked = _solve(f, PlanPolicy(shortage_weight=0.0, min_unit_share=0.0, preference_weight=0.5))
    assert moves_of(liked.assignments) == [("b", "pB")]
    assert liked.objective.preference == pytest.approx(0.5)


def test_shortage_weight_prefers_people_from_units_in_surplus() -> None:
    f = frames(
        units=[("S", 10, 8), ("P", 5, 8), ("T", 10, 5)],
        vacancies=[("t1", "T", 1)],
        candidates=[("s", "S"), ("p", "P")],
        pairs=[("s", "t1", 4.5), ("p", "t1", 4.0)],
    )
    assert moves_of(_solve(f, FREE).assignments) == [("s", "t1")]
    policy = PlanPolicy(shortage_weight=1.0, min_unit_share=0.0, preference_weight=0.0)
    result = _solve(f, policy)
    assert moves_of(result.assignments) == [("p", "t1")]  # 4.0 + 1 beats 4.5 + 1 - 1
    parts = result.objective
    assert (parts.shortage_before, parts.shortage_after, parts.shortage_term) == (7, 6, 1.0)
    assert result.alternatives["reason"].tolist() == [
        "would open a gap in unit S, which is at or below its ABK need"
    ]


@pytest.mark.parametrize(("weight", "moves"), [(2.0, 2), (5.0, 1)])
def test_piecewise_shortage_when_a_unit_turns_from_surplus_to_short(
    weight: float, moves: int
) -> None:
    """P has one spare person; T is one short. The second move neither fills a shortage nor
    leaves P whole, so it is worth its score minus lambda: taken at lambda 2, not at 5."""
    f = frames(
        units=[("P", 5, 6), ("T", 6, 5)],
        vacancies=[("t1", "T", 2)],
        candidates=[("p1", "P"), ("p2", "P")],
        pairs=[("p1", "t1", 4.0), ("p2", "t1", 3.9)],
    )
    policy = PlanPolicy(shortage_weight=weight, min_unit_share=0.0, preference_weight=0.0)
    assert build_model(f.problem(policy)).n_aux == 2  # both units need a shortage variable
    result = _solve(f, policy)
    assert len(result.chosen) == moves
    assert result.objective.total == pytest.approx(7.9 if moves == 2 else 4.0 + weight)


def test_a_plan_made_only_of_pins_still_counts_its_shortage_effect() -> None:
    f = frames(
        units=[("P", 5, 6), ("T", 6, 5)],
        vacancies=[("t1", "T", 2)],
        candidates=[("p1", "P"), ("p2", "P")],
        pairs=[("p1", "t1", 4.0), ("p2", "t1", 3.9)],
    )
    pins = (("p1", "t1"), ("p2", "t1"))
    result = _solve(f, PlanPolicy(shortage_weight=5.0, min_unit_share=0.0, pins_in=pins))
    assert result.objective.total == pytest.approx(7.9)  # T gains one, P loses one: net 0
    assert result.dual_bound == pytest.approx(7.9)


@pytest.mark.parametrize(
    ("policy", "family", "message"),
    [
        (PlanPolicy(pins_in=(("a1", "p1"), ("c1", "p1"))), Family.VACANCY, "open headcount"),
        (PlanPolicy(pins_in=(("c1", "p1"), ("c1", "p2"))), Family.PERSON, "more than one"),
        (
            PlanPolicy(pins_in=(("a1", "p1"), ("a2", "p2"), ("a3", "p3"))),
            Family.UNIT_FLOOR,
            r"A: 3 pinned moves out, may lose 2",
        ),
        (
            PlanPolicy(min_unit_share=0.0, max_moves_out=1, pins_in=(("a1", "p1"), ("a2", "p2"))),
            Family.MAX_MOVES_OUT,
            "limit of 1 moves out",
        ),
    ],
)
def test_infeasible_pins_name_the_binding_rule(
    policy: PlanPolicy, family: Family, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = _outflow().problem(policy)
    for plan in (solve_plan, greedy_plan):
        with pytest.raises(PlanInfeasibleError, match=message) as info:
            plan(problem)
        assert info.value.constraint == family
    # Without the up-front check the solver finds the infeasibility and relaxation names it.
    assert diagnose_infeasibility(problem) == [family]
    monkeypatch.setattr("planning.solve.check_pins", lambda *_: None)
    with pytest.raises(PlanInfeasibleError, match="relaxing any one of") as info:
        solve_plan(problem, MILP)
    assert info.value.constraint == family


def test_pins_breaking_two_rules_at_once_are_reported_as_such(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = PlanPolicy(max_moves_out=1, pins_in=(("a1", "p1"), ("a2", "p2"), ("a3", "p3")))
    problem = _outflow().problem(policy)
    assert diagnose_infeasibility(problem) == []
    monkeypatch.setattr("planning.solve.check_pins", lambda *_: None)
    with pytest.raises(PlanInfeasibleError, match="several rules at once"):
        solve_plan(problem, MILP)


def test_assignment_solver_is_refused_when_unit_limits_can_bind() -> None:
    problem = _outflow().problem(PlanPolicy(min_unit_share=0.8))
    with pytest.raises(ValueError, match="assignment solver needs a plan without unit limits"):
        solve_plan(problem, SolveOptions(method="assignment"))


def test_greedy_takes_pins_first_and_respects_unit_limits() -> None:
    pinned = greedy_plan(_star().problem(PlanPolicy(0.0, 0.0, None, 0.0, pins_in=(("x", "pB"),))))
    assert sorted(moves_of(pinned.assignments)) == [("s", "pC"), ("x", "pB")]
    policy = PlanPolicy(shortage_weight=0.0, min_unit_share=0.8, preference_weight=0.0)
    capped = greedy_plan(_outflow().problem(policy))
    assert sorted(moves_of(capped.assignments)) == [("a1", "p1"), ("a2", "p2"), ("c1", "p3")]
    assert capped.method == "greedy"
    assert capped.mip_gap is None


def test_a_timed_out_solve_reports_its_gap_against_the_full_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If HiGHS stops at its time limit the plan is returned as such, with an honest gap."""
    import planning.pricing as pricing

    real_solve = pricing._solve

    def stopped_early(*args: object, **kwargs: object) -> pricing.MilpOutcome:
        outcome = real_solve(*args, **kwargs)  # type: ignore[arg-type]
        worse = outcome.chosen[1:]  # pretend only a poorer incumbent was found
        value = float(build_model(problem).value[worse].sum())
        return replace(outcome, chosen=worse, objective=value, optimal=False)

    problem = random_frames(3, n_units=4, n_vacancies=10, n_candidates=60, density=0.5).problem()
    optimum = solve_plan(problem, SolveOptions(method="milp", pricing_width=1)).objective.total
    monkeypatch.setattr(pricing, "_solve", stopped_early)
    result = solve_plan(problem, SolveOptions(method="milp", pricing_width=1))
    assert result.status == "time_limit"
    assert result.parameters["pricing_rounds"] >= 1
    bound = result.dual_bound
    assert bound is not None
    assert result.objective.total < optimum <= bound + 1e-9
    gap = (bound - result.objective.total) / result.objective.total
    assert result.mip_gap == pytest.approx(gap)


def test_solve_options_are_checked() -> None:
    with pytest.raises(ValueError, match=r"options\.method"):
        SolveOptions(method="simplex")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time_limit"):
        SolveOptions(time_limit=0)
