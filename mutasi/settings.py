"""All configuration in one place: environment variables with prefix ``MUTASI_`` or a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Service and pipeline settings. Embedded defaults need no server: SQLite and local files."""

    model_config = SettingsConfigDict(env_prefix="MUTASI_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Root for MLflow store, artifacts, audit DB.")
    data_dir: Path = Field(
        Path("var/data/gorontalo"), description="HR snapshot (contract directory) to serve."
    )
    mlflow_tracking_uri: str | None = Field(
        None, description="Tracking/registry URI; default sqlite:///<var_dir>/mlflow.db."
    )
    mlflow_experiment: str = "mutasi"
    model_name: str = "mutasi-fit"
    audit_db_url: str | None = Field(
        None, description="SQLAlchemy URL of the audit log; default sqlite:///<var_dir>/audit.db."
    )
    rules_file: Path | None = Field(
        None, description="Eligibility rule parameters (YAML); default: the packaged rule set."
    )
    min_years_in_position: float | None = Field(
        None, description="Overrides the rule set's minimum years in position (e.g. 0.5)."
    )

    @property
    def tracking_uri(self) -> str:
        """MLflow tracking URI, defaulting to a SQLite store under ``var_dir``."""
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.var_dir / 'mlflow.db').resolve()}"

    @property
    def artifact_root(self) -> str:
        """Where MLflow writes artifacts for experiments it creates."""
        return (self.var_dir / "mlartifacts").resolve().as_uri()

    @property
    def audit_url(self) -> str:
        """SQLAlchemy URL of the audit log, defaulting to SQLite under ``var_dir``."""
        if self.audit_db_url:
            return self.audit_db_url
        return f"sqlite:///{(self.var_dir / 'audit.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (tests clear the cache with ``get_settings.cache_clear()``)."""
    return Settings()
