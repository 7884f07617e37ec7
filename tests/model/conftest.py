"""One small training run shared by the behavioural model tests, in a throw-away MLflow store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mutasi.settings import get_settings
from training.fitting import TrainConfig
from training.model import LgbParams
from training.train import TrainResult, train

# Small but real: enough rounds to learn the small province, few vacancies to rank.
TEST_CONFIG = TrainConfig(
    seed=7,
    params=LgbParams(num_boost_round=300, early_stopping_rounds=30),
    max_vacancies=40,
)


@pytest.fixture(scope="session")
def mlflow_var(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """MUTASI_VAR_DIR pointed at a temporary directory: SQLite store and artifacts inside."""
    var = tmp_path_factory.mktemp("var")
    patch = pytest.MonkeyPatch()
    patch.setenv("MUTASI_VAR_DIR", str(var))
    patch.delenv("MUTASI_MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    yield var
    patch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def trained(small_province: Path, mlflow_var: Path) -> TrainResult:
    """The model trained on the small province: registered as version 1, alias challenger."""
    return train(small_province, TEST_CONFIG)
