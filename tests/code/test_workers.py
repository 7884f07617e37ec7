"""Several uvicorn workers: `mutasi serve --workers` starts them from the app factory, each loads
its own state, all append to one audit chain, and a reload that would reach one worker only is
refused with the way to reload them all."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from benchmarks._server import free_port, replace_workers, wait_ready, worker_pids
from mutasi.cli import app as cli
from mutasi.settings import get_settings
from serving.api.app import create_app
from serving.api.security import Role
from serving.audit import AuditStore
from tests.serving_fixtures import Champion, headers

ROOT = Path(__file__).resolve().parents[2]


def test_serve_with_several_workers_starts_them_from_the_factory(
    champion: Champion, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setenv("MUTASI_AUDIT_DB_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    monkeypatch.delenv("MUTASI_WORKERS", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--workers", "3", "--port", "8123"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (args, kwargs) = calls[0]
    assert args == ("serving.api.app:create_app",)
    assert kwargs["factory"] is True
    assert (kwargs["workers"], kwargs["port"]) == (3, 8123)
    # uvicorn's 5 s default gave up on every new worker still loading its state under load
    assert kwargs["timeout_worker_healthcheck"] == get_settings().worker_start_seconds >= 60
    # idle connections outlive the clients' pools: the client closes first (no lost request)
    assert kwargs["timeout_keep_alive"] == get_settings().keep_alive_seconds > 5
    assert os.environ["MUTASI_WORKERS"] == "3"  # what the workers' settings read
    assert "MUTASI_WEB_SESSION_SECRET" in result.output


def test_a_reload_in_one_of_several_workers_is_refused(
    champion: Champion, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(champion.settings(), clock=lambda: champion.today)
    with TestClient(app) as client:
        monkeypatch.setattr("serving.state.several_workers", lambda: True)
        refused = client.post("/v1/admin/reload", json={"model": True}, headers=headers(Role.ADMIN))
    assert refused.status_code == 409
    assert "kill -HUP" in refused.json()["detail"]


@pytest.mark.slow
def test_two_workers_answer_and_write_one_chain(champion: Champion, tmp_path: Path) -> None:
    audit_url = f"sqlite:///{tmp_path / 'audit.db'}"
    port = free_port()
    env = {**os.environ, "MUTASI_AUDIT_DB_URL": audit_url, "MUTASI_WORKERS": "2"}
    cmd = [sys.executable, "-m", "uvicorn", "serving.api.app:create_app", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
           "--log-level", "warning"]  # fmt: skip
    log = (tmp_path / "server.log").open("w+b")
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(server, log, url, "/readyz", cmd)
        assert len(worker_pids(server.pid)) == 2
        positions = pd.read_csv(champion.province / "positions.csv", dtype=str)
        active = positions.loc[positions["is_active"].str.lower() == "true", "position_id"]
        statuses: list[int] = []

        def rank() -> None:
            for i in range(10):  # a new connection each time: either worker may take it
                with httpx.Client(base_url=url, headers=headers(Role.HR_SYSTEM)) as client:
                    path = f"/v1/positions/{active.iloc[i]}/rankings"
                    statuses.append(client.post(path, json={"k": 3}).status_code)

        threads = [threading.Thread(target=rank) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [200] * 40
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    store = AuditStore(audit_url)
    report = store.verify()
    assert report.ok, report.first_broken
    assert report.n_records == 40
    store.dispose()


def _healthz_failure(client: httpx.Client) -> str | None:
    """None if ``/healthz`` answered 200, else what went wrong. A retiring worker closes its
    keep-alive connections: a request sent at that instant is retried once on a new
    connection, as HTTP clients do."""
    for attempt in (1, 2):
        try:
            status = client.get("/healthz").status_code
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            if attempt == 2:
                return repr(exc)
            continue
        except httpx.HTTPError as exc:
            return repr(exc)
        return None if status == 200 else str(status)
    return None  # pragma: no cover - the loop always returns


@pytest.mark.slow
def test_a_rolling_restart_under_steady_traffic_replaces_every_worker(
    champion: Champion, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, "MUTASI_AUDIT_DB_URL": f"sqlite:///{tmp_path / 'audit.db'}"}
    cmd = [sys.executable, "-c", "from mutasi.cli import app; app()", "serve", "--workers", "2",
           "--port", str(port)]  # fmt: skip
    log = (tmp_path / "server.log").open("w+b")
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    failures: list[str] = []

    def keep_alive_traffic() -> None:  # never idle: the case that made restarts give up
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                failure = _healthz_failure(client)
                if failure is not None:
                    failures.append(failure)

    threads = [threading.Thread(target=keep_alive_traffic) for _ in range(6)]
    try:
        wait_ready(server, log, url, "/readyz", cmd)
        old = set(worker_pids(server.pid))
        for thread in threads:
            thread.start()
        time.sleep(1)
        replaced = replace_workers(server.pid, 2, timeout=180, poll=0.5)
        now = set(worker_pids(server.pid))
        assert not now & old, f"old workers {sorted(now & old)} still serve"
        assert len(now) == 2, f"workers {sorted(old)} -> {sorted(now)}"
        assert replaced
    finally:
        stop.set()
        for thread in threads:
            if thread.ident is not None:  # started
                thread.join()
        server.terminate()
        server.wait(timeout=60)
        log.close()
    assert not failures, failures[:5]
