"""Fault behaviour: an unreachable registry at start, a corrupted model or a snapshot that fails
validation on reload, a locked audit log. The service never answers without its audit record,
never half-loads, and says why it refuses."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mutasi.cli import app as cli
from mutasi.settings import get_settings
from serving.api.app import create_app
from serving.api.security import Role
from serving.state.fallback import ORIGIN_FILE
from tests.serving_fixtures import Champion, headers
from training import tracking

ADMIN, HR = headers(Role.ADMIN), headers(Role.HR_SYSTEM)


def _unreachable_store(tmp_path: Path) -> str:
    """A tracking URI that cannot be opened: its directory is a regular file."""
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("", encoding="utf-8")
    return f"sqlite:///{blocker / 'mlflow.db'}"


def _client(champion: Champion, **changes: Any) -> TestClient:
    return TestClient(create_app(champion.settings(**changes), clock=lambda: champion.today))


def _state(client: TestClient) -> Any:
    return client.app.state.holder.current  # type: ignore[attr-defined]


def _rank(client: TestClient) -> Any:
    position_id = sorted(_state(client).targets)[0]
    return client.post(f"/v1/positions/{position_id}/rankings", json={"k": 3}, headers=HR)


def _rank_any(client: TestClient) -> Any:
    """A ranking request that needs no loaded state to be formed."""
    return client.post("/v1/positions/J000001/rankings", headers=HR)


def _answer_content(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in {"request_id", "model"}}


def test_serve_exits_2_with_the_reason_when_a_model_is_required(
    champion: Champion, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MUTASI_REQUIRE_MODEL_AT_START", "true")
    monkeypatch.setenv("MUTASI_MLFLOW_TRACKING_URI", _unreachable_store(tmp_path))
    monkeypatch.setenv("MUTASI_AUDIT_DB_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    # Guard: were the start-up check to pass, the test must not block in a server.
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("server started"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("mutasi serve: no model/snapshot loaded: ")
    assert "Traceback" not in result.output


def test_without_the_requirement_the_service_starts_not_ready(
    champion: Champion, tmp_path: Path
) -> None:
    with _client(champion, mlflow_tracking_uri=_unreachable_store(tmp_path)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
        assert _rank_any(client).status_code == 503


def test_the_last_good_bundle_serves_when_the_registry_is_unreachable(
    champion: Champion, tmp_path: Path
) -> None:
    fallback = tmp_path / "fallback"
    with _client(champion, fallback_bundle_dir=fallback) as client:
        assert (fallback / ORIGIN_FILE).exists(), "a successful load leaves a local copy"
        served = _rank(client)
        run_id = _state(client).bundle.run_id
    broken = _unreachable_store(tmp_path)
    with _client(champion, fallback_bundle_dir=fallback, mlflow_tracking_uri=broken) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert _state(client).bundle.run_id == run_id
        assert "fallback copy" in _state(client).bundle.model_uri
        again = _rank(client)
    assert again.status_code == served.status_code == 200
    assert _answer_content(again.json()) == _answer_content(served.json())


def test_a_broken_fallback_copy_leaves_the_service_not_ready_with_both_reasons(
    champion: Champion, tmp_path: Path
) -> None:
    fallback = tmp_path / "fallback"
    fallback.mkdir()
    (fallback / ORIGIN_FILE).write_text("{}", encoding="utf-8")  # the rest is missing
    broken = _unreachable_store(tmp_path)
    with _client(champion, fallback_bundle_dir=fallback, mlflow_tracking_uri=broken) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "fallback bundle failed too" in ready.json()["detail"]


@contextmanager
def _corrupted_champion(champion: Champion) -> Iterator[None]:
    """The champion's stored booster file overwritten with garbage, restored afterwards."""
    settings = champion.settings()
    client = tracking.configure(settings)
    version = client.get_model_version_by_alias(settings.model_name, tracking.CHAMPION)
    model_id = str(version.source).removeprefix("models:/")  # MLflow 3: the logged model
    (booster,) = champion.var_dir.glob(f"mlartifacts/*/models/{model_id}/artifacts/model.lgb")
    original = booster.read_bytes()
    booster.write_bytes(b"this is not a LightGBM model\n")
    try:
        yield
    finally:
        booster.write_bytes(original)


def test_a_corrupted_model_is_refused_on_reload_and_the_old_one_serves(
    champion: Champion,
) -> None:
    with _client(champion) as client:
        before = _state(client)
        with _corrupted_champion(champion):
            reload = client.post("/v1/admin/reload", json={"model": True}, headers=ADMIN)
        assert reload.status_code == 409, reload.text
        assert reload.json()["detail"]
        assert _state(client) is before
        assert _rank(client).status_code == 200


def test_a_snapshot_failing_validation_is_refused_and_the_old_one_serves(
    champion: Champion, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for source in champion.province.iterdir():
        if source.is_file():
            (bad / source.name).write_bytes(source.read_bytes())
    employees = bad / "employees.csv"
    lines = employees.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    keep = [i for i, column in enumerate(header) if column != "nip"]  # a required column gone
    employees.write_text(
        "".join(",".join(line.rstrip("\n").split(",")[i] for i in keep) + "\n" for line in lines),
        encoding="utf-8",
    )
    with _client(champion) as client:
        before = _state(client)
        reload = client.post(
            "/v1/admin/reload",
            json={"model": False, "snapshot": True, "data_dir": str(bad)},
            headers=ADMIN,
        )
        assert reload.status_code == 409, reload.text
        detail = reload.json()["detail"]
        assert "employees" in detail
        assert "nip" in detail
        assert _state(client) is before
        assert _rank(client).json()["model"]["snapshot_id"] == before.snapshot_id


def _answers(audit_db: Path) -> int:
    with sqlite3.connect(audit_db) as connection:
        return int(connection.execute("SELECT count(*) FROM audit_answers").fetchone()[0])


def test_a_locked_audit_log_answers_503_and_nothing_unrecorded(
    champion: Champion, tmp_path: Path
) -> None:
    audit_db = tmp_path / "audit.db"
    with _client(champion, audit_db_url=f"sqlite:///{audit_db}") as client:
        assert _rank(client).status_code == 200
        recorded = _answers(audit_db)
        # Another process holds the write lock past the store's busy timeout.
        locker = sqlite3.connect(audit_db, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            refused = _rank(client)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert refused.status_code == 503, refused.text
        assert "audit" in refused.json()["detail"]
        assert "candidates" not in refused.json()
        assert _answers(audit_db) == recorded
        assert _rank(client).status_code == 200, "the service recovers once the lock is gone"
