"""An auditor's visit in a real headless Chromium against a real uvicorn server.

Sign in with an auditor key, open the list of answers, open a ranking, see its SHAP waterfall,
follow the link to the model card, switch to English, look at the fairness report and the chain,
sign out; screenshots go to a temporary directory (or ``MUTASI_SCREENSHOT_DIR``). Needs
Debian's ``chromium`` and ``chromium-driver``: skipped locally without them, a failure under CI
(``CI=true``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from serving.api.app import create_app
from serving.api.security import Role
from tests.serving_fixtures import KEYS, Champion, headers

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
START_SECONDS = 180  # the lifespan loads the model and the snapshot before serving


def _require_chromium() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    message = f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run under CI: {message}")
    pytest.skip(message)


@dataclass(frozen=True)
class Server:
    """A running service: its base URL and the app behind it."""

    base: str
    app: FastAPI


@pytest.fixture(scope="module")
def server(champion: Champion) -> Iterator[Server]:
    """The service on a free port of 127.0.0.1, started in this process, ready to answer."""
    _require_chromium()
    app = create_app(champion.settings(web_cookie_secure=False), clock=lambda: champion.today)
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))  # the port is ours from here on: no race for it
    port = listening.getsockname()[1]
    uvicorn_server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(
        target=uvicorn_server.run, kwargs={"sockets": [listening]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not uvicorn_server.started:
        assert thread.is_alive(), "uvicorn stopped during start-up"
        assert time.monotonic() < deadline, f"uvicorn not serving after {START_SECONDS} s"
        time.sleep(0.1)
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/readyz").status_code == 200
    yield Server(base, app)
    uvicorn_server.should_exit = True
    thread.join(timeout=30)
    listening.close()


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
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium_profile')}")
    options.add_argument("--window-size=1280,1600")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    )
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go."""
    configured = os.environ.get("MUTASI_SCREENSHOT_DIR")
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        return Path(configured)
    return tmp_path_factory.mktemp("screenshots")


def _screenshot(driver: WebDriver, path: Path) -> None:
    """A PNG of the whole page (the window is grown to the page's height first)."""
    height = driver.find_element(By.TAG_NAME, "body").size["height"]
    driver.set_window_size(1280, min(max(height + 120, 800), 8000))
    assert driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _csp_violations(driver: WebDriver) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


def _follow(browser: WebDriver, css: str, lands_on: str) -> None:
    """Click the element and wait until the browser shows the page it leads to."""
    browser.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(browser, 30).until(expected_conditions.url_contains(lands_on))
    WebDriverWait(browser, 30).until(
        lambda driver: driver.execute_script("return document.readyState") == "complete"
    )


def _sign_in(browser: WebDriver) -> None:
    browser.find_element(By.ID, "api_key").send_keys(KEYS[Role.AUDITOR])
    _follow(browser, "#login-submit", "/audit/rankings")


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

    _screenshot(browser, shots / "answers.png")
    _follow(browser, f'a.answer-link[href$="{request_id}"]', request_id)
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
    _screenshot(browser, shots / "answer.png")

    _follow(browser, "#nav-model-card", "/audit/model-card")
    card = browser.find_element(By.ID, "model-card")
    assert card.is_displayed()
    assert card.find_elements(By.TAG_NAME, "table")
    _screenshot(browser, shots / "model_card.png")

    _follow(browser, 'header .langs a[lang="en"]', "lang=en")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Model card"
    assert _csp_violations(browser) == []

    _follow(browser, 'header nav a[href$="/audit/fairness"]', "/audit/fairness")
    assert browser.find_elements(By.CSS_SELECTOR, "section.fairness-table table")
    _screenshot(browser, shots / "fairness.png")
    _follow(browser, 'header nav a[href$="/audit/chain"]', "/audit/chain")
    assert browser.find_element(By.ID, "chain-status").text.startswith("Chain intact")
    assert _csp_violations(browser) == []

    _follow(browser, "header form button", "/audit/login")
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
    _follow(browser, "header form button", "/audit/login")
    assert browser.get_cookie("mutasi_audit_session") is None
