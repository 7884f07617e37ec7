"""A trained champion of the small province in a throw-away MLflow store, and API clients on it.

Fixtures for the API tests (tests/code/test_api_*.py, tests/code/test_audit.py), registered
with ``pytest_plugins`` in tests/conftest.py so that the session trains once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mutasi.settings import Settings, get_settings
from serving.api.app import create_app
from serving.api.security import Role, key_line
from training import tracking
from training.fitting import TrainConfig
from training.model import LgbParams
from training.train import train

# Small but real: the same size of run as the behavioural model tests use.
SERVING_TRAIN_CONFIG = TrainConfig(
    seed=7, params=LgbParams(num_boost_round=300, early_stopping_rounds=30), max_vacancies=40
)
# Fixed test keys (never used outside tests); settings only ever see their hashes.
KEYS: dict[Role, str] = {role: f"mk_test_{role.value}_0123456789abcdef" for role in Role}
MAX_POOL = 50


@dataclass(frozen=True)
class Champion:
    """Where the champion lives and how to reach the API built on it."""

    var_dir: Path
    province: Path
    model_version: str
    today: date

    def settings(self, **changes: object) -> Settings:
        """Serving settings on this store (``changes`` override fields)."""
        return get_settings().model_copy(update=changes)


def headers(role: Role) -> dict[str, str]:
    """Request headers carrying the test key of a role."""
    return {"X-API-Key": KEYS[role]}


@pytest.fixture(scope="session")
def champion(small_province: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Champion]:
    """The small province's model, trained once and promoted to ``champion``."""
    var = tmp_path_factory.mktemp("serving_var")
    patch = pytest.MonkeyPatch()
    patch.setenv("MUTASI_VAR_DIR", str(var))
    patch.delenv("MUTASI_MLFLOW_TRACKING_URI", raising=False)
    patch.delenv("MUTASI_AUDIT_DB_URL", raising=False)
    patch.setenv("MUTASI_DATA_DIR", str(small_province))
    patch.setenv("MUTASI_MAX_POOL_SIZE", str(MAX_POOL))
    patch.setenv(
        "MUTASI_API_KEYS",
        json.dumps([key_line(f"test-{role.value}", role, key) for role, key in KEYS.items()]),
    )
    get_settings.cache_clear()
    result = train(small_province, SERVING_TRAIN_CONFIG)
    assert result.model_version is not None
    settings = get_settings()
    client = tracking.configure(settings)
    tracking.set_alias(client, settings.model_name, tracking.CHAMPION, result.model_version)
    # "Today" sits just after the export, as in a service that serves the latest snapshot.
    export = result.prepared.inputs.dataset.export_date
    today = export.date() if export is not None else date.today()
    yield Champion(var, small_province, result.model_version, today)
    patch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def api(champion: Champion) -> Iterator[TestClient]:
    """A running app (lifespan done: model and snapshot loaded) on the champion."""
    app = create_app(champion.settings(), clock=lambda: champion.today)
    with TestClient(app) as client:
        yield client
