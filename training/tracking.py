"""MLflow plumbing: store location, experiments, lineage tags, model logging, registry aliases.

The store is embedded (SQLite under ``var_dir`` unless ``MUTASI_MLFLOW_TRACKING_URI`` says
otherwise) and artifacts live under ``var_dir/mlartifacts/<experiment>``. The registry uses
aliases (``champion``, ``challenger``), not the deprecated stages.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import mlflow
import mlflow.lightgbm
import numpy as np
import pandas as pd
from lightgbm import Booster
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.models.model import ModelInfo

from mutasi.settings import Settings, get_settings

CHAMPION, CHALLENGER = "champion", "challenger"
PROMOTIONS_EXPERIMENT = "mutasi-promotions"
EVALUATIONS_EXPERIMENT = "mutasi-evaluations"
INPUT_EXAMPLE_ROWS = 5


def configure(settings: Settings | None = None) -> MlflowClient:
    """Point MLflow (tracking and registry) at the configured store; returns a client."""
    settings = settings or get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    # tqdm bars from artifact downloads would tear through the CLI's rich progress display.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_registry_uri(settings.tracking_uri)
    return MlflowClient(settings.tracking_uri, settings.tracking_uri)


def ensure_experiment(name: str, settings: Settings | None = None) -> str:
    """Id of the experiment ``name``, created with its artifacts under ``var_dir`` if new."""
    settings = settings or get_settings()
    existing = mlflow.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    return mlflow.create_experiment(name, artifact_location=f"{settings.artifact_root}/{name}")


def _git(*args: str) -> str | None:
    """Output of a read-only git command in the project directory; None if it fails."""
    cwd = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def git_commit() -> str:
    """The checked-out commit of the project, or ``"unknown"`` outside a git work tree."""
    return (_git("rev-parse", "HEAD") or "").strip() or "unknown"


def git_dirty() -> str:
    """``"true"`` if tracked or new files differ from the commit, ``"unknown"`` without git."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return "unknown" if status is None else str(bool(status.strip())).lower()


def log_lightgbm_model(
    booster: Booster, features: pd.DataFrame, registered_model_name: str
) -> ModelInfo:
    """Log and register the regressor with signature and input example (native flavour)."""
    example = features.iloc[:INPUT_EXAMPLE_ROWS]
    signature = infer_signature(example, np.asarray(booster.predict(example)))
    info: ModelInfo = mlflow.lightgbm.log_model(
        booster,
        name="model",
        signature=signature,
        input_example=example,
        registered_model_name=registered_model_name,
        pip_requirements=model_requirements(),
    )
    return info


def model_requirements() -> list[str]:
    """Pinned runtime of the logged model (stated, not inferred: inference imports the model in
    a subprocess, slow and no more precise for a native booster)."""
    import lightgbm

    return [
        f"lightgbm=={lightgbm.__version__}",
        f"numpy=={np.__version__}",
        f"pandas=={pd.__version__}",
        f"mlflow=={mlflow.__version__}",
    ]


def version_by_alias(client: MlflowClient, model_name: str, alias: str) -> ModelVersion | None:
    """The model version an alias points at, or None (no alias, or no such model yet)."""
    try:
        return client.get_model_version_by_alias(model_name, alias)
    except MlflowException:
        return None


def set_alias(client: MlflowClient, model_name: str, alias: str, version: str) -> None:
    """Point ``alias`` at ``version`` (moving it if it pointed elsewhere)."""
    client.set_registered_model_alias(model_name, alias, version)


def tag_version(client: MlflowClient, model_name: str, version: str, tags: dict[str, str]) -> None:
    """Set tags on a model version."""
    for key, value in tags.items():
        client.set_model_version_tag(model_name, version, key, value)
