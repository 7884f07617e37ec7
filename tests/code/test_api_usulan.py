"""Usulan through the API: submit, change, withdraw; every bad input a 4xx naming the field;
and a statement changes the next ranking's and plan's preference for that person, without a
restart, with the audit record citing it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.code.participation_cases import (
    ADMIN,
    AUDITOR,
    HR,
    Move,
    audit_of,
    find_moves,
    item_features,
    loc,
    participation_app,
    plan,
    planned_move,
    rank,
    state_of,
    usulan,
)
from tests.serving_fixtures import Champion

UNKNOWN_NIP = "199912312099121001"


@pytest.fixture(scope="module")
def papi(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with participation_app(champion, tmp_path_factory.mktemp("usulan")) as client:
        yield client


@pytest.fixture(scope="module")
def moves(papi: TestClient) -> list[Move]:
    return find_moves(papi, 4)


def _url(nip: str) -> str:
    return f"/v1/employees/{nip}/usulan"


def test_a_usulan_changes_the_next_ranking_and_plan_and_is_cited(
    papi: TestClient, moves: list[Move]
) -> None:
    move = moves[0]
    before = rank(papi, move.position_id, candidate_nips=[move.nip], k=1)
    assert before["candidates"][0]["usulan"] is None
    features = item_features(papi, before["request_id"], move.nip)
    assert features["asked_for_unit"] == 0.0
    plan_before = planned_move(plan(papi, [move]), move.nip)
    assert plan_before["preference_priority"] is None
    assert plan_before["preference_bonus"] == 0.0
    state = state_of(papi)

    response = papi.post(_url(move.nip), json=usulan([(move.unit_id, 1)]), headers=HR)
    assert response.status_code == 201, response.text
    statement = response.json()
    assert (statement["version"], statement["status"], statement["kind"]) == (1, "active", "usulan")
    assert statement["seq"] is not None

    after = rank(papi, move.position_id, candidate_nips=[move.nip], k=1)
    features = item_features(papi, after["request_id"], move.nip)
    assert (features["asked_for_unit"], features["preference_priority"]) == (1.0, 1.0)
    cited = after["candidates"][0]["usulan"]
    assert cited["statement_id"] == statement["statement_id"]
    assert cited["version"] == 1
    # The audit record (the stored body, hashed into the chain) cites it too.
    stored = papi.get(f"/v1/rankings/{after['request_id']}", headers=AUDITOR).json()
    assert stored["candidates"][0]["usulan"]["statement_id"] == statement["statement_id"]
    planned = plan(papi, [move])
    plan_after = planned_move(planned, move.nip)
    assert plan_after["preference_priority"] == 1
    assert plan_after["preference_bonus"] == pytest.approx(0.5)
    assert plan_after["usulan"]["statement_id"] == statement["statement_id"]
    assert planned["objective"]["preference_bonus"] >= 0.5
    # No restart, no reload: the served state is the same object.
    assert state_of(papi) is state
    assert audit_of(papi).verify().ok


def test_change_history_and_withdrawal(papi: TestClient, moves: list[Move]) -> None:
    nip, unit = moves[1].nip, moves[1].unit_id
    other = moves[2].unit_id
    assert papi.post(_url(nip), json=usulan([(unit, 2)]), headers=HR).status_code == 201
    again = papi.post(_url(nip), json=usulan([(unit, 1)]), headers=HR)
    assert again.status_code == 409
    assert "PUT" in again.json()["detail"]
    stale = papi.put(_url(nip), json=usulan([(other, 1)], replaces_version=7), headers=HR)
    assert stale.status_code == 409
    assert "replaces_version 7" in stale.json()["detail"]
    changed = papi.put(
        _url(nip), json=usulan([(other, 1), (unit, 3)], replaces_version=1), headers=HR
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2

    view = papi.get(_url(nip), headers=AUDITOR).json()
    assert [s["version"] for s in view["history"]] == [1, 2]
    assert [s["status"] for s in view["history"]] == ["superseded", "active"]
    effective = {(e["unit_id"], e["priority"], e["source"]) for e in view["effective"]}
    assert (other, 1, "usulan") in effective
    assert (unit, 3, "usulan") in effective
    assert view["current"]["version"] == 2

    withdrawn = papi.delete(_url(nip), params={"submitted_by": "pegawai"}, headers=HR)
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["kind"], withdrawn.json()["version"]) == ("withdrawal", 3)
    assert papi.get(_url(nip), headers=HR).json()["effective"] == []
    # A withdrawn usulan can be neither changed nor withdrawn again: submit a new one.
    for response in (
        papi.put(_url(nip), json=usulan([(unit, 1)]), headers=HR),
        papi.delete(_url(nip), params={"submitted_by": "x"}, headers=HR),
    ):
        assert response.status_code == 409
        assert "withdrawn" in response.json()["detail"]
    assert papi.post(_url(nip), json=usulan([(unit, 1)]), headers=HR).json()["version"] == 4


def test_the_export_preferences_are_kept_next_to_the_statements(papi: TestClient) -> None:
    prefs = state_of(papi).dataset.preferences
    nip = str(prefs["nip"].iloc[0])
    view = papi.get(_url(nip), headers=HR).json()
    assert view["export_preferences"], "the export's rows are shown"
    assert view["history"] == []


def test_an_opt_out_keeps_the_person_out_of_the_plan_unless_pinned(
    papi: TestClient, moves: list[Move]
) -> None:
    move = moves[3]
    body = {"opt_out": {"reason_code": "tugas_belajar"}, "submitted_by": "BKPSDM"}
    statement = papi.post(_url(move.nip), json=body, headers=HR).json()
    # Not pinned: the plan may not move them and says why.
    free = papi.post(
        "/v1/plans",
        json={"vacancies": [{"position_id": move.position_id, "count": 1}]},
        headers=HR,
    ).json()
    moved = {m["nip"] for v in free["vacancies"] for m in v["assignments"]}
    assert move.nip not in moved
    opt_outs = {o["nip"]: o for o in free["participation"]["opt_outs"]}
    assert opt_outs[move.nip]["honoured"] is True
    assert opt_outs[move.nip]["statement_id"] == statement["statement_id"]
    # Pinned in by the official: moved, and the answer records that the opt-out was passed over.
    pinned = plan(papi, [move])
    assert planned_move(pinned, move.nip)["usulan"]["opt_out_reason"] == "tugas_belajar"
    assert {o["nip"]: o["honoured"] for o in pinned["participation"]["opt_outs"]}[move.nip] is False


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (usulan([("U-NOT-THERE", 1)]), ["body", "choices", 0, "unit_id"]),
        (usulan([("A", 1), ("B", 2), ("C", 3), ("D", 1)]), ["body", "choices"]),
        ({"submitted_by": "x"}, ["body", "opt_out"]),
        (usulan([("A", 1), ("A", 2)]), ["body", "choices"]),
        (usulan([("A", 1), ("B", 1)]), ["body", "choices"]),
        (usulan([("A", 1)], opt_out={"reason_code": "health"}), ["body", "opt_out"]),
        ({"opt_out": {"reason_code": "other"}, "submitted_by": "x"}, ["body", "opt_out", "note"]),
        (
            {"opt_out": {"reason_code": "bored"}, "submitted_by": "x"},
            ["body", "opt_out", "reason_code"],
        ),
        (usulan([("A", 4)]), ["body", "choices", 0, "priority"]),
    ],
)
def test_bad_statements_are_422_naming_the_field(
    papi: TestClient, moves: list[Move], body: dict[str, Any], where: list[Any]
) -> None:
    response = papi.post(_url(moves[0].nip), json=body, headers=HR)
    assert response.status_code == 422, response.text
    assert any(found == where for found in loc(response)), loc(response)


def test_unknown_and_malformed_nips_are_named(papi: TestClient, moves: list[Move]) -> None:
    unknown = papi.post(_url(UNKNOWN_NIP), json=usulan([(moves[0].unit_id, 1)]), headers=HR)
    assert unknown.status_code == 422
    assert loc(unknown) == [["path", "nip"]]
    assert papi.post(_url("12345"), json=usulan([("U1", 1)]), headers=HR).status_code == 422
    assert papi.get(_url(UNKNOWN_NIP), headers=HR).status_code == 404


@pytest.mark.parametrize("who", [None, AUDITOR, ADMIN])
def test_only_hr_systems_and_portals_write(
    papi: TestClient, moves: list[Move], who: dict[str, str] | None
) -> None:
    response = papi.post(_url(moves[0].nip), json=usulan([(moves[0].unit_id, 1)]), headers=who)
    assert response.status_code == (401 if who is None else 403)
    if who is ADMIN:
        assert papi.get(_url(moves[0].nip), headers=who).status_code == 200
