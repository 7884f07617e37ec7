"""Shared set-up of the participation tests (usulan, objections, letters, the portal).

Each test module gets an app with an audit log of its own: statements change rankings and
plans, so they must not leak into the other API tests' log. A second portal key tests that a
token works only with the key it was issued for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.api.security import Role, key_line
from serving.audit import AuditStore
from tests.serving_fixtures import KEYS, Champion, headers

HR = headers(Role.HR_SYSTEM)
AUDITOR = headers(Role.AUDITOR)
ADMIN = headers(Role.ADMIN)
PORTAL = headers(Role.EMPLOYEE_PORTAL)
PORTAL_KEY_ID = f"test-{Role.EMPLOYEE_PORTAL.value}"
OTHER_PORTAL_KEY = "mk_test_other_portal_0123456789abcdef"
OTHER_PORTAL = {"X-API-Key": OTHER_PORTAL_KEY}


def participation_app(champion: Champion, audit_dir: Path, **settings: Any) -> TestClient:
    """A client (lifespan not yet run) of an app on the champion with its own audit log."""
    keys = [key_line(f"test-{role.value}", role, key) for role, key in KEYS.items()]
    keys.append(key_line("test-other-portal", Role.EMPLOYEE_PORTAL, OTHER_PORTAL_KEY))
    app = create_app(
        champion.settings(
            audit_db_url=f"sqlite:///{audit_dir / 'audit.db'}",
            api_keys=keys,
            plan_time_limit=20.0,
            **settings,
        ),
        clock=lambda: champion.today,
    )
    return TestClient(app)


def state_of(client: TestClient) -> Any:
    return client.app.state.holder.current  # type: ignore[attr-defined]


def audit_of(client: TestClient) -> AuditStore:
    audit: AuditStore = client.app.state.audit  # type: ignore[attr-defined]
    return audit


def today_of(client: TestClient) -> Any:
    return client.app.state.clock()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Move:
    """An employee, an open position they are eligible for, and its unit (not theirs)."""

    nip: str
    position_id: str
    unit_id: str


def rank(client: TestClient, position_id: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/v1/positions/{position_id}/rankings", json=body, headers=HR)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def item_features(client: TestClient, request_id: str, nip: str) -> dict[str, Any]:
    """The audited feature values of one returned row."""
    row = audit_of(client).answer(request_id)
    assert row is not None
    return dict(next(i for i in row.items if i.nip == nip).features)


def find_moves(client: TestClient, n: int, skip: int = 0) -> list[Move]:
    """``n`` different employees, each eligible for an open post in a unit they did not ask
    for and do not work in (distinct units)."""
    state, view = state_of(client), state_of(client).view(today_of(client))
    open_posts = state.position_code.to_numpy()[
        state.active_positions & (view.position_shortage > 0)
    ]
    found: list[Move] = []
    used: set[str] = set()
    units: set[str] = set()
    for position_id in [str(p) for p in open_posts][skip:]:
        unit_id = str(state.positions.at[position_id, "unit_id"])
        if unit_id in units:
            continue
        answer = rank(client, position_id, k=10, explain_top=0)
        for candidate in answer["candidates"]:
            nip = candidate["nip"]
            features = item_features(client, answer["request_id"], nip)
            if nip in used or candidate["current_unit_id"] == unit_id:
                continue
            if features["asked_for_unit"] != 0.0:
                continue
            found.append(Move(nip, position_id, unit_id))
            used.add(nip)
            units.add(unit_id)
            break
        if len(found) == n:
            return found
    raise AssertionError(f"only {len(found)} of {n} moves found")


def plan(client: TestClient, moves: list[Move], **policy: Any) -> dict[str, Any]:
    """A plan filling one seat of each move's post, each person pinned into their post (no
    unit floor, so that pins never conflict with it)."""
    pins = [{"nip": m.nip, "position_id": m.position_id} for m in moves]
    body = {
        "vacancies": [{"position_id": m.position_id, "count": 1} for m in moves],
        "policy": {"pins_in": pins, "min_unit_share": 0.0} | policy,
    }
    response = client.post("/v1/plans", json=body, headers=HR)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def planned_move(answer: dict[str, Any], nip: str) -> dict[str, Any]:
    for vacancy in answer["vacancies"]:
        for move in vacancy["assignments"]:
            if move["nip"] == nip:
                found: dict[str, Any] = move
                return found
    raise AssertionError(f"{nip} is not moved by {answer['request_id']}")


def usulan(units: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    return {
        "choices": [{"unit_id": u, "priority": p, "reason": "dekat keluarga"} for u, p in units],
        "submitted_by": "test officer",
        **extra,
    }


def portal_token(client: TestClient, nip: str, key_id: str = PORTAL_KEY_ID) -> dict[str, str]:
    """Portal headers (key and employee token) acting for ``nip``."""
    response = client.post(
        "/v1/portal/tokens", json={"nip": nip, "portal_key_id": key_id}, headers=HR
    )
    assert response.status_code == 201, response.text
    key = PORTAL if key_id == PORTAL_KEY_ID else OTHER_PORTAL
    return {**key, "X-Employee-Token": response.json()["token"]}


def loc(response: Any) -> list[list[Any]]:
    """The ``loc`` of every field problem of a 422."""
    detail = response.json()["detail"]
    assert isinstance(detail, list), json.dumps(detail)
    return [d["loc"] for d in detail]
