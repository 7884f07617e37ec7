"""POST/GET /v1/rankings/{request_id}/decision on a real champion: overrides need a reason."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api.security import Role
from serving.audit import AuditStore
from tests.serving_fixtures import headers

HR = headers(Role.HR_SYSTEM)
UNKNOWN_NIP = "199912312099121999"


def _ranking(client: TestClient) -> dict[str, Any]:
    """A fresh ranking of three candidates, with the ineligible ones listed."""
    state = client.app.state.holder.current  # type: ignore[attr-defined]
    ids = sorted(state.targets)
    response = client.post(
        f"/v1/positions/{ids[len(ids) // 2]}/rankings",
        json={"k": 3, "explain_top": 0, "include_ineligible": True},
        headers=HR,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert len(body["candidates"]) >= 2
    assert body["eligibility"]["ineligible"]
    return body


def _decide(client: TestClient, request_id: str, role: Role = Role.HR_SYSTEM, **body: Any) -> Any:
    body.setdefault("decided_by", "Drs. Hasan Mahmud")
    return client.post(f"/v1/rankings/{request_id}/decision", json=body, headers=headers(role))


def _problem(response: Any) -> tuple[list[str], str]:
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    return problem["loc"], problem["msg"]


def test_choosing_the_first_ranked_needs_no_reason(api: TestClient) -> None:
    ranking = _ranking(api)
    first = ranking["candidates"][0]["nip"]
    response = _decide(api, ranking["request_id"], chosen_nip=first)
    assert response.status_code == 201, response.text
    decision = response.json()
    assert (decision["chosen_nip"], decision["chosen_rank"]) == (first, 1)
    assert (decision["override"], decision["override_kind"]) == (False, None)
    assert decision["reason_code"] == "best_ranked"
    assert decision["recorded_by"] == "test-hr_system"
    for role in (Role.AUDITOR, Role.HR_SYSTEM):
        stored = api.get(f"/v1/rankings/{ranking['request_id']}/decision", headers=headers(role))
        assert stored.status_code == 200
        assert stored.json() == decision


def test_a_second_decision_conflicts(api: TestClient) -> None:
    ranking = _ranking(api)
    first = ranking["candidates"][0]["nip"]
    assert _decide(api, ranking["request_id"], chosen_nip=first).status_code == 201
    again = _decide(api, ranking["request_id"], chosen_nip=first)
    assert again.status_code == 409
    assert "already has a decision" in again.json()["detail"]


def test_choosing_a_lower_ranked_candidate_needs_a_reason(api: TestClient) -> None:
    ranking = _ranking(api)
    request_id, second = ranking["request_id"], ranking["candidates"][1]["nip"]
    loc, message = _problem(_decide(api, request_id, chosen_nip=second))
    assert loc == ["body", "reason_code"]
    assert "ranked 2" in message
    loc, _ = _problem(_decide(api, request_id, chosen_nip=second, reason_code="best_ranked"))
    assert loc == ["body", "reason_code"]
    response = _decide(api, request_id, chosen_nip=second, reason_code="operational_need")
    assert response.status_code == 201, response.text
    decision = response.json()
    assert (decision["override"], decision["override_kind"]) == (True, "not_ranked_first")
    assert (decision["chosen_rank"], decision["reason_code"]) == (2, "operational_need")


def test_choosing_an_ineligible_candidate_is_an_override(api: TestClient) -> None:
    ranking = _ranking(api)
    request_id = ranking["request_id"]
    ineligible = ranking["eligibility"]["ineligible"][0]["nip"]
    loc, _ = _problem(_decide(api, request_id, chosen_nip=ineligible, reason_code="other"))
    assert loc == ["body", "note"]  # 'other' must say what the reason is
    response = _decide(
        api, request_id, chosen_nip=ineligible, reason_code="other", note="Putusan PTUN."
    )
    assert response.status_code == 201, response.text
    decision = response.json()
    assert (decision["override"], decision["override_kind"]) == (True, "ineligible")
    assert decision["chosen_rank"] is None
    assert decision["note"] == "Putusan PTUN."


def test_the_chosen_person_must_be_in_the_answer(api: TestClient) -> None:
    ranking = _ranking(api)
    loc, message = _problem(_decide(api, ranking["request_id"], chosen_nip=UNKNOWN_NIP))
    assert loc == ["body", "chosen_nip"]
    assert UNKNOWN_NIP in message
    malformed = _decide(api, ranking["request_id"], chosen_nip="12345")
    assert malformed.status_code == 422
    assert api.get(f"/v1/rankings/{ranking['request_id']}/decision", headers=HR).status_code == 404


def test_a_recommendation_takes_no_decision(api: TestClient) -> None:
    ranking = _ranking(api)
    nip = ranking["candidates"][0]["nip"]
    answer = api.post(f"/v1/employees/{nip}/recommendations", json={"k": 2}, headers=HR)
    assert answer.status_code == 200, answer.text
    loc, message = _problem(_decide(api, answer.json()["request_id"], chosen_nip=nip))
    assert loc == ["body", "chosen_nip"]
    assert "not a ranking" in message


def test_unknown_requests_are_404(api: TestClient) -> None:
    unknown = "f" * 32
    assert _decide(api, unknown, chosen_nip=UNKNOWN_NIP).status_code == 404
    response = api.get(f"/v1/rankings/{unknown}/decision", headers=headers(Role.AUDITOR))
    assert response.status_code == 404
    assert "no answer" in response.json()["detail"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_only_hr_systems_record_decisions(api: TestClient, role: Role) -> None:
    ranking = _ranking(api)
    first = ranking["candidates"][0]["nip"]
    assert _decide(api, ranking["request_id"], role, chosen_nip=first).status_code == 403


def test_admins_cannot_read_decisions_and_keys_are_required(api: TestClient) -> None:
    ranking = _ranking(api)
    path = f"/v1/rankings/{ranking['request_id']}/decision"
    assert api.get(path, headers=headers(Role.ADMIN)).status_code == 403
    assert api.get(path).status_code == 401
    assert api.post(path, json={"chosen_nip": UNKNOWN_NIP, "decided_by": "x"}).status_code == 401


def test_decisions_join_the_chain_and_the_auditors_list(api: TestClient) -> None:
    ranking = _ranking(api)
    request_id, third = ranking["request_id"], ranking["candidates"][-1]["nip"]
    response = _decide(api, request_id, chosen_nip=third, reason_code="employee_request")
    assert response.status_code == 201
    audit: AuditStore = api.app.state.audit  # type: ignore[attr-defined]
    report = audit.verify()
    assert report.ok, report.first_broken
    assert report.head_seq == response.json()["seq"]
    stored = audit.decision(request_id)
    assert stored is not None
    assert (stored.override, stored.reason_code) == (True, "employee_request")
    position_id = ranking["position"]["position_id"]
    overrides = audit.list_answers(position_id=position_id, overrides_only=True, limit=500)
    summary = next(s for s in overrides if s.request_id == request_id)
    assert summary.override
    assert summary.decision == stored
    assert summary.n_candidates == len(ranking["candidates"])
    assert all(s.override for s in overrides)
    assert audit.count_answers(position_id=position_id, overrides_only=True) == len(overrides)
