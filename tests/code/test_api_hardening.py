"""Transport hardening: security headers, closed CORS, the body size limit, keys and personal
data kept out of the logs, constant-time key comparison."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mutasi.settings import Settings
from serving.api.app import create_app
from serving.api.log_privacy import NIP_MASK, install_log_masking, mask_text
from serving.api.middleware import SECURITY_HEADERS
from serving.api.security import KeyRing, Role, key_line, new_key
from tests.serving_fixtures import KEYS, headers

HR = headers(Role.HR_SYSTEM)
ORIGIN = "https://evil.example"


def _client(**changes: Any) -> TestClient:
    """An app without its lifespan: enough for what happens before any route runs."""
    return TestClient(create_app(Settings().model_copy(update=changes)))


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/healthz"), ("GET", "/v1/model"), ("GET", "/no/such/page"), ("POST", "/v1/plans")],
)
def test_every_response_carries_the_security_headers(method: str, path: str) -> None:
    response = _client().request(method, path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, (path, name)


def test_cors_is_closed_by_default() -> None:
    preflight = _client().options(
        "/v1/rankings",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = _client().get("/healthz", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_admits_only_the_configured_origins() -> None:
    client = _client(cors_origins=["https://hr.example"])
    request = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-api-key",
    }
    allowed = client.options("/v1/rankings", headers={"Origin": "https://hr.example", **request})
    assert allowed.headers["access-control-allow-origin"] == "https://hr.example"
    refused = client.options("/v1/rankings", headers={"Origin": ORIGIN, **request})
    assert "access-control-allow-origin" not in refused.headers


def test_a_declared_oversized_body_is_refused_before_it_is_read() -> None:
    client = _client(max_request_bytes=1_000)
    response = client.post("/v1/rankings", content=b"x" * 1_001, headers=HR)
    assert response.status_code == 413
    assert "MUTASI_MAX_REQUEST_BYTES" in response.json()["detail"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_streamed_oversized_body_is_refused_while_it_arrives() -> None:
    client = _client(max_request_bytes=1_000)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the middleware has to count
        for _ in range(100):
            yield b"x" * 400

    response = client.post("/v1/rankings", content=chunks(), headers=HR)
    assert response.status_code == 413


def test_a_body_under_the_limit_reaches_the_route() -> None:
    client = _client(max_request_bytes=1_000)
    response = client.post("/v1/rankings", content=b"{}", headers=HR)
    assert response.status_code != 413  # 401 here: the test key is not configured


def test_keys_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stored digest goes through hmac.compare_digest, even after a match."""
    keys = [new_key() for _ in range(3)]
    ring = KeyRing([key_line(f"k{i}", Role.AUDITOR, k) for i, k in enumerate(keys)])
    calls: list[int] = []
    compare = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append(1)
        return compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    assert ring.authenticate(keys[0]) is not None
    assert len(calls) == 3


def test_nips_are_masked_in_uvicorn_access_lines(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    nip = "198501012010011001"
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # The record uvicorn's access logger writes for one request line.
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "POST",
            f"/v1/employees/{nip}/recommendations",
            "1.1",
            200,
        )
    assert nip not in caplog.text
    assert f"/v1/employees/{NIP_MASK}/recommendations" in caplog.text
    assert mask_text(f"a{nip}b 12345") == f"a{NIP_MASK}b 12345"
    assert mask_text("1" * 19) == "1" * 19  # a longer number is not a NIP


def test_no_key_nip_or_name_reaches_the_logs(
    api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    state = api.app.state.holder.current  # type: ignore[attr-defined]
    position_id = sorted(state.targets)[0]
    with caplog.at_level(logging.DEBUG):
        ranking = api.post(f"/v1/positions/{position_id}/rankings", json={"k": 5}, headers=HR)
        nip = ranking.json()["candidates"][0]["nip"]
        api.post(f"/v1/employees/{nip}/recommendations", json={"k": 3}, headers=HR)
        api.get("/v1/model", headers={"X-API-Key": "mk_wrong_key"})
    assert ranking.status_code == 200
    names = [c["name"] for c in ranking.json()["candidates"] if c["name"]]
    # The service's records only: httpx here is the test's own client, not the server.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")
    secrets = [*KEYS.values(), "mk_wrong_key", *[c["nip"] for c in ranking.json()["candidates"]]]
    for secret in [*secrets, *names]:
        assert secret not in logged
