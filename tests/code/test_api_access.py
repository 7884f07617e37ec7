"""Who may call what: 401 without a valid key, 403 for the wrong role; health is open."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api.security import Role
from tests.serving_fixtures import KEYS, headers

NIP = "198503122010011002"
REQUEST_ID = "0" * 32
OBJECTION_ID = "1" * 32
# (method, path, json body, roles allowed)
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, set[Role]]] = [
    ("POST", "/v1/positions/P1/rankings", {"k": 1}, {Role.HR_SYSTEM}),
    ("POST", "/v1/rankings", {"position": {}}, {Role.HR_SYSTEM}),
    ("POST", f"/v1/employees/{NIP}/recommendations", {"k": 1}, {Role.HR_SYSTEM}),
    ("GET", f"/v1/rankings/{REQUEST_ID}", None, {Role.HR_SYSTEM, Role.AUDITOR}),
    ("GET", "/v1/model", None, {Role.HR_SYSTEM, Role.AUDITOR, Role.ADMIN}),
    ("POST", "/v1/admin/reload", {"model": False, "snapshot": False}, {Role.ADMIN}),
    # ASN participation (issue 14); the self-service routes: tests/code/test_api_portal.py
    (
        "POST",
        f"/v1/objections/{OBJECTION_ID}/review",
        {"outcome": "upheld", "reviewed_by": "a", "reason": "b"},
        {Role.AUDITOR, Role.ADMIN},
    ),
    ("GET", f"/v1/plans/{REQUEST_ID}/status", None, {Role.HR_SYSTEM, Role.AUDITOR, Role.ADMIN}),
    ("GET", f"/v1/plans/{REQUEST_ID}/export", None, {Role.HR_SYSTEM, Role.AUDITOR, Role.ADMIN}),
    ("POST", f"/v1/plans/{REQUEST_ID}/final", {"finalised_by": "a"}, {Role.HR_SYSTEM, Role.ADMIN}),
    ("POST", "/v1/portal/tokens", {"nip": NIP, "portal_key_id": "p"}, {Role.HR_SYSTEM}),
]
READERS = {Role.HR_SYSTEM, Role.AUDITOR, Role.ADMIN}
USULAN = {"choices": [{"unit_id": "U1", "priority": 1}], "submitted_by": "a"}
OBJECTION = {
    "request_id": REQUEST_ID,
    "nip": NIP,
    "category": "other",
    "reason": "b",
    "submitted_by": "a",
}
# Self-service routes (issue 14): these roles, and employee_portal keys with an employee token
# (without one: 401; with one: tests/code/test_api_portal.py).
SELF_SERVICE: list[tuple[str, str, dict[str, Any] | None, set[Role]]] = [
    ("POST", f"/v1/employees/{NIP}/usulan", USULAN, {Role.HR_SYSTEM}),
    ("PUT", f"/v1/employees/{NIP}/usulan", USULAN, {Role.HR_SYSTEM}),
    ("DELETE", f"/v1/employees/{NIP}/usulan?submitted_by=a", None, {Role.HR_SYSTEM}),
    ("GET", f"/v1/employees/{NIP}/usulan", None, READERS),
    ("POST", "/v1/objections", OBJECTION, {Role.HR_SYSTEM}),
    ("GET", "/v1/objections", None, READERS),
    ("GET", f"/v1/objections/{OBJECTION_ID}", None, READERS),
    ("GET", f"/v1/plans/{REQUEST_ID}/letters/{NIP}", None, READERS),
    ("GET", f"/v1/employees/{NIP}/answers", None, READERS),
    ("GET", f"/v1/employees/{NIP}/answers/{REQUEST_ID}", None, READERS),
]


def _call(client: TestClient, method: str, path: str, body: Any, hdrs: dict[str, str]) -> Any:
    return client.request(method, path, json=body, headers=hdrs)


@pytest.mark.parametrize("path", [p for m, p, body, _ in ENDPOINTS if body is not None])
def test_an_unparseable_body_without_a_key_is_401_not_its_parse_error(
    api: TestClient, path: str
) -> None:
    """FastAPI parses the body before the key is checked; the caller still hears 401."""
    hdrs = {"Content-Type": "application/json"}
    response = api.post(path, content=b"\x00", headers=hdrs)
    assert response.status_code == 401
    assert "missing API key" in response.json()["detail"]
    keyed = api.post(path, content=b"\x00", headers={**hdrs, **headers(Role.HR_SYSTEM)})
    assert keyed.status_code in {403, 422}  # a valid key then hears about its body (or role)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS)
def test_no_key_or_a_wrong_key_is_401(
    api: TestClient, method: str, path: str, body: Any, allowed: set[Role]
) -> None:
    missing = _call(api, method, path, body, {})
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "APIKey"
    wrong = _call(api, method, path, body, {"X-API-Key": KEYS[Role.ADMIN] + "-not"})
    assert wrong.status_code == 401
    assert "invalid API key" in wrong.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS)
def test_each_role_gets_in_only_where_allowed(
    api: TestClient, method: str, path: str, body: Any, allowed: set[Role]
) -> None:
    for role in Role:
        status = _call(api, method, path, body, headers(role)).status_code
        if role in allowed:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), SELF_SERVICE)
def test_self_service_routes_admit_their_roles_and_portals_only_with_a_token(
    api: TestClient, method: str, path: str, body: Any, allowed: set[Role]
) -> None:
    assert _call(api, method, path, body, {}).status_code == 401
    for role in Role:
        response = _call(api, method, path, body, headers(role))
        if role is Role.EMPLOYEE_PORTAL:
            assert response.status_code == 401, response.text
            assert "employee token missing" in response.json()["detail"]
        elif role in allowed:
            assert response.status_code not in (401, 403), (role, response.status_code)
        else:
            assert response.status_code == 403, (role, response.status_code)


def test_health_endpoints_need_no_key(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok", "detail": None, "model": None}
    ready = api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["model"]["name"] == "mutasi-fit"


def test_metrics_expose_http_and_ranking_histograms(api: TestClient) -> None:
    ranking = api.post("/v1/rankings", json={"position": {}}, headers=headers(Role.HR_SYSTEM))
    assert ranking.status_code == 422
    position_id = sorted(api.app.state.holder.current.targets)[0]  # type: ignore[attr-defined]
    ok = api.post(f"/v1/positions/{position_id}/rankings", headers=headers(Role.HR_SYSTEM))
    assert ok.status_code == 200, ok.text
    text = api.get("/metrics").text
    for metric in (
        "http_requests_total",
        "mutasi_ranking_seconds_bucket",
        "mutasi_shap_seconds_bucket",
        "mutasi_candidate_pool_size_bucket",
        "process_resident_memory_bytes",
    ):
        assert metric in text


def test_openapi_documents_every_endpoint_with_examples(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    paths = spec["paths"]
    for _, path, _, _ in ENDPOINTS + SELF_SERVICE:
        template = path.split("?")[0].replace("P1", "{position_id}").replace(NIP, "{nip}")
        template = template.replace(REQUEST_ID, "{request_id}")
        template = template.replace(OBJECTION_ID, "{objection_id}")
        assert template in paths, template
    schemas = spec["components"]["schemas"]
    assert schemas["RankingOptions"]["examples"]
    assert schemas["InlineRankingRequest"]["examples"]
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    assert spec["components"]["securitySchemes"]["EmployeeToken"]["name"] == "X-Employee-Token"
