"""Schema-driven fuzzing of every operation (Schemathesis): no 5xx, every answer as documented.

Each operation is called with generated inputs twice: with the key of a role allowed to call
it, and with no key. Every response must be a documented status code with a body matching its
documented schema. Bounded (a dozen derandomised examples per operation) so that it stays a
unit test; the app runs on the session's trained champion with its own audit log.

Non-finite numbers: schemathesis' JSON generator draws finite floats only (it has no setting
for NaN or Infinity), yet Python's JSON parser, and so the service, reads `NaN`, `Infinity` and
overflowing literals such as `1e309`. A `flatmap_body` hook on the schema therefore sends about
half the bodies with one value, anywhere in them, replaced by inf, -inf or NaN (written as
JSON's `Infinity`/`NaN` literals); the last test checks that every operation with a body got
some.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, HookContext
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from mutasi.settings import Settings
from serving.api.app import create_app
from serving.api.portal import EMPLOYEE_TOKEN_HEADER
from serving.api.security import API_KEY_HEADER, Role
from tests.serving_fixtures import Champion, headers

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
BASE_URL = "http://testserver"
OPEN_PATHS = {"/healthz", "/readyz", "/metrics", "/v1/notice"}
# Operations only auditors or admins may call, whatever their method (issue 14).
REVIEWER_PATHS = {"/v1/objections/{objection_id}/review"}


@pytest.fixture(scope="module")
def fuzzed_app(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """An app of its own (fuzzed reloads swap its state), loaded before the first call."""
    audit = tmp_path_factory.mktemp("fuzz") / "audit.db"
    app = create_app(
        champion.settings(audit_db_url=f"sqlite:///{audit}", plan_time_limit=2.0),
        clock=lambda: champion.today,
    )
    with TestClient(app):  # runs the lifespan: the state stays loaded while the module runs
        yield app


@pytest.fixture(scope="module")
def fuzz_client(fuzzed_app: FastAPI) -> TestClient:
    """A client of the loaded app (no lifespan of its own)."""
    return TestClient(fuzzed_app)


# The OpenAPI document does not depend on settings or loaded state, so an unloaded app gives
# it at collection time (schemathesis' lazy from_fixture does not run on pytest 9).
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
NON_FINITE = st.sampled_from([math.inf, -math.inf, math.nan])
# Operations fuzzed with the right key, and how many bodies with a non-finite number each got.
FUZZED: set[str] = set()
NON_FINITE_SENT: Counter[str] = Counter()


def _leaves(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where a value could be swapped in: the body itself and every value inside it."""
    if isinstance(value, dict):
        inner = [p for k, v in value.items() for p in _leaves(v, (*at, k))]
    elif isinstance(value, list):
        inner = [p for i, v in enumerate(value) for p in _leaves(v, (*at, i))]
    else:
        inner = []
    return [at, *inner]


def _replaced(value: Any, at: tuple[Any, ...], new: float) -> Any:
    """A copy of ``value`` with the value at ``at`` replaced by ``new``."""
    if not at:
        return new
    head, *rest = at
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], tuple(rest), new)}
    return [_replaced(v, tuple(rest), new) if i == head else v for i, v in enumerate(value)]


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    return isinstance(value, list) and any(_non_finite(v) for v in value)


@schema.hook
def flatmap_body(context: HookContext, body: Any) -> st.SearchStrategy[Any]:
    """The body as generated, or with one of its values replaced by a non-finite number."""
    poisoned = st.tuples(st.sampled_from(_leaves(body)), NON_FINITE).map(
        lambda swap: _replaced(body, *swap)
    )
    return st.one_of(st.just(body), poisoned)


def role_for(method: str, path: str) -> Role | None:
    """The role an operation needs (None: open endpoint)."""
    if path in OPEN_PATHS:
        return None
    if path == "/v1/admin/reload":
        return Role.ADMIN
    if path in REVIEWER_PATHS:
        return Role.AUDITOR
    if method.upper() == "GET":
        return Role.AUDITOR
    return Role.HR_SYSTEM


def _call(
    client: TestClient, case: Case, role: Role | None, extra: dict[str, str] | None = None
) -> httpx.Response:
    """Send the case (with the role's key only, never a generated one) and run the checks."""
    if case.headers:
        case.headers.pop(API_KEY_HEADER, None)
        case.headers.pop(EMPLOYEE_TOKEN_HEADER, None)
    extra = extra or (headers(role) if role else None)
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=extra)
    if not kwargs.get("cookies"):  # our API takes no cookies; per-request cookies are deprecated
        kwargs.pop("cookies", None)
    if isinstance(kwargs.get("data"), bytes | str):  # raw bodies go as content in httpx
        kwargs["content"] = kwargs.pop("data")
    if "json" in kwargs and _non_finite(kwargs["json"]):
        # httpx refuses to encode NaN/Infinity; Python's json writes them as JSON5-style literals.
        kwargs["content"] = json.dumps(kwargs.pop("json"), allow_nan=True)
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "Content-Type": "application/json"}
        if role is not None:
            NON_FINITE_SENT[case.operation.label] += 1
    if role is not None:
        FUZZED.add(case.operation.label)
    response = client.request(**kwargs)
    case.validate_response(response, checks=CHECKS)
    return response


@schema.parametrize()
@FUZZ
def test_with_the_right_key_no_operation_breaks_its_schema(
    fuzz_client: TestClient, case: Case
) -> None:
    _call(fuzz_client, case, role_for(case.method, case.path))


@schema.parametrize()
@FUZZ
def test_without_a_key_no_operation_breaks_its_schema(fuzz_client: TestClient, case: Case) -> None:
    response = _call(fuzz_client, case, None)
    if role_for(case.method, case.path) is not None:
        # 401 for the operation itself; the fuzzer also tries other methods (405) and bodies
        # that cannot be parsed (400, 413): none may answer with data.
        assert response.status_code in {400, 401, 405, 413}, response.text[:300]


# The employee_portal role (issue 14): its self-service operations fuzzed with a portal key and
# a valid employee token; generated NIPs are someone else's (403) or malformed (422).
SELF_SERVICE = (
    r"^/v1/(employees/\{nip\}/(usulan|answers(/\{request_id\})?)|objections(/\{objection_id\})?"
    r"|plans/\{request_id\}/letters/\{nip\})$"
)


@pytest.fixture(scope="module")
def portal_headers(fuzz_client: TestClient, fuzzed_app: FastAPI) -> dict[str, str]:
    """A portal key with a token acting for the snapshot's first employee."""
    nip = sorted(fuzzed_app.state.holder.current.names)[0]
    issued = fuzz_client.post(
        "/v1/portal/tokens",
        json={"nip": nip, "portal_key_id": f"test-{Role.EMPLOYEE_PORTAL.value}"},
        headers=headers(Role.HR_SYSTEM),
    )
    assert issued.status_code == 201, issued.text
    return {**headers(Role.EMPLOYEE_PORTAL), EMPLOYEE_TOKEN_HEADER: issued.json()["token"]}


@schema.include(path_regex=SELF_SERVICE).parametrize()
@FUZZ
def test_a_portal_with_a_token_breaks_no_self_service_schema(
    fuzz_client: TestClient, portal_headers: dict[str, str], case: Case
) -> None:
    response = _call(fuzz_client, case, None, portal_headers)
    # A generated NIP is never the token's: no write for it may succeed.
    assert case.method.upper() == "GET" or response.status_code >= 400, response.text[:300]


def test_every_operation_with_a_body_got_non_finite_numbers() -> None:
    with_body = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    fuzzed = with_body & FUZZED
    if not fuzzed:
        pytest.skip("runs after the fuzz tests (none of them ran)")
    assert {label: NON_FINITE_SENT[label] for label in sorted(fuzzed)} == {
        label: max(1, NON_FINITE_SENT[label]) for label in sorted(fuzzed)
    }
