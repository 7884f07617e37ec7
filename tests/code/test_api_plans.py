"""POST /v1/plans: a real plan on the small province's champion, its rules, errors and audit."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from features.eligibility import evaluate_eligibility
from serving.api.app import create_app
from serving.api.security import Role
from serving.audit import AuditStore
from tests.serving_fixtures import KEYS, MAX_POOL, Champion, headers

HR = headers(Role.HR_SYSTEM)
MAX_MOVES_OUT = 2


def _state(client: TestClient) -> Any:
    return client.app.state.holder.current  # type: ignore[attr-defined]


def _view(client: TestClient) -> Any:
    return _state(client).view(client.app.state.clock())  # type: ignore[attr-defined]


def _open_positions(client: TestClient, n: int) -> list[str]:
    """Active positions with a shortage at "today" (default counts need one)."""
    state, view = _state(client), _view(client)
    ids = state.position_code.to_numpy()[state.active_positions & (view.position_shortage > 0)]
    return [str(p) for p in ids[:n]]


def _body(client: TestClient, **policy: Any) -> dict[str, Any]:
    vacancies = [{"position_id": p} for p in _open_positions(client, 12)]
    return {"vacancies": vacancies, "policy": {"max_moves_out": MAX_MOVES_OUT, **policy}}


def _moves(plan: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(v["position"]["position_id"], m) for v in plan["vacancies"] for m in v["assignments"]]


@pytest.fixture(scope="module")
def answer(api: TestClient) -> Any:
    """One real plan: twelve open posts, at most two moves out of any unit."""
    response = api.post("/v1/plans", json=_body(api), headers=HR)
    assert response.status_code == 200, response.text
    return response


def test_only_hr_systems_may_plan(api: TestClient) -> None:
    body = {"vacancies": [{"position_id": "P1"}]}
    assert api.post("/v1/plans", json=body).status_code == 401
    wrong = {"X-API-Key": KEYS[Role.HR_SYSTEM] + "-not"}
    assert api.post("/v1/plans", json=body, headers=wrong).status_code == 401
    for role in (Role.AUDITOR, Role.ADMIN):
        assert api.post("/v1/plans", json=body, headers=headers(role)).status_code == 403


def test_a_plan_is_optimal_and_moves_people_into_the_vacancies(answer: Any) -> None:
    plan = answer.json()
    assert plan["status"] == "optimal"
    assert plan["mip_gap"] == 0
    assert answer.headers["X-Request-ID"] == plan["request_id"]
    moves = _moves(plan)
    assert moves, "twelve open posts and a 600-employee pool give some moves"
    objective = plan["objective"]
    performance = sum(m["prediction"]["rating"] for _, m in moves)
    assert objective["performance"] == pytest.approx(performance, abs=1e-3 * len(moves))
    assert objective["shortage_reduction"] == (
        objective["shortage_before"] - objective["shortage_after"]
    )
    for _, move in moves:
        p = move["prediction"]
        assert 1 <= p["lower"] <= p["rating"] <= p["upper"] <= 5
        assert move["contributions"], "every chosen move is explained"
        priority = move["preference_priority"]
        bonus = 0.0 if priority is None else 0.5 * (4 - priority) / 3  # default weight 0.5
        assert move["preference_bonus"] == pytest.approx(bonus, abs=1e-4)
        assert move["contributions"][0]["reason_id"]
        assert move["contributions"][0]["reason_en"]


def test_the_plan_never_moves_an_ineligible_pair(api: TestClient, answer: Any) -> None:
    state, view = _state(api), _view(api)
    for position_id, group in _group(_moves(answer.json())).items():
        rows = [view.row_of_nip[m["nip"]] for m in group]
        result = evaluate_eligibility(
            view.state.iloc[rows],
            state.targets[position_id],
            view.as_of,
            state.rule_set,
            state.dataset.freeze_periods,
        )
        assert result.eligible.all(), (position_id, result.to_frame())
        assert all(view.position_ids[r] != position_id for r in rows)


def _group(moves: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for position_id, move in moves:
        grouped.setdefault(position_id, []).append(move)
    return grouped


def test_each_person_moves_once_and_headcounts_hold(answer: Any) -> None:
    plan = answer.json()
    nips = [m["nip"] for _, m in _moves(plan)]
    assert len(nips) == len(set(nips))
    for vacancy in plan["vacancies"]:
        assert len(vacancy["assignments"]) == vacancy["filled"] <= vacancy["open_headcount"]
        assert vacancy["filled"] + vacancy["unfilled"] == vacancy["open_headcount"]
        assert vacancy["open_headcount"] == vacancy["position"]["shortage"]  # default count
        chosen = {m["nip"] for m in vacancy["assignments"]}
        assert len(vacancy["alternatives"]) <= 2
        assert not chosen & {a["nip"] for a in vacancy["alternatives"]}
    units = {u["unit_id"]: u for u in plan["units"]}
    moves = _moves(plan)
    target = {v["position"]["position_id"]: v["position"]["unit_id"] for v in plan["vacancies"]}
    departures = Counter(m["from_unit_id"] for _, m in moves if m["between_units"])
    arrivals = Counter(target[p] for p, m in moves if m["between_units"])
    for unit_id, unit in units.items():
        assert unit["departures"] == departures[unit_id]
        assert unit["arrivals"] == arrivals[unit_id]
        after = unit["bezetting_before"] + unit["arrivals"] - unit["departures"]
        assert unit["bezetting_after"] == after
        assert unit["departures"] <= MAX_MOVES_OUT
        if unit["departures"]:  # the floor: departures never take a unit below it
            assert unit["bezetting_before"] - unit["departures"] >= unit["floor"]
    assert all(m["from_unit_id"] == target[p] for p, m in moves if not m["between_units"])


def test_the_audit_record_is_the_answer(api: TestClient, answer: Any) -> None:
    plan = answer.json()
    request_id = plan["request_id"]
    for role in (Role.AUDITOR, Role.HR_SYSTEM):
        stored = api.get(f"/v1/rankings/{request_id}", headers=headers(role))
        assert stored.status_code == 200
        assert stored.content == answer.content
    audit: AuditStore = api.app.state.audit  # type: ignore[attr-defined]
    row = audit.answer(request_id)
    assert row is not None
    assert (row.role, row.endpoint) == ("hr_system", "plan")
    assert json.loads(row.request_json)["body"]["policy"]["max_moves_out"] == MAX_MOVES_OUT
    moves = _moves(plan)
    assert [(i.position_id, i.nip) for i in row.items] == [(p, m["nip"]) for p, m in moves]
    names = set(_state(api).feature_names)
    for item, (_, move) in zip(row.items, moves, strict=True):
        assert item.prediction == move["prediction"]["rating"]
        assert set(item.features) == names
        assert item.shap_values is not None
        assert item.shap_base_value is not None
        total = item.shap_base_value + sum(item.shap_values.values())
        assert total == pytest.approx(item.raw_prediction, abs=1e-6)


def _plan_error(api: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/v1/plans", json=body, headers=HR)
    assert response.status_code == 422, response.text
    detail: dict[str, Any] = response.json()["detail"]
    return detail


def test_infeasible_pins_are_422_naming_the_constraint(api: TestClient, answer: Any) -> None:
    plan = answer.json()
    vacancy = next(v for v in plan["vacancies"] if v["assignments"] and v["alternatives"])
    position_id = vacancy["position"]["position_id"]
    two = [vacancy["assignments"][0]["nip"], vacancy["alternatives"][0]["nip"]]
    body = {
        "vacancies": [{"position_id": position_id, "count": 1}],
        "policy": {"pins_in": [{"nip": n, "position_id": position_id} for n in two]},
    }
    detail = _plan_error(api, body)
    assert detail["constraint"] == "vacancy"
    assert position_id in detail["message"]
    # One move out of a unit that may lose no one: min share 0, so N = 0 is what binds.
    position_id, move = next((p, m) for p, m in _moves(plan) if m["between_units"])
    pin = {"nip": move["nip"], "position_id": position_id}
    body = _body(api, min_unit_share=0, max_moves_out=0, pins_in=[pin])
    detail = _plan_error(api, body)
    assert detail["constraint"] == "max_moves_out"
    assert move["from_unit_id"] in detail["message"]


def test_pins_the_rules_forbid_are_422(api: TestClient) -> None:
    view = _view(api)
    pppk = str(view.state.loc[view.state["employment_type"] == "PPPK", "nip"].iloc[0])
    position_id = _open_positions(api, 1)[0]
    pin = {"nip": pppk, "position_id": position_id}
    vacancies = [{"position_id": position_id}]
    body = {"vacancies": vacancies, "policy": {"pins_in": [pin]}}
    assert _plan_error(api, body)["constraint"] == "eligibility"
    both = {"vacancies": vacancies, "policy": {"pins_in": [pin], "pins_out": [pin]}}
    assert _plan_error(api, both)["constraint"] == "pins"


def test_unknown_positions_and_missing_counts_are_field_errors(api: TestClient) -> None:
    state, view = _state(api), _view(api)
    full = state.position_code.to_numpy()[state.active_positions & (view.position_shortage <= 0)]
    body = {
        "vacancies": [
            {"position_id": "NO-SUCH-POST"},
            {"position_id": _open_positions(api, 1)[0]},
            {"position_id": str(full[0])},
            {"position_id": "ALSO-MISSING", "count": 1},
        ]
    }
    response = api.post("/v1/plans", json=body, headers=HR)
    assert response.status_code == 422
    problems = {tuple(p["loc"]): p["msg"] for p in response.json()["detail"]}
    assert set(problems) == {
        ("body", "vacancies", 0, "position_id"),
        ("body", "vacancies", 2, "count"),
        ("body", "vacancies", 3, "position_id"),
    }
    assert "NO-SUCH-POST" in problems[("body", "vacancies", 0, "position_id")]
    assert "no shortage" in problems[("body", "vacancies", 2, "count")]
    repeated = {"vacancies": [{"position_id": "P1"}, {"position_id": "P1"}]}
    assert api.post("/v1/plans", json=repeated, headers=HR).status_code == 422


def test_the_pool_is_the_request_s_and_not_over_the_maximum(api: TestClient) -> None:
    view = _view(api)
    pool = [str(n) for n in view.nips[:40]]
    unknown = "199912312099121999"
    body = {**_body(api), "candidate_nips": [*pool, unknown]}
    response = api.post("/v1/plans", json=body, headers=HR)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["unknown_nips"] == [unknown]
    assert plan["eligibility"]["n_candidates"] == len(pool)
    assert {m["nip"] for _, m in _moves(plan)} <= set(pool)
    too_many = [f"19900101202001{i:04d}" for i in range(MAX_POOL + 1)]
    over = api.post("/v1/plans", json={**_body(api), "candidate_nips": too_many}, headers=HR)
    assert over.status_code == 422
    assert over.json()["detail"][0]["loc"] == ["body", "candidate_nips"]


def test_opted_out_people_are_never_moved(api: TestClient, answer: Any) -> None:
    moved = sorted({m["nip"] for _, m in _moves(answer.json())})[:3]
    response = api.post("/v1/plans", json=_body(api, opt_out=moved), headers=HR)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert not set(moved) & {m["nip"] for _, m in _moves(plan)}
    assert plan["eligibility"]["n_pairs_excluded"] > 0
    assert plan["objective"]["total"] <= answer.json()["objective"]["total"] + 1e-6


def test_group_floors_give_each_group_its_share_and_the_audit_keeps_the_policy(
    api: TestClient, answer: Any
) -> None:
    assert answer.json()["fairness"] is None  # no floors unless asked for
    fairness = {"attributes": ["gender", "age_band"], "target": 1.0, "alpha": 0.5}
    response = api.post("/v1/plans", json=_body(api, fairness=fairness), headers=HR)
    assert response.status_code == 200, response.text
    plan = response.json()
    shares = {g["group"]: g for g in plan["fairness"]}
    assert {g.split("=")[0] for g in shares} == {"gender", "age_band"}
    gender = _view(api).state.set_index("nip")["gender"].astype(str)
    moved = [m["nip"] for _, m in _moves(plan)]
    for label in ("L", "P"):
        group = shares.get(f"gender={label}")
        if group is not None:
            assert group["moves"] == int((gender.reindex(moved) == label).sum())
            assert group["moves"] >= group["floor"] - 1e-6
    assert all(0 < g["candidate_share"] <= 1 for g in shares.values())
    # A constraint can only cost the objective, never add to it.
    assert plan["objective"]["total"] <= answer.json()["objective"]["total"] + 1e-6
    audit: AuditStore = api.app.state.audit  # type: ignore[attr-defined]
    row = audit.answer(plan["request_id"])
    assert row is not None
    assert json.loads(row.request_json)["body"]["policy"]["fairness"] == fairness
    bad = api.post("/v1/plans", json=_body(api, fairness={"attributes": ["religion"]}), headers=HR)
    assert bad.status_code == 422


def test_the_plan_endpoint_is_documented(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    assert "/v1/plans" in spec["paths"]
    assert spec["components"]["schemas"]["PlanRequest"]["examples"]


def test_no_plan_without_its_audit_record(champion: Champion, tmp_path: Path) -> None:
    settings = champion.settings(audit_db_url=f"sqlite:///{tmp_path / 'audit.db'}")
    with TestClient(create_app(settings, clock=lambda: champion.today)) as client:
        audit: AuditStore = client.app.state.audit  # type: ignore[attr-defined]
        with audit.engine.begin() as connection:
            connection.execute(text("DROP TABLE audit_items"))
        response = client.post("/v1/plans", json=_body(client), headers=HR)
        assert response.status_code == 503
        assert "audit" in response.json()["detail"]
        assert np.all([key not in response.json() for key in ("vacancies", "objective")])
