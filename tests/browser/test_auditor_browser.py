"""An auditor's visit in a real headless Chromium against a real uvicorn server.

Sign in with an auditor key, open the list of answers, open a ranking, see its SHAP waterfall,
follow the link to the model card, switch to English, look at the fairness report and the chain,
sign out; screenshots go to a temporary directory (or ``MUTASI_SCREENSHOT_DIR``). Needs
Debian's ``chromium`` and ``chromium-driver``: skipped locally without them, a failure under CI
(``CI=true``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from serving.api.app import create_app
from serving.api.security import Role
from tests.browser.harness import (
    Server,
    chromium,
    csp_violations,
    follow,
    screenshot,
    screenshot_dir,
    serve,
)
from tests.serving_fixtures import KEYS, Champion, headers


@pytest.fixture(scope="module")
def server(champion: Champion) -> Iterator[Server]:
    """The service on a free port of 127.0.0.1, started in this process, ready to answer."""
    app = create_app(champion.settings(web_cookie_secure=False), clock=lambda: champion.today)
    with serve(app) as running:
        yield running


@pytest.fixture(scope="module")
def request_id(server: Server) -> str:
    """One ranking answered through the API, as an HR system would ask for it."""
    targets = sorted(server.app.state.holder.current.targets)
    response = httpx.post(
        f"{server.base}/v1/positions/{targets[len(targets) // 2]}/rankings",
        json={"k": 5, "explain_top": 3},
        headers=headers(Role.HR_SYSTEM),
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert len(body["candidates"]) >= 1
    return str(body["request_id"])


@pytest.fixture(scope="module")
def browser(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium with a fresh profile."""
    with chromium(tmp_path_factory.mktemp("chromium_profile")) as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go."""
    return screenshot_dir(tmp_path_factory)


def _sign_in(browser: WebDriver) -> None:
    browser.find_element(By.ID, "api_key").send_keys(KEYS[Role.AUDITOR])
    follow(browser, "#login-submit", "/audit/rankings")


def test_an_auditor_follows_a_ranking_to_its_waterfall_and_the_model_card(
    server: Server, request_id: str, browser: WebDriver, shots: Path
) -> None:
    base = server.base
    browser.get(f"{base}/audit/rankings")
    assert "/audit/login" in browser.current_url  # no session yet
    _sign_in(browser)
    assert browser.current_url == f"{base}/audit/rankings"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id"
    # The stylesheet loaded under the Content-Security-Policy.
    header = browser.find_element(By.CSS_SELECTOR, "header.top")
    assert header.value_of_css_property("background-color") == "rgba(11, 83, 148, 1)"

    screenshot(browser, shots / "answers.png")
    follow(browser, f'a.answer-link[href$="{request_id}"]', request_id)
    waterfalls = browser.find_elements(By.CSS_SELECTOR, "svg.waterfall")
    assert 1 <= len(waterfalls) <= 3  # explain_top=3
    first = waterfalls[0]
    assert first.is_displayed()
    assert first.size["width"] > 400
    assert first.size["height"] > 100
    bars = first.find_elements(By.CSS_SELECTOR, "rect.bar")
    assert len(bars) >= 2
    total = sum(float(bar.get_attribute("data-contribution") or "nan") for bar in bars)
    start = float(first.get_attribute("data-base") or "nan")
    end = float(first.get_attribute("data-prediction") or "nan")
    assert total == pytest.approx(end - start, abs=1e-9)
    assert all(bar.size["width"] >= 1 for bar in bars)
    screenshot(browser, shots / "answer.png")

    follow(browser, "#nav-model-card", "/audit/model-card")
    card = browser.find_element(By.ID, "model-card")
    assert card.is_displayed()
    assert card.find_elements(By.TAG_NAME, "table")
    screenshot(browser, shots / "model_card.png")

    follow(browser, 'header .langs a[lang="en"]', "lang=en")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Model card"
    assert csp_violations(browser) == []

    follow(browser, 'header nav a[href$="/audit/fairness"]', "/audit/fairness")
    assert browser.find_elements(By.CSS_SELECTOR, "section.fairness-table table")
    screenshot(browser, shots / "fairness.png")
    follow(browser, 'header nav a[href$="/audit/chain"]', "/audit/chain")
    assert browser.find_element(By.ID, "chain-status").text.startswith("Chain intact")
    assert csp_violations(browser) == []

    follow(browser, "header form button", "/audit/login")
    browser.get(f"{base}/audit/rankings")
    assert "/audit/login" in browser.current_url  # the session is gone


def test_the_session_cookie_is_out_of_reach_of_scripts_and_other_sites(
    server: Server, browser: WebDriver
) -> None:
    browser.get(f"{server.base}/audit/login")
    _sign_in(browser)
    cookie = browser.get_cookie("mutasi_audit_session")
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/audit"
    assert cookie["value"] != KEYS[Role.AUDITOR]
    assert browser.find_element(By.CSS_SELECTOR, "header form button").is_displayed()
    follow(browser, "header form button", "/audit/login")
    assert browser.get_cookie("mutasi_audit_session") is None
