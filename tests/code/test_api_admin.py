"""GET /v1/model and POST /v1/admin/reload: atomic swaps, failed loads keep the old state."""

from __future__ import annotations

import gc
import shutil
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.api.security import Role
from serving.state import memory
from tests.serving_fixtures import Champion, headers

ADMIN, HR = headers(Role.ADMIN), headers(Role.HR_SYSTEM)


@pytest.fixture
def fresh_api(champion: Champion) -> Iterator[TestClient]:
    """An app of its own: these tests swap its state."""
    with TestClient(create_app(champion.settings(), clock=lambda: champion.today)) as client:
        yield client


def _state(client: TestClient) -> Any:
    return client.app.state.holder.current  # type: ignore[attr-defined]


def test_model_info_names_the_champion_its_features_and_rules(fresh_api: TestClient) -> None:
    response = fresh_api.get("/v1/model", headers=headers(Role.AUDITOR))
    assert response.status_code == 200
    info = response.json()
    state = _state(fresh_api)
    assert info["name"] == "mutasi-fit"
    assert info["version"] == state.bundle.version
    assert info["run_id"] == state.bundle.run_id
    assert [f["name"] for f in info["features"]] == state.feature_names
    assert info["rule_set"]["version"] == state.rule_set.version
    assert {r["rule_id"] for r in info["rule_set"]["rules"]} >= {"pppk_excluded", "same_position"}
    assert info["metrics"], "training metrics travel with the model"
    assert info["snapshot_id"] == state.snapshot_id


def test_a_reload_swaps_the_state_atomically_under_load(fresh_api: TestClient) -> None:
    position_id = sorted(_state(fresh_api).targets)[0]
    before = _state(fresh_api)
    failures: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            r = fresh_api.post(f"/v1/positions/{position_id}/rankings", json={"k": 3}, headers=HR)
            if r.status_code != 200:
                failures.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        reload = fresh_api.post(
            "/v1/admin/reload", json={"model": True, "snapshot": True}, headers=ADMIN
        )
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert reload.status_code == 200, reload.text
    assert reload.json()["reloaded"] == ["model", "snapshot"]
    assert _state(fresh_api) is not before
    assert failures == []


def test_a_reload_releases_the_state_it_replaces(fresh_api: TestClient) -> None:
    # Memory stays flat reload after reload only if nothing keeps a replaced state alive.
    position_id = sorted(_state(fresh_api).targets)[0]
    served = fresh_api.post(f"/v1/positions/{position_id}/rankings", json={"k": 3}, headers=HR)
    assert served.status_code == 200
    old_state, old_dataset = weakref.ref(_state(fresh_api)), weakref.ref(_state(fresh_api).dataset)
    reload = fresh_api.post(
        "/v1/admin/reload", json={"model": True, "snapshot": True}, headers=ADMIN
    )
    assert reload.status_code == 200, reload.text
    gc.collect()
    assert old_state() is None
    assert old_dataset() is None


def test_a_reload_hands_the_freed_pages_back(
    fresh_api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    trims: list[int] = []
    monkeypatch.setattr(memory, "malloc_trim", lambda: trims.append)
    reload = fresh_api.post("/v1/admin/reload", json={"model": True}, headers=ADMIN)
    assert reload.status_code == 200, reload.text
    deadline = time.monotonic() + 10
    while not trims and time.monotonic() < deadline:  # once the replaced state is freed
        time.sleep(0.05)
    assert trims == [0]


def test_a_failed_reload_keeps_the_old_state_and_says_why(
    fresh_api: TestClient, tmp_path: Path
) -> None:
    before = _state(fresh_api)
    missing = fresh_api.post(
        "/v1/admin/reload",
        json={"model": False, "snapshot": True, "data_dir": str(tmp_path / "nowhere")},
        headers=ADMIN,
    )
    assert missing.status_code == 409
    assert "not a directory" in missing.json()["detail"]
    assert _state(fresh_api) is before
    assert fresh_api.get("/readyz").json()["status"] == "ready"
    position_id = sorted(before.targets)[0]
    ok = fresh_api.post(f"/v1/positions/{position_id}/rankings", json={"k": 1}, headers=HR)
    assert ok.status_code == 200
    assert ok.json()["model"]["snapshot_id"] == before.snapshot_id


def test_a_reload_of_a_broken_snapshot_is_refused(
    fresh_api: TestClient, champion: Champion, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(champion.province, broken)
    next(broken.glob("employees.*")).unlink()
    before = _state(fresh_api)
    response = fresh_api.post(
        "/v1/admin/reload",
        json={"model": False, "snapshot": True, "data_dir": str(broken)},
        headers=ADMIN,
    )
    assert response.status_code == 409
    assert "employees" in response.json()["detail"]
    assert _state(fresh_api) is before


def test_a_new_snapshot_changes_the_snapshot_id(
    fresh_api: TestClient, champion: Champion, tmp_path: Path
) -> None:
    changed = tmp_path / "changed"
    shutil.copytree(champion.province, changed)
    performance = next(changed.glob("performance.csv"))
    lines = performance.read_text(encoding="utf-8").splitlines(keepends=True)
    performance.write_text("".join(lines[:-1]), encoding="utf-8")  # one SKP row fewer
    before = _state(fresh_api).snapshot_id
    response = fresh_api.post(
        "/v1/admin/reload",
        json={"model": False, "snapshot": True, "data_dir": str(changed)},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    changed_id = response.json()["model"]["snapshot_id"]
    assert changed_id != before
    assert _state(fresh_api).snapshot_id == changed_id
    again = fresh_api.post("/v1/admin/reload", json={"snapshot": True}, headers=ADMIN)
    assert again.status_code == 200, again.text
    assert again.json()["model"]["snapshot_id"] == changed_id  # re-reads the served directory


def test_reload_bodies_are_validated(fresh_api: TestClient) -> None:
    nothing = fresh_api.post(
        "/v1/admin/reload", json={"model": False, "snapshot": False}, headers=ADMIN
    )
    assert nothing.status_code == 422
    stray = fresh_api.post(
        "/v1/admin/reload", json={"model": True, "data_dir": "/tmp"}, headers=ADMIN
    )
    assert stray.status_code == 422


def test_without_a_champion_the_service_is_alive_but_not_ready(champion: Champion) -> None:
    settings = champion.settings(serve_model="no-such-alias")
    with TestClient(create_app(settings, clock=lambda: champion.today)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "no-such-alias" in ready.json()["detail"]
        position = client.post("/v1/positions/P1/rankings", headers=HR)
        assert position.status_code == 503
