"""The auditor pages on a synthetic audit log: sign-in, roles, headers, filters, one answer."""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.api.security import Role
from serving.audit.records import NewDecision
from serving.web.headers import SECURITY_HEADERS
from serving.web.session import SESSION_COOKIE
from tests.code.web_cases import (
    BASE,
    KEYS,
    NIPS,
    SHAP,
    ranking_record,
    sign_in,
    store_of,
    web_client,
)

SVG = "{http://www.w3.org/2000/svg}"
RID = "a" * 32


@pytest.fixture
def web(tmp_path: Path) -> Iterator[TestClient]:
    with web_client(tmp_path) as client:
        yield client


@pytest.fixture
def auditor(web: TestClient) -> TestClient:
    sign_in(web)
    return web


def _record(client: TestClient, request_id: str, when: datetime, **kwargs: str) -> None:
    store = store_of(client)
    store.clock = lambda: when
    store.record(ranking_record(request_id, **kwargs))


def _decide(client: TestClient, request_id: str, nip: str, override: bool) -> None:
    store_of(client).record_decision(
        NewDecision(
            request_id=request_id,
            key_id="hr",
            role="hr_system",
            chosen_nip=nip,
            decided_by="Kepala BKD",
            reason_code="operational_need" if override else "best_ranked",
            note="Butuh segera" if override else None,
            override=override,
            override_kind="not_ranked_first" if override else None,
            chosen_rank=2 if override else 1,
        )
    )


def _listed(client: TestClient, **params: str) -> list[str]:
    response = client.get("/audit/rankings", params=params)
    assert response.status_code == 200, response.text
    return re.findall(r'href="/audit/rankings/([0-9a-f]{32})"', response.text)


# --- signing in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/audit/rankings", f"/audit/rankings/{RID}", "/audit/model-card", "/audit/chain"]
)
def test_every_page_needs_a_session(web: TestClient, path: str) -> None:
    response = web.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/audit/login?next=/audit/")


@pytest.mark.parametrize(
    "target",
    ["/audit/../../evil", "//evil.example", "/audit/%2e%2e/x", "/\\evil", "https://evil.example"],
)
def test_signing_in_never_redirects_outside_the_audit_pages(web: TestClient, target: str) -> None:
    form = web.get("/audit/login", params={"next": target})
    assert form.status_code == 200
    assert 'value="/audit/rankings"' in form.text  # the form carries the safe target only
    response = web.post(
        "/audit/login",
        data={"api_key": KEYS[Role.AUDITOR], "next": target},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/audit/rankings"


def test_an_auditor_signs_in_with_a_safe_cookie_and_returns_to_the_page(web: TestClient) -> None:
    response = web.post(
        "/audit/login",
        data={"api_key": KEYS[Role.AUDITOR], "next": "/audit/chain"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/audit/chain"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/audit", "Max-Age=3600"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # configured off for plain-HTTP tests
    assert KEYS[Role.AUDITOR] not in cookie
    assert web.get("/audit/chain").status_code == 200


def test_the_secure_flag_follows_the_settings(tmp_path: Path) -> None:
    with web_client(tmp_path, web_cookie_secure=True) as client:
        form = client.get("/audit/login")
        assert "MUTASI_WEB_COOKIE_SECURE=false" in form.text  # warned: this page is plain HTTP
        response = client.post(
            "/audit/login", data={"api_key": KEYS[Role.AUDITOR]}, follow_redirects=False
        )
        assert "; secure" in response.headers["set-cookie"].lower()


def test_a_configured_secret_keeps_sessions_over_a_restart(tmp_path: Path) -> None:
    secret = "k" * 32
    with web_client(tmp_path, web_session_secret=secret) as first:
        sign_in(first)
        token = first.cookies.get(SESSION_COOKIE)
    assert token
    with web_client(tmp_path, web_session_secret=secret) as restarted:
        restarted.cookies.set(SESSION_COOKIE, token, path="/audit")
        assert restarted.get("/audit/rankings", follow_redirects=False).status_code == 200
    with web_client(tmp_path) as random_secret:
        random_secret.cookies.set(SESSION_COOKIE, token, path="/audit")
        assert random_secret.get("/audit/rankings", follow_redirects=False).status_code == 303


def test_an_admin_may_sign_in(web: TestClient) -> None:
    sign_in(web, Role.ADMIN)
    assert web.get("/audit/rankings").status_code == 200


@pytest.mark.parametrize("role", [Role.HR_SYSTEM, Role.EMPLOYEE_PORTAL])
def test_an_hr_system_or_portal_key_is_refused_and_gets_no_session(
    web: TestClient, role: Role
) -> None:
    response = web.post("/audit/login", data={"api_key": KEYS[role]})
    assert response.status_code == 403
    assert role.value in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert web.get("/audit/rankings", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("key", ["mk_not_a_key", "   "])
def test_an_unknown_or_empty_key_is_refused(web: TestClient, key: str) -> None:
    response = web.post("/audit/login", data={"api_key": key})
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_a_sign_in_from_another_site_is_refused(web: TestClient) -> None:
    response = web.post(
        "/audit/login",
        data={"api_key": KEYS[Role.AUDITOR]},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_a_forged_cookie_sends_back_to_sign_in(web: TestClient) -> None:
    web.cookies.set(SESSION_COOKIE, "eyJraWQiOiJ3ZWItYXVkaXRvciJ9.forged", path="/audit")
    response = web.get("/audit/rankings", follow_redirects=False)
    assert response.status_code == 303
    assert "expired=1" in response.headers["location"]


def test_signing_out_ends_the_session(auditor: TestClient) -> None:
    response = auditor.post("/audit/logout", follow_redirects=False)
    assert response.status_code == 303
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert auditor.get("/audit/rankings", follow_redirects=False).status_code == 303


# --- headers and language -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/audit/login", "/audit/rankings", "/audit/chain", "/audit/static/audit.css"]
)
def test_security_headers_are_on_every_audit_response(auditor: TestClient, path: str) -> None:
    response = auditor.get(path)
    assert response.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_pages_hold_no_inline_style_or_script(auditor: TestClient) -> None:
    _record(auditor, RID, datetime(2025, 2, 1, tzinfo=UTC))
    for path in ("/audit/rankings", f"/audit/rankings/{RID}", "/audit/chain"):
        text = auditor.get(path).text
        assert "<script" not in text
        assert "style=" not in text
        assert "<style" not in text


def test_the_api_keeps_its_own_headers(web: TestClient) -> None:
    """The API gets the service-wide headers, not the HTML pages' CSP and no-store."""
    headers = web.get("/healthz").headers
    assert headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in headers
    assert headers.get("cache-control") != "no-store"


def test_bahasa_indonesia_by_default_and_english_on_request(auditor: TestClient) -> None:
    assert 'lang="id"' in auditor.get("/audit/rankings").text
    english = auditor.get("/audit/rankings", params={"lang": "en"})
    assert 'lang="en"' in english.text
    assert "Recorded answers" in english.text
    # The choice is remembered.
    assert "Recorded answers" in auditor.get("/audit/rankings").text
    assert "Jawaban yang tercatat" in auditor.get("/audit/rankings", params={"lang": "id"}).text


# --- the list of answers --------------------------------------------------------------------


def test_filters_select_answers(auditor: TestClient) -> None:
    _record(auditor, "1" * 32, datetime(2025, 1, 10, 9, tzinfo=UTC), position_id="P1")
    _record(auditor, "2" * 32, datetime(2025, 2, 10, 9, tzinfo=UTC), position_id="P2")
    _record(auditor, "3" * 32, datetime(2025, 3, 10, 9, tzinfo=UTC), key_id="other")
    _decide(auditor, "2" * 32, NIPS[1], override=True)
    _decide(auditor, "1" * 32, NIPS[0], override=False)
    assert _listed(auditor) == ["3" * 32, "2" * 32, "1" * 32]  # newest first
    assert _listed(auditor, position_id="P1") == ["1" * 32]
    assert _listed(auditor, key_id="other") == ["3" * 32]
    assert _listed(auditor, date_from="2025-02-01") == ["3" * 32, "2" * 32]
    assert _listed(auditor, date_from="2025-02-10", date_to="2025-02-10") == ["2" * 32]
    assert _listed(auditor, overrides_only="1") == ["2" * 32]
    assert _listed(auditor, position_id="P404") == []


def test_bad_filters_are_explained_not_raised(auditor: TestClient) -> None:
    response = auditor.get(
        "/audit/rankings",
        params={"date_from": "2025-13-01", "page": "²", "lang": "en"},
    )
    assert response.status_code == 200
    assert "invalid date &#39;2025-13-01&#39;" in response.text
    assert "Invalid page number" in response.text
    swapped = auditor.get(
        "/audit/rankings", params={"date_from": "2025-03-01", "date_to": "2025-01-01"}
    )
    assert "is after the end date" in swapped.text  # English stays chosen (cookie)


def test_pages_hold_25_answers_and_link_to_the_next(auditor: TestClient) -> None:
    for i in range(27):
        _record(auditor, f"{i:032x}", datetime(2025, 1, 1, 0, i, tzinfo=UTC))
    first = auditor.get("/audit/rankings", params={"position_id": "P900"})
    assert len(re.findall(r'class="answer-link', first.text)) == 25
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    second_page = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert second_page is not None
    second = auditor.get(second_page.group(1).replace("&amp;", "&"))
    ids = re.findall(r'href="/audit/rankings/([0-9a-f]{32})"', second.text)
    assert ids == [f"{1:032x}", f"{0:032x}"]
    assert 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text


# --- one answer -----------------------------------------------------------------------------


def _waterfalls(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, flags=re.S)]


def test_an_answer_shows_lineage_reasons_eligibility_and_a_waterfall(auditor: TestClient) -> None:
    _record(auditor, RID, datetime(2025, 2, 1, tzinfo=UTC))
    response = auditor.get(f"/audit/rankings/{RID}", params={"lang": "en"})
    assert response.status_code == 200
    text = response.text
    for shown in ("run123", "2025.1", "abc123def456", "Dinas Kesehatan", NIPS[0], NIPS[1]):
        assert shown in text
    assert "Analis &lt;Kebijakan&gt;" in text  # escaped
    assert "reason field_sector_fit (+0.31)" in text
    assert "Grade below the requirement" in text
    assert "PP 11/2017" in text
    assert "No decision has been recorded" in text
    # Only the first candidate was explained; the second says so.
    assert "was not explained" in text
    (svg,) = _waterfalls(text)
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
    total = sum(float(r.get("data-contribution", "nan")) for r in bars)
    shap_total = sum(shap for _, shap in SHAP.values())
    assert total == pytest.approx(shap_total, abs=1e-9)
    assert float(svg.get("data-base", "nan")) == BASE
    assert float(svg.get("data-prediction", "nan")) == pytest.approx(BASE + shap_total)
    assert len(bars) == 11  # the 10 largest, then the 3 smallest lumped
    labels = " ".join("".join(t.itertext()) for t in svg.iter(f"{SVG}text"))
    assert "field_sector_fit = 1" in labels
    assert "3 other features" in labels


def test_an_answer_shows_the_decision_and_marks_the_chosen(auditor: TestClient) -> None:
    _record(auditor, RID, datetime(2025, 2, 1, tzinfo=UTC))
    _decide(auditor, RID, NIPS[1], override=True)
    text = auditor.get(f"/audit/rankings/{RID}", params={"lang": "en"}).text
    assert "Kepala BKD" in text
    assert "operational need" in text
    assert "Butuh segera" in text
    assert "not ranked first" in text
    assert re.search(r'class="card item chosen" id="rank-2"', text)
    assert not re.search(r'class="card item chosen" id="rank-1"', text)


def test_an_unknown_answer_is_a_404_page(auditor: TestClient) -> None:
    response = auditor.get("/audit/rankings/" + "f" * 32)
    assert response.status_code == 404
    assert "f" * 32 in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_model_pages_say_when_no_model_is_served(auditor: TestClient) -> None:
    for path in ("/audit/model-card", "/audit/fairness"):
        response = auditor.get(path)
        assert response.status_code == 503
        assert "Belum ada model yang dilayani" in response.text


# --- the chain ------------------------------------------------------------------------------


def test_the_chain_page_reports_intact_and_then_edited(auditor: TestClient, tmp_path: Path) -> None:
    _record(auditor, "1" * 32, datetime(2025, 1, 10, tzinfo=UTC))
    _record(auditor, "2" * 32, datetime(2025, 1, 11, tzinfo=UTC))
    intact = auditor.get("/audit/chain", params={"lang": "en"})
    assert "Chain intact: 2 records verified." in intact.text
    with sqlite3.connect(tmp_path / "audit.db") as db:
        db.execute("UPDATE audit_answers SET key_id = 'mallory' WHERE request_id = ?", ("1" * 32,))
    broken = auditor.get("/audit/chain", params={"lang": "en"})
    assert "Chain broken at record #1" in broken.text
    assert "1" * 32 in broken.text
