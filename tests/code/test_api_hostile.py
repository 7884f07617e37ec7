"""What a hostile caller sends (issue 17): non-finite numbers, a JSON ``null`` for a body, a bool
where a number belongs, a decision date before the snapshot knows anyone. Each is a 422 in JSON
naming the field, never a 500, and nothing reaches the audit log."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api.security import Role
from tests.serving_fixtures import headers

HR = headers(Role.HR_SYSTEM)
MARK = "__hostile__"
# Literals Python's JSON parser reads as non-finite floats, and how a 422 echoes them.
NON_FINITE = {
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "NaN": "NaN",
    "1e309": "Infinity",
    "-1e999": "-Infinity",
}
INLINE = {"title": "Analis", "jabatan_type": "pelaksana"}
NIP = "198503122010011002"


def _state(client: TestClient) -> Any:
    return client.app.state.holder.current  # type: ignore[attr-defined]


def _fill(client: TestClient, template: str) -> str:
    """The path of an operation with real ids where they are needed."""
    state = _state(client)
    return template.format(
        position_id=sorted(state.targets)[0],
        nip=str(state.view(client.app.state.clock()).nips[0]),  # type: ignore[attr-defined]
        request_id="0" * 32,
        objection_id="0" * 32,
    )


def _body(client: TestClient, body: Any) -> Any:
    """``body`` with the placeholders of snapshot ids replaced."""
    state = _state(client)
    text = json.dumps(body)
    text = text.replace("__unit__", str(sorted(state.units.index)[0]))
    text = text.replace("__position__", sorted(state.targets)[0])
    return json.loads(text)


# Who may call an operation that takes a body (every other one: an hr_system key).
ROLE_OF = {
    "/v1/admin/reload": Role.ADMIN,
    "/v1/objections/{objection_id}/review": Role.AUDITOR,  # issue 14
}


def _send(client: TestClient, template: str, content: bytes | None) -> Any:
    role = ROLE_OF.get(template, Role.HR_SYSTEM)
    extra = {"Content-Type": "application/json"} if content is not None else {}
    return client.post(_fill(client, template), content=content, headers=headers(role) | extra)


def _raw(client: TestClient, body: Any, literal: str) -> bytes:
    """The body as JSON text with the placeholder replaced by ``literal`` (not valid JSON)."""
    return json.dumps(_body(client, body)).replace(f'"{MARK}"', literal).encode()


def _errors_at(response: Any, loc: list[Any]) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    return [e for e in response.json()["detail"] if e["loc"] == loc]


# Every operation that takes a body, each with a number, and where one fits a string, in it.
POISONED: list[tuple[str, Any, list[Any]]] = [
    ("/v1/positions/{position_id}/rankings", {"k": MARK}, ["body", "k"]),
    (
        "/v1/positions/{position_id}/rankings",
        {"candidate_nips": [MARK]},
        ["body", "candidate_nips", 0],
    ),
    (
        "/v1/rankings",
        {"position": {"unit_id": "__unit__", **INLINE, "abk_need": MARK}},
        ["body", "position", "abk_need"],
    ),
    ("/v1/rankings", {"position": {"unit_id": MARK, **INLINE}}, ["body", "position", "unit_id"]),
    ("/v1/employees/{nip}/recommendations", {"explain_top": MARK}, ["body", "explain_top"]),
    (
        "/v1/plans",
        {"vacancies": [{"position_id": "__position__"}], "policy": {"shortage_weight": MARK}},
        ["body", "policy", "shortage_weight"],
    ),
    (
        "/v1/plans",
        {"vacancies": [{"position_id": "__position__", "count": MARK}]},
        ["body", "vacancies", 0, "count"],
    ),
    (
        "/v1/rankings/{request_id}/decision",
        {"chosen_nip": MARK, "decided_by": "Kepala BKD"},
        ["body", "chosen_nip"],
    ),
    ("/v1/admin/reload", {"model": MARK}, ["body", "model"]),
    ("/v1/admin/reload", {"snapshot": True, "data_dir": MARK}, ["body", "data_dir"]),
    # ASN participation (issue 14)
    (
        "/v1/employees/{nip}/usulan",
        {"choices": [{"unit_id": "__unit__", "priority": MARK}], "submitted_by": "x"},
        ["body", "choices", 0, "priority"],
    ),
    (
        "/v1/employees/{nip}/usulan",
        {"choices": [], "opt_out": {"reason_code": "health"}, "submitted_by": MARK},
        ["body", "submitted_by"],
    ),
    (
        "/v1/objections",
        {"request_id": MARK, "nip": NIP, "category": "other", "reason": "r", "submitted_by": "x"},
        ["body", "request_id"],
    ),
    (
        "/v1/objections/{objection_id}/review",
        {"outcome": "upheld", "reviewed_by": MARK, "reason": "r"},
        ["body", "reviewed_by"],
    ),
    ("/v1/plans/{request_id}/final", {"finalised_by": MARK}, ["body", "finalised_by"]),
    ("/v1/portal/tokens", {"nip": MARK, "portal_key_id": "portal-1"}, ["body", "nip"]),
]
BODY_OPERATIONS = sorted({template for template, _, _ in POISONED})


def test_the_cases_cover_every_operation_with_a_body(api: TestClient) -> None:
    documented = {
        path
        for path, item in api.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for operation in item.values()
        if "requestBody" in operation
    }
    assert documented == set(BODY_OPERATIONS)


@pytest.mark.parametrize("literal", list(NON_FINITE))
@pytest.mark.parametrize(("template", "body", "loc"), POISONED)
def test_a_non_finite_number_is_a_422_that_echoes_it_as_text(
    api: TestClient, template: str, body: Any, loc: list[Any], literal: str
) -> None:
    head = api.app.state.audit.chain_head()  # type: ignore[attr-defined]
    response = _send(api, template, _raw(api, body, literal))
    (error,) = _errors_at(response, loc)
    assert error["input"] == NON_FINITE[literal]
    assert api.app.state.audit.chain_head() == head  # type: ignore[attr-defined]


@pytest.mark.parametrize("template", BODY_OPERATIONS)
def test_a_non_finite_body_is_a_422(api: TestClient, template: str) -> None:
    (error,) = _errors_at(_send(api, template, b"NaN"), ["body"])
    assert error["input"] == "NaN"


@pytest.mark.parametrize("template", BODY_OPERATIONS)
def test_a_null_body_is_a_422(api: TestClient, template: str) -> None:
    head = api.app.state.audit.chain_head()  # type: ignore[attr-defined]
    (error,) = _errors_at(_send(api, template, b"null"), ["body"])
    assert error["input"] is None
    assert api.app.state.audit.chain_head() == head  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "template", ["/v1/positions/{position_id}/rankings", "/v1/employees/{nip}/recommendations"]
)
@pytest.mark.parametrize("content", [None, b"{}"])
def test_an_absent_or_empty_body_still_means_the_defaults(
    api: TestClient, template: str, content: bytes | None
) -> None:
    response = _send(api, template, content)
    assert response.status_code in {200, 404}, response.text[:300]  # 404: nip not movable
    if response.status_code == 200:
        assert response.json()["request_id"]


# A bool is not a number, a number is not a bool, and a number is not a date.
NOT_ITS_TYPE: list[tuple[str, Any, list[Any]]] = [
    ("/v1/positions/{position_id}/rankings", {"k": True}, ["body", "k"]),
    ("/v1/positions/{position_id}/rankings", {"k": "3"}, ["body", "k"]),
    ("/v1/positions/{position_id}/rankings", {"k": 3.0}, ["body", "k"]),
    ("/v1/positions/{position_id}/rankings", {"explain_top": False}, ["body", "explain_top"]),
    (
        "/v1/positions/{position_id}/rankings",
        {"include_ineligible": 1},
        ["body", "include_ineligible"],
    ),
    ("/v1/positions/{position_id}/rankings", {"as_of": 0}, ["body", "as_of"]),
    ("/v1/positions/{position_id}/rankings", {"as_of": 1767312000}, ["body", "as_of"]),
    (
        "/v1/rankings",
        {"position": {"unit_id": "__unit__", **INLINE, "abk_need": True}},
        ["body", "position", "abk_need"],
    ),
    (
        "/v1/rankings",
        {
            "position": {
                "unit_id": "__unit__",
                **INLINE,
                "competency_requirements": {"manajerial": True},
            }
        },
        ["body", "position", "competency_requirements", "manajerial"],
    ),
    ("/v1/employees/{nip}/recommendations", {"k": True}, ["body", "k"]),
    (
        "/v1/plans",
        {"vacancies": [{"position_id": "__position__", "count": True}]},
        ["body", "vacancies", 0, "count"],
    ),
    (
        "/v1/plans",
        {"vacancies": [{"position_id": "__position__"}], "policy": {"max_moves_out": True}},
        ["body", "policy", "max_moves_out"],
    ),
    (
        "/v1/plans",
        {"vacancies": [{"position_id": "__position__"}], "policy": {"shortage_weight": True}},
        ["body", "policy", "shortage_weight"],
    ),
    (
        "/v1/plans",
        {"vacancies": [{"position_id": "__position__"}], "policy": {"min_unit_share": False}},
        ["body", "policy", "min_unit_share"],
    ),
    ("/v1/admin/reload", {"model": 1}, ["body", "model"]),
    ("/v1/admin/reload", {"model": True, "snapshot": "true"}, ["body", "snapshot"]),
    (
        "/v1/employees/{nip}/usulan",
        {"choices": [{"unit_id": "__unit__", "priority": True}], "submitted_by": "x"},
        ["body", "choices", 0, "priority"],
    ),
    (
        "/v1/employees/{nip}/usulan",
        {
            "choices": [{"unit_id": "__unit__", "priority": 1}],
            "submitted_by": "x",
            "replaces_version": "1",
        },
        ["body", "replaces_version"],
    ),
]


@pytest.mark.parametrize(("template", "body", "loc"), NOT_ITS_TYPE)
def test_a_value_of_another_json_type_is_a_422(
    api: TestClient, template: str, body: Any, loc: list[Any]
) -> None:
    response = _send(api, template, json.dumps(_body(api, body)).encode())
    assert _errors_at(response, loc), response.text[:300]


def test_a_json_integer_still_counts_as_a_number(api: TestClient) -> None:
    body = {"vacancies": [{"position_id": "__position__", "count": 1}], "policy": {}}
    body["policy"] = {"shortage_weight": 1, "min_unit_share": 0, "preference_weight": 0}
    response = _send(api, "/v1/plans", json.dumps(_body(api, body)).encode())
    assert response.status_code in {200, 422}, response.text[:300]
    if response.status_code == 422:  # an infeasible plan names its constraint, not a type
        assert "constraint" in response.json()["detail"]


AS_OF_OPERATIONS: list[tuple[str, Any]] = [
    ("/v1/positions/{position_id}/rankings", {"k": 1}),
    ("/v1/employees/{nip}/recommendations", {"k": 1}),
    ("/v1/plans", {"vacancies": [{"position_id": "__position__", "count": 1}]}),
]


@pytest.mark.parametrize(("template", "body"), AS_OF_OPERATIONS)
@pytest.mark.parametrize("as_of", ["0001-01-01", "1900-01-01"])
def test_as_of_before_the_snapshot_s_earliest_record_is_a_422(
    api: TestClient, template: str, body: Any, as_of: str
) -> None:
    head = api.app.state.audit.chain_head()  # type: ignore[attr-defined]
    response = _send(api, template, json.dumps(_body(api, {**body, "as_of": as_of})).encode())
    (error,) = _errors_at(response, ["body", "as_of"])
    earliest = _state(api).earliest_as_of
    assert "earliest record" in error["msg"]
    assert earliest.isoformat() in error["msg"]
    assert api.app.state.audit.chain_head() == head  # type: ignore[attr-defined]


def test_the_earliest_as_of_is_the_day_after_the_first_tmt_cpns(api: TestClient) -> None:
    state = _state(api)
    first = state.dataset.employees["tmt_cpns"].min().date()
    assert state.earliest_as_of == first + timedelta(days=1)
    template, body = AS_OF_OPERATIONS[0]
    before = (state.earliest_as_of - timedelta(days=1)).isoformat()
    refused = _send(api, template, json.dumps({**body, "as_of": before}).encode())
    assert _errors_at(refused, ["body", "as_of"])
    on_it = _send(api, template, json.dumps({**body, "as_of": str(state.earliest_as_of)}).encode())
    assert on_it.status_code == 200, on_it.text[:300]
    assert on_it.json()["eligibility"]["n_considered"] <= 1  # the first hire at most
