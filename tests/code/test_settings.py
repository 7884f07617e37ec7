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
