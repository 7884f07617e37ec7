"""What the browser tests share: the service on a free local port, headless Chromium, and
screenshots. Needs Debian's ``chromium`` and ``chromium-driver``: skipped locally without them,
a failure under CI (``CI=true``)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

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


def require_chromium() -> None:
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


@contextmanager
def serve(app: FastAPI) -> Iterator[Server]:
    """``app`` on a free port of 127.0.0.1, started in this process, ready to answer."""
    require_chromium()
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
    try:
        assert httpx.get(f"{base}/readyz").status_code == 200
        yield Server(base, app)
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=30)
        listening.close()


@contextmanager
def chromium(profile: Path) -> Iterator[WebDriver]:
    """Headless Chromium with a fresh profile in ``profile``."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
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


def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go."""
    configured = os.environ.get("MUTASI_SCREENSHOT_DIR")
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        return Path(configured)
    return tmp_path_factory.mktemp("screenshots")


def screenshot(driver: WebDriver, path: Path) -> None:
    """A PNG of the whole page (the window is grown to the page's height first)."""
    height = driver.find_element(By.TAG_NAME, "body").size["height"]
    driver.set_window_size(1280, min(max(height + 120, 800), 8000))
    assert driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def csp_violations(driver: WebDriver) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


def follow(browser: WebDriver, css: str, lands_on: str) -> None:
    """Click the element and wait until the browser shows the page it leads to.

    The old page must go stale first: a URL test alone passes at once when the page being left
    already names the target (``/audit/login?next=/audit/rankings`` contains ``/audit/rankings``),
    and the next step would then run on the old page.
    """
    leaving = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(leaving))
    WebDriverWait(browser, 30).until(expected_conditions.url_contains(lands_on))
    WebDriverWait(browser, 30).until(
        lambda driver: driver.execute_script("return document.readyState") == "complete"
    )
