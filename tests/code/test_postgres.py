"""PostgreSQL for real: the audit chain written by two service processes at once, and MLflow's
tracking and registry store on PostgreSQL (train, register, set @champion, load back).

The server is the ``postgres_urls`` fixture's (tests/conftest.py): exported by ``.ci/run`` or a
throw-away cluster of the session; under CI a missing server fails these tests. They use the
audit store's public API only (``record``, ``record_decision``, ``verify``), so they hold
whatever the store does inside an append.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy import create_engine, text

from mutasi.settings import get_settings
from serving.api.security import Role
from serving.audit import AuditStore
from serving.audit.tables import Base
from tests.serving_fixtures import KEYS, Champion

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture
def audit_url(postgres_urls: dict[str, str]) -> str:
    """The scratch audit database, emptied."""
    engine = create_engine(postgres_urls["audit"])
    Base.metadata.drop_all(engine)
    engine.dispose()
    return postgres_urls["audit"]


# Each process appends answers and a decision on every fifth one, as fast as it can, from the
# moment a shared start file appears (so the two really overlap).
APPENDER = """
import sys, time
from pathlib import Path
from serving.audit import AuditStore
from tests.code.test_audit_chain import answer, decision
url, name, n, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = AuditStore(url)
store.create_schema()
while not start.exists():
    time.sleep(0.01)
for i in range(n):
    store.record(answer(f"{name}-{i}"))
    if i % 5 == 0:
        store.record_decision(decision(f"{name}-{i}"))
store.dispose()
"""


def test_two_store_processes_append_to_one_chain(audit_url: str, tmp_path: Path) -> None:
    start = tmp_path / "go"
    n = 40
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, audit_url, name, str(n), str(start)], cwd=ROOT
        )
        for name in ("proc-a", "proc-b")
    ]
    time.sleep(1.0)  # both have imported and created the schema (create_schema is idempotent)
    start.touch()
    assert [w.wait(timeout=180) for w in writers] == [0, 0]
    store = AuditStore(audit_url)
    report = store.verify()
    assert report.ok, report.first_broken
    assert report.n_records == 2 * (n + n // 5)
    assert report.head_seq == report.n_records  # one gap-free sequence across both processes
    engine = create_engine(audit_url)
    with engine.connect() as connection:
        prefixes = connection.execute(
            text("SELECT split_part(request_id, '-', 2), count(*) FROM audit_answers GROUP BY 1")
        ).all()
    engine.dispose()
    assert sorted(prefixes) == [("a", n), ("b", n)]
    store.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_services(champion: Champion, audit_url: str) -> Iterator[list[str]]:
    """Two `mutasi serve` processes on the champion, both logging to the one PG database."""
    env = {**os.environ, "MUTASI_AUDIT_DB_URL": audit_url, "MUTASI_REQUIRE_MODEL_AT_START": "true"}
    ports = [_free_port(), _free_port()]
    mutasi = str(Path(sys.executable).with_name("mutasi"))
    procs = [
        subprocess.Popen(
            [mutasi, "serve", "--port", str(p), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for p in ports
    ]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        deadline = time.monotonic() + 180
        for proc, base in zip(procs, bases, strict=True):
            while not _ready(base):
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode() if proc.stderr else "died")
                assert time.monotonic() < deadline, "a service did not become ready in 180 s"
                time.sleep(0.25)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_service_processes_write_one_verifiable_chain(
    two_services: list[str], champion: Champion, audit_url: str
) -> None:
    """Rankings and decisions sent to two services at once: every answer is in one chain."""
    store = AuditStore(audit_url)
    positions = _open_positions(two_services[0], champion)[:6]
    hr = {"X-API-Key": KEYS[Role.HR_SYSTEM]}
    body = {"k": 3, "as_of": champion.today.isoformat()}

    def rank(i: int) -> str:
        base = two_services[i % 2]
        position = positions[i % len(positions)]
        response = httpx.post(
            f"{base}/v1/positions/{position}/rankings", json=body, headers=hr, timeout=60
        )
        assert response.status_code == 200, response.text
        return str(response.json()["request_id"])

    with ThreadPoolExecutor(8) as pool:
        request_ids = list(pool.map(rank, range(24)))
    report = store.verify()
    assert report.ok, report.first_broken
    assert report.n_records == 24
    store.dispose()
    engine = create_engine(audit_url)
    with engine.connect() as connection:
        logged = connection.execute(text("SELECT request_id FROM audit_answers")).scalars()
        assert set(logged) == set(request_ids)
    engine.dispose()


def _open_positions(base: str, champion: Champion) -> list[str]:
    """Active positions with a shortage, from the served snapshot."""
    import pandas as pd

    from features.data import load_dataset

    dataset = load_dataset(champion.province)
    employees = dataset.employees["position_id"].value_counts()
    positions = dataset.positions
    need = positions.set_index("position_id")["abk_need"]
    shortage = need - employees.reindex(need.index).fillna(0)
    active = positions.set_index("position_id")["is_active"].astype(bool)
    chosen = shortage[(shortage > 0) & active].index
    assert len(chosen) >= 6, base
    return [str(p) for p in pd.Index(chosen)]


def test_mlflow_registry_on_postgres(
    postgres_urls: dict[str, str],
    small_province: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Train a small model with the tracking store on PG, promote it, load it back."""
    from training import tracking
    from training.bundle import load_bundle
    from training.fitting import TrainConfig
    from training.model import LgbParams
    from training.train import train

    engine = create_engine(postgres_urls["mlflow"])
    with engine.begin() as connection:  # a fresh store: MLflow creates its schema itself
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    monkeypatch.setenv("MUTASI_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MUTASI_MLFLOW_TRACKING_URI", postgres_urls["mlflow"])
    get_settings.cache_clear()
    try:
        config = TrainConfig(
            seed=7, params=LgbParams(num_boost_round=30, early_stopping_rounds=10), max_vacancies=10
        )
        result = train(small_province, config)
        assert result.model_version == "1"
        settings = get_settings()
        assert settings.tracking_uri.startswith("postgresql")
        client = tracking.configure(settings)
        tracking.set_alias(client, settings.model_name, tracking.CHAMPION, result.model_version)
        bundle = load_bundle("champion", settings)
        assert (bundle.run_id, bundle.version) == (result.run_id, "1")
        features = result.parts["test"].features.iloc[:50]
        np.testing.assert_array_equal(
            bundle.model.predict(features), result.model.predict(features)
        )
    finally:
        get_settings.cache_clear()
    engine = create_engine(postgres_urls["mlflow"])
    with engine.connect() as connection:  # the registry rows live in PostgreSQL
        aliases = connection.execute(text("SELECT alias, version FROM registered_model_aliases"))
        assert sorted(tuple(r) for r in aliases) == [("challenger", 1), ("champion", 1)]
    engine.dispose()
