"""The employee_portal role, tested as an attacker would: a portal key reads and writes only
the data of the employee its token names, and a changed NIP, a forged, expired or borrowed
token, or a portal key alone reaches nothing else."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from serving.api.portal import PortalTokens
from serving.api.security import KeyRing, Role, key_line
from tests.code.participation_cases import (
    HR,
    OTHER_PORTAL,
    PORTAL,
    PORTAL_KEY_ID,
    Move,
    find_moves,
    participation_app,
    plan,
    portal_token,
    rank,
    usulan,
)
from tests.serving_fixtures import Champion


@pytest.fixture(scope="module")
def papi(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with participation_app(champion, tmp_path_factory.mktemp("portal")) as client:
        yield client


@pytest.fixture(scope="module")
def moves(papi: TestClient) -> list[Move]:
    return find_moves(papi, 2)


@pytest.fixture(scope="module")
def me(papi: TestClient, moves: list[Move]) -> dict[str, str]:
    """The portal acting for the first employee."""
    return portal_token(papi, moves[0].nip)


def test_a_portal_manages_its_own_employee(
    papi: TestClient, moves: list[Move], me: dict[str, str]
) -> None:
    mine = moves[0]
    made = papi.post(
        f"/v1/employees/{mine.nip}/usulan", json=usulan([(mine.unit_id, 1)]), headers=me
    )
    assert made.status_code == 201, made.text
    assert made.json()["role"] == Role.EMPLOYEE_PORTAL.value
    view = papi.get(f"/v1/employees/{mine.nip}/usulan", headers=me)
    assert view.status_code == 200
    assert view.json()["current"]["version"] == 1


def test_changing_the_nip_reads_and_writes_nothing_of_anyone_else(
    papi: TestClient, moves: list[Move], me: dict[str, str]
) -> None:
    other = moves[1]
    refused = [
        papi.post(
            f"/v1/employees/{other.nip}/usulan", json=usulan([(other.unit_id, 1)]), headers=me
        ),
        papi.put(
            f"/v1/employees/{other.nip}/usulan", json=usulan([(other.unit_id, 1)]), headers=me
        ),
        papi.delete(f"/v1/employees/{other.nip}/usulan", params={"submitted_by": "x"}, headers=me),
        papi.get(f"/v1/employees/{other.nip}/usulan", headers=me),
        papi.get(f"/v1/employees/{other.nip}/answers", headers=me),
        papi.get("/v1/objections", params={"nip": other.nip}, headers=me),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert "another employee" in response.json()["detail"]
    assert papi.get(f"/v1/employees/{other.nip}/usulan", headers=HR).json()["history"] == []


def test_a_portal_key_alone_or_with_a_bad_token_is_refused(
    papi: TestClient, moves: list[Move], me: dict[str, str]
) -> None:
    url = f"/v1/employees/{moves[0].nip}/usulan"
    token = me["X-Employee-Token"]
    payload, mac = token.split(".")
    forged = f"{payload[:-2]}AA.{mac}"
    for headers in (
        PORTAL,
        {**PORTAL, "X-Employee-Token": "met_nonsense"},
        {**PORTAL, "X-Employee-Token": forged},
        {**PORTAL, "X-Employee-Token": token[:-3] + "abc"},
        {**OTHER_PORTAL, "X-Employee-Token": token},  # issued for another portal key
    ):
        response = papi.get(url, headers=headers)
        assert response.status_code == 401, response.text
        assert "employee token" in response.json()["detail"]
    # A token with a valid signature but another NIP cannot be made without the secret; a token
    # issued for the other portal key works only with that key.
    theirs = portal_token(papi, moves[0].nip, key_id="test-other-portal")
    assert papi.get(url, headers=theirs).status_code == 200
    assert (
        papi.get(
            url, headers={**PORTAL, "X-Employee-Token": theirs["X-Employee-Token"]}
        ).status_code
        == 401
    )


def test_a_portal_reaches_no_other_route(
    papi: TestClient, moves: list[Move], me: dict[str, str]
) -> None:
    position = moves[0].position_id
    ranking = rank(papi, position, k=2)
    calls = [
        papi.post(f"/v1/positions/{position}/rankings", json={}, headers=me),
        papi.post("/v1/plans", json={"vacancies": [{"position_id": position}]}, headers=me),
        papi.get(f"/v1/rankings/{ranking['request_id']}", headers=me),
        papi.get("/v1/model", headers=me),
        papi.post("/v1/admin/reload", json={}, headers=me),
        papi.post(
            "/v1/portal/tokens",
            json={"nip": moves[1].nip, "portal_key_id": PORTAL_KEY_ID},
            headers=me,
        ),
        papi.get(f"/v1/plans/{ranking['request_id']}/status", headers=me),
        papi.post(
            "/v1/objections/x/review",
            json={"outcome": "upheld", "reviewed_by": "me", "reason": "me"},
            headers=me,
        ),
    ]
    for response in calls:
        assert response.status_code == 403, (response.request.url, response.text)


def test_own_answers_hold_only_the_employees_own_entry(
    papi: TestClient, moves: list[Move], me: dict[str, str]
) -> None:
    mine, other = moves
    ranking = rank(papi, mine.position_id, candidate_nips=[mine.nip, other.nip], k=5)
    plan_answer = plan(papi, moves)
    listed = papi.get(f"/v1/employees/{mine.nip}/answers", headers=me)
    assert listed.status_code == 200
    refs = {a["request_id"]: a for a in listed.json()["answers"]}
    assert ranking["request_id"] in refs
    assert plan_answer["request_id"] in refs
    assert refs[plan_answer["request_id"]]["letter"] == (
        f"/v1/plans/{plan_answer['request_id']}/letters/{mine.nip}"
    )
    for request_id in (ranking["request_id"], plan_answer["request_id"]):
        own = papi.get(f"/v1/employees/{mine.nip}/answers/{request_id}", headers=me)
        assert own.status_code == 200, own.text
        text = json.dumps(own.json())
        assert mine.nip in text
        assert other.nip not in text
    # An answer that does not concern them, through their own path: 404, nothing leaks.
    alone = rank(papi, other.position_id, candidate_nips=[other.nip], k=1)
    assert (
        papi.get(f"/v1/employees/{mine.nip}/answers/{alone['request_id']}", headers=me).status_code
        == 404
    )
    letter = papi.get(refs[plan_answer["request_id"]]["letter"], headers=me)
    assert letter.status_code == 200
    assert (
        papi.get(
            f"/v1/plans/{plan_answer['request_id']}/letters/{other.nip}", headers=me
        ).status_code
        == 403
    )


def test_a_portal_objects_only_for_its_employee(
    papi: TestClient, moves: list[Move], me: dict[str, str]
) -> None:
    answer = plan(papi, moves)
    body = {
        "request_id": answer["request_id"],
        "category": "human_review",
        "reason": "Saya minta ditinjau manusia.",
        "submitted_by": "pegawai sendiri",
    }
    theirs = papi.post("/v1/objections", json={**body, "nip": moves[1].nip}, headers=me)
    assert theirs.status_code == 403
    made = papi.post("/v1/objections", json={**body, "nip": moves[0].nip}, headers=me)
    assert made.status_code == 201, made.text
    objection_id = made.json()["objection_id"]
    assert papi.get(f"/v1/objections/{objection_id}", headers=me).status_code == 200
    other = portal_token(papi, moves[1].nip)
    assert papi.get(f"/v1/objections/{objection_id}", headers=other).status_code == 404
    listed = papi.get("/v1/objections", headers=other).json()["objections"]
    assert all(o["nip"] == moves[1].nip for o in listed)


def test_only_hr_systems_issue_tokens_for_known_portal_keys(
    papi: TestClient, moves: list[Move]
) -> None:
    nip = moves[0].nip
    for headers in (None, {"X-API-Key": "nope"}):
        assert (
            papi.post(
                "/v1/portal/tokens",
                json={"nip": nip, "portal_key_id": PORTAL_KEY_ID},
                headers=headers,
            ).status_code
            == 401
        )
    not_portal = papi.post(
        "/v1/portal/tokens", json={"nip": nip, "portal_key_id": "test-hr_system"}, headers=HR
    )
    assert (not_portal.status_code, not_portal.json()["detail"][0]["loc"]) == (
        422,
        ["body", "portal_key_id"],
    )
    unknown = papi.post(
        "/v1/portal/tokens",
        json={"nip": "199912312099121001", "portal_key_id": PORTAL_KEY_ID},
        headers=HR,
    )
    assert (unknown.status_code, unknown.json()["detail"][0]["loc"]) == (422, ["body", "nip"])


def test_tokens_expire_and_die_with_their_key() -> None:
    now = [1_000_000.0]
    key = "mk_portal_a_0123456789abcdef0123"
    ring = KeyRing([key_line("portal-a", Role.EMPLOYEE_PORTAL, key)])
    tokens = PortalTokens(b"s" * 32, 60, ring, clock=lambda: now[0])
    issued = tokens.issue("portal-a", "198503122010011002")
    assert issued is not None
    text = tokens.encode(issued)
    assert tokens.read(text) == issued
    now[0] += 61
    assert tokens.read(text) is None
    now[0] -= 61
    rotated = KeyRing([key_line("portal-a", Role.EMPLOYEE_PORTAL, key + "x")])
    assert PortalTokens(b"s" * 32, 60, rotated, clock=lambda: now[0]).read(text) is None
    assert PortalTokens(b"t" * 32, 60, ring, clock=lambda: now[0]).read(text) is None
    assert tokens.issue("not-a-portal", "198503122010011002") is None


# Every operation a portal may call with an employee token (the EmployeeToken scheme in the
# OpenAPI document); each takes the employee from the token.
SELF_SERVICE = {
    ("post", "/v1/employees/{nip}/usulan"),
    ("put", "/v1/employees/{nip}/usulan"),
    ("delete", "/v1/employees/{nip}/usulan"),
    ("get", "/v1/employees/{nip}/usulan"),
    ("get", "/v1/employees/{nip}/answers"),
    ("get", "/v1/employees/{nip}/answers/{request_id}"),
    ("post", "/v1/objections"),
    ("get", "/v1/objections"),
    ("get", "/v1/objections/{objection_id}"),
    ("get", "/v1/plans/{request_id}/letters/{nip}"),
}


def test_every_keyed_operation_is_self_service_or_closed_to_a_portal(
    papi: TestClient, moves: list[Move], me: dict[str, str]
) -> None:
    """Walks the whole OpenAPI document, so a route added later is checked too: with a valid
    token, a portal gets 403 from every keyed operation that is not self-service, and on the
    self-service ones another employee's NIP in the path is refused."""
    plan_id = plan(papi, moves)["request_id"]
    values = defaultdict(
        lambda: "x",
        nip=moves[1].nip,
        position_id=moves[0].position_id,
        request_id=plan_id,
        objection_id="1" * 32,
    )
    spec = papi.get("/openapi.json").json()
    self_service: set[tuple[str, str]] = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            schemes = {name for need in operation.get("security", []) for name in need}
            if not schemes:
                continue  # open to everyone: health, the notice
            url = path.format_map(values)
            if "EmployeeToken" in schemes:
                self_service.add((method, path))
                if "{nip}" in path:
                    body, query = usulan([(moves[1].unit_id, 1)]), {"submitted_by": "x"}
                    response = papi.request(method, url, json=body, params=query, headers=me)
                    assert response.status_code == 403, (method, path, response.text)
                continue
            response = papi.request(method, url, json={}, headers=me)
            assert response.status_code == 403, (method, path, response.text)
    assert self_service == SELF_SERVICE
