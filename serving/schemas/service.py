"""Answers about the service itself: the served model (``/v1/model``), reloads, health."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from serving.schemas.common import JsonBool, ServedModel


class ReloadRequest(BaseModel):
    """What to reload: the champion model and/or the HR snapshot."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"model": True, "snapshot": False}]},
    )

    model: JsonBool = Field(True, description="Load the current champion from the registry.")
    snapshot: JsonBool = Field(False, description="Load the HR snapshot again (or from data_dir).")
    data_dir: str | None = Field(
        None, description="Contract directory of the new snapshot (default: the one served now)."
    )

    @model_validator(mode="after")
    def _something(self) -> ReloadRequest:
        if not (self.model or self.snapshot):
            raise ValueError("nothing to reload: set model and/or snapshot")
        if self.data_dir is not None and not self.snapshot:
            raise ValueError("data_dir needs snapshot=true")
        return self


class FeatureInfo(BaseModel):
    """One model feature as the catalogue describes it."""

    name: str
    meaning_en: str
    meaning_id: str
    unit: str
    group: str
    monotone: int


class ModelInfo(BaseModel):
    """The served model, its metrics, features and rule set."""

    name: str
    version: str
    run_id: str
    model_uri: str
    metrics: dict[str, float] = Field(description="Test-split metrics logged by training.")
    interval_level: float
    interval_half_width: float = Field(description="Conformal half-width, in rating points.")
    trained_on_snapshot_id: str
    trained_with_rule_set_version: str
    snapshot_id: str = Field(description="The HR snapshot served now.")
    snapshot_export_date: date | None
    features: list[FeatureInfo]
    rule_set: dict[str, Any]
    loaded_at: str


class ReloadResponse(BaseModel):
    """Outcome of a reload: what now serves."""

    status: Literal["reloaded"]
    reloaded: list[str]
    model: ServedModel
    seconds: float


class Health(BaseModel):
    """Liveness / readiness."""

    status: Literal["ok", "ready", "not_ready"]
    detail: str | None = None
    model: ServedModel | None = None
