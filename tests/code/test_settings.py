"""Settings: embedded defaults need no server; environment variables switch them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mutasi.settings import Settings


def test_defaults_are_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(var_dir=tmp_path / "var")
    assert settings.tracking_uri == f"sqlite:///{tmp_path / 'var' / 'mlflow.db'}"
    assert settings.audit_url.startswith("sqlite:///")
    assert settings.artifact_root.startswith("file://")


def test_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTASI_MLFLOW_TRACKING_URI", "http://mlflow.internal:5000")
    monkeypatch.setenv("MUTASI_AUDIT_DB_URL", "postgresql+psycopg://u@db/audit")
    settings = Settings()
    assert settings.tracking_uri == "http://mlflow.internal:5000"
    assert settings.audit_url == "postgresql+psycopg://u@db/audit"


def test_the_fairness_settings_build_the_training_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typing import get_args

    from mutasi.settings import FairRerankAttribute
    from training.fairness_roles import PROTECTED, parts
    from training.fitting import TrainConfig

    # Every attribute FA*IR may be given is protected (or an intersection of protected ones).
    assert all(set(parts(a)) <= set(PROTECTED) for a in get_args(FairRerankAttribute))
    monkeypatch.setenv("MUTASI_FAIRNESS_RERANK_ALPHA", "0.3")
    monkeypatch.setenv("MUTASI_FAIRNESS_RERANK_ATTRIBUTES", '["gender"]')
    monkeypatch.setenv("MUTASI_FAIRNESS_PROPENSITY_WEIGHTS", "true")
    config = TrainConfig.from_settings(Settings(), seed=3)
    assert config.seed == 3
    assert config.ranking_policy.name == "fa*ir(target=0.8, alpha=0.3: gender)"
    assert config.propensity.name == "ipw(controls=20, clip=10)"
    monkeypatch.setenv("MUTASI_FAIRNESS_RERANK", "none")
    assert not TrainConfig.from_settings(Settings()).ranking_policy.active
    # A qualification (or a typo) is no attribute to re-rank on.
    monkeypatch.setenv("MUTASI_FAIRNESS_RERANK_ATTRIBUTES", '["education_level"]')
    with pytest.raises(ValueError, match="fairness_rerank_attributes"):
        Settings()
