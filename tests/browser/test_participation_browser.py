"""Participation in a real headless Chromium: an auditor sees an employee's objection to a
plan, reviews it through the form, and the plan's export status changes; the plan's letter
renders with no missing text in Bahasa Indonesia and English (screenshots kept as test
artifacts, copied to var/test-artifacts/participation/); the public notice in both languages.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from serving.api.security import Role
from tests.browser.harness import Server, chromium, csp_violations, follow, screenshot, serve
from tests.code.participation_cases import HR, participation_app
from tests.serving_fixtures import KEYS, Champion

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "participation"
LETTER_HEADINGS = {
    "id": ["Mengapa jabatan ini", "Usulan Anda", "Dukungan yang direncanakan",
           "Jika Anda keberatan", "Keputusan ada pada manusia"],
    "en": ["Why this position", "Your wishes", "Support planned", "If you object",
           "A person decides"],
}  # fmt: skip
MISSING = re.compile(r"\{|\}|\bNone\b|\bnan\b|\bundefined\b")


@pytest.fixture(scope="module")
def server(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    client = participation_app(
        champion, tmp_path_factory.mktemp("browser_participation"), web_cookie_secure=False
    )
    with serve(client.app) as running:  # type: ignore[arg-type]
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chromium(tmp_path_factory.mktemp("chromium_participation")) as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Screenshots in the pytest tmp dir, copied to var/test-artifacts/ at the end."""
    directory = tmp_path_factory.mktemp("participation_shots")
    yield directory
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for shot in directory.glob("*.png"):
        shutil.copy2(shot, ARTIFACTS / shot.name)


def _post(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{server.base}{path}", json=body, headers=HR, timeout=120)
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture(scope="module")
def objected(server: Server) -> dict[str, str]:
    """A plan through the API (as an HR system makes it) and an objection to one of its moves."""
    state = server.app.state.holder.current
    view = state.view(server.app.state.clock())
    open_posts = state.position_code.to_numpy()[
        state.active_positions & (view.position_shortage > 0)
    ]
    vacancies = [{"position_id": str(p)} for p in open_posts[:6]]
    plan = _post(server, "/v1/plans", {"vacancies": vacancies, "policy": {"min_unit_share": 0.0}})
    move = next(m for v in plan["vacancies"] for m in v["assignments"])
    objection = _post(
        server,
        "/v1/objections",
        {
            "request_id": plan["request_id"],
            "nip": move["nip"],
            "category": "personal_circumstances",
            "reason": "Saya merawat orang tua yang sakit di kota ini.",
            "submitted_by": "portal: pegawai sendiri",
        },
    )
    return {"plan": plan["request_id"], "nip": move["nip"], "objection": objection["objection_id"]}


def _sign_in(browser: WebDriver) -> None:
    browser.find_element(By.ID, "api_key").send_keys(KEYS[Role.AUDITOR])
    follow(browser, "#login-submit", "/audit/")


def test_an_auditor_reviews_an_objection_and_the_export_status_changes(
    server: Server, browser: WebDriver, objected: dict[str, str], shots: Path
) -> None:
    browser.get(f"{server.base}/audit/objections")
    _sign_in(browser)
    browser.get(f"{server.base}/audit/objections?status=open")
    assert objected["objection"][:12] in browser.find_element(By.TAG_NAME, "table").text
    screenshot(browser, shots / "objections.png")
    follow(browser, f'a.objection-link[href$="{objected["objection"]}"]', objected["objection"])
    assert "Saya merawat orang tua" in browser.find_element(By.CSS_SELECTOR, "p.reason").text
    before = browser.find_element(By.ID, "export-status").text
    assert "keberatan terbuka" in before

    browser.find_element(By.ID, "outcome-rejected").click()
    browser.find_element(By.ID, "reviewed_by").send_keys("Dra. Rahmawati (Kepala Bidang Mutasi)")
    browser.find_element(By.ID, "reason").send_keys("Unit tujuan berada di kota yang sama.")
    follow(browser, "#review-submit", "reviewed=1")
    assert browser.find_element(By.ID, "objection-status").text == "ditolak"
    assert "Dra. Rahmawati" in browser.find_element(By.ID, "review").text
    after = browser.find_element(By.ID, "export-status").text
    assert after != before
    assert "Siap ditetapkan final" in after
    assert csp_violations(browser) == []
    screenshot(browser, shots / "objection_reviewed.png")
    status = httpx.get(f"{server.base}/v1/plans/{objected['plan']}/status", headers=HR).json()
    assert status["status"] == "ready"

    follow(browser, "#plan-link", f"/audit/plans/{objected['plan']}")
    assert "Siap ditetapkan final" in browser.find_element(By.ID, "export-status").text
    screenshot(browser, shots / "plan.png")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_letter_renders_with_no_missing_text(
    server: Server, browser: WebDriver, objected: dict[str, str], shots: Path, lang: str
) -> None:
    browser.get(f"{server.base}/audit/login")
    if "/audit/login" in browser.current_url:
        _sign_in(browser)
    browser.get(
        f"{server.base}/audit/plans/{objected['plan']}/letters/{objected['nip']}?lang={lang}"
    )
    letter = browser.find_element(By.CSS_SELECTOR, "section.letter")
    assert letter.get_attribute("lang") == lang
    headings = [h.text for h in letter.find_elements(By.TAG_NAME, "h2")]
    assert headings == LETTER_HEADINGS[lang]
    text = letter.text
    assert not MISSING.search(text), MISSING.search(text)
    for block in letter.find_elements(By.CSS_SELECTOR, "p, li"):
        assert block.text.strip(), block.get_attribute("outerHTML")
    assert objected["nip"] in text
    assert objected["plan"] in text
    assert letter.size["height"] > 600
    assert letter.size["width"] > 500
    assert csp_violations(browser) == []
    screenshot(browser, shots / f"letter_{lang}.png")


def test_the_public_notice_in_both_languages(
    server: Server, browser: WebDriver, shots: Path
) -> None:
    for lang, heading in (("id", "Yang tidak pernah dipakai"), ("en", "What is never used")):
        browser.get(f"{server.base}/notice?lang={lang}")
        assert heading in browser.find_element(By.ID, "never").text
        assert browser.find_elements(By.CSS_SELECTOR, "#assesses li")
        assert csp_violations(browser) == []
        screenshot(browser, shots / f"notice_{lang}.png")
