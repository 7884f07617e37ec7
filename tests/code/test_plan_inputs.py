"""Plan inputs: bad tables and policies get errors naming the table, field, rows or rule."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from planning.errors import Family, PlanInfeasibleError, PlanInputError
from planning.problem import PlanPolicy
from tests.code.plan_cases import Frames, frames


def _base() -> Frames:
    return frames(
        units=[("A", 10, 10), ("B", 10, 9)],
        vacancies=[("pB", "B", 1)],
        candidates=[("n1", "A"), ("n2", "A")],
        pairs=[("n1", "pB", 4.0), ("n2", "pB", 3.5, 1)],
    )


def _edit(table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Frames:
    f = _base()
    setattr(f, table, change(getattr(f, table).copy()))
    return f


def _set(column: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        values = frame[column].astype(object).tolist()
        values[row] = value
        return frame.assign(**{column: values})

    return change


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("units", lambda f: f.drop(columns="bezetting"), r"units: missing column.*bezetting"),
        ("candidates", _set("nip", 1, "n1"), r"candidates: nip must be unique.*rows \[0, 1\]"),
        ("vacancies", _set("unit_id", 0, "Z"), r"vacancies.unit_id: not found in units.*'Z'"),
        ("vacancies", _set("open_headcount", 0, 0), r"open_headcount: must be a whole number >= 1"),
        ("units", _set("abk_need", 1, 2.5), r"units.abk_need: must be a whole number >= 0"),
        ("pairs", _set("score", 1, float("nan")), r"pairs.score: must be a finite number.*row"),
        ("pairs", _set("priority", 0, 5), r"pairs.priority: must be empty or a whole number 1..3"),
        ("pairs", _set("nip", 1, "n1"), r"pairs: \(nip, position_id\) must be unique"),
        ("pairs", _set("nip", 0, "ghost"), r"pairs.nip: not found in candidates.nip.*'ghost'"),
        ("candidates", _set("position_id", 0, "pB"), r"cannot move into the post they hold"),
        ("candidates", _set("unit_id", 0, " "), r"candidates.unit_id: missing or empty value"),
        ("units", _set("bezetting", 0, 1), r"units.bezetting: fewer staff than candidates.*A"),
    ],
)
def test_bad_tables_are_named(
    table: str, change: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    with pytest.raises(PlanInputError, match=message) as info:
        _edit(table, change).problem()
    assert info.value.constraint == Family.INPUT


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"min_unit_share": 1.5}, r"policy.min_unit_share: must be a number in \[0.0, 1.0\]"),
        ({"shortage_weight": -1.0}, r"policy.shortage_weight"),
        ({"max_moves_out": -1}, r"policy.max_moves_out"),
        ({"pins_in": [("n1",)]}, r"policy.pins_in: expected \(nip, position_id\) pairs"),
    ],
)
def test_bad_policy_values_are_named(policy: dict[str, object], message: str) -> None:
    with pytest.raises(PlanInputError, match=message):
        PlanPolicy(**policy)  # type: ignore[arg-type]


def test_conflicting_pins_are_rejected_with_their_rule() -> None:
    with pytest.raises(PlanInfeasibleError, match="pinned both in and out") as both:
        PlanPolicy(pins_in=[("n1", "pB")], pins_out=[("n1", "pB")])
    assert both.value.constraint == Family.PINS
    with pytest.raises(PlanInfeasibleError, match="opt-out list") as opted:
        PlanPolicy(pins_in=[("n1", "pB")], opt_out={"n1"})
    assert opted.value.constraint == Family.OPT_OUT


def test_pins_must_name_known_and_eligible_pairs() -> None:
    f = frames(
        units=[("A", 10, 10), ("B", 10, 9)],
        vacancies=[("pB", "B", 1), ("pB2", "B", 1)],
        candidates=[("n1", "A"), ("n2", "A")],
        pairs=[("n1", "pB", 4.0), ("n2", "pB", 3.5)],
    )
    with pytest.raises(PlanInputError, match=r"policy.pins_out: \[\('ghost', 'pB'\)\]"):
        f.problem(PlanPolicy(pins_out=[("ghost", "pB")]))
    with pytest.raises(PlanInfeasibleError, match=r"\('n1', 'pB2'\)\] are not eligible") as info:
        f.problem(PlanPolicy(pins_in=[("n1", "pB2")]))
    assert info.value.constraint == Family.ELIGIBILITY


def test_empty_inputs_say_what_is_missing() -> None:
    f = _base()
    with pytest.raises(PlanInfeasibleError, match="vacancy list is empty") as empty:
        _edit("vacancies", lambda v: v.iloc[0:0]).problem()
    assert empty.value.constraint == Family.VACANCY
    with pytest.raises(PlanInfeasibleError, match="no eligible candidate-vacancy pairs") as none:
        _edit("pairs", lambda p: p.iloc[0:0]).problem()
    assert none.value.constraint == Family.ELIGIBILITY
    with pytest.raises(PlanInfeasibleError, match="all 2 eligible pairs are excluded"):
        f.problem(PlanPolicy(opt_out={"n1"}, pins_out=[("n2", "pB")]))


def test_problem_encodes_exclusions_bonus_and_floor() -> None:
    problem = _base().problem(PlanPolicy(opt_out={"n1"}, preference_weight=0.9, min_unit_share=0.7))
    assert problem.n_pairs == 1
    assert problem.n_pairs_excluded == 1
    assert problem.nips[problem.pair_candidate[0]] == "n2"
    assert problem.bonus.tolist() == pytest.approx([0.9])  # priority 1 earns the full weight
    # ceil(0.7 * 10) is 7, not 8 from 7.000000000000001
    assert problem.unit_floor.tolist() == [7, 7]


def test_ids_are_stripped_and_numbers_read_from_text() -> None:
    f = _base()
    f.candidates["nip"] = [" n1", "n2 "]
    f.units["bezetting"] = ["10", "9"]
    problem = f.problem()
    assert problem.nips.tolist() == ["n1", "n2"]
    assert problem.bezetting.tolist() == [10, 9]
