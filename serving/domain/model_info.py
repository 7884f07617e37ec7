"""What ``GET /v1/model`` tells: the served model, its metrics, features and rule set."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from serving.schemas.service import FeatureInfo, ModelInfo
from serving.state import ServingState


def _rule_set(state: ServingState) -> dict[str, Any]:
    rule_set = state.rule_set
    return {
        "version": rule_set.version,
        "base_version": rule_set.base_version,
        "overrides": dict(rule_set.overrides),
        "rules": rule_set.describe().to_dict(orient="records"),
    }


def model_info(state: ServingState) -> ModelInfo:
    """The served model as the API describes it."""
    lineage = state.lineage
    manifest = state.bundle.manifest
    export = state.dataset.export_date
    return ModelInfo(
        name=lineage.model_name,
        version=lineage.model_version,
        run_id=lineage.run_id,
        model_uri=state.bundle.model_uri,
        metrics={k: float(v) for k, v in manifest.metrics.items() if math.isfinite(float(v))},
        interval_level=state.interval_level,
        interval_half_width=state.half_width,
        trained_on_snapshot_id=manifest.data_snapshot_id,
        trained_with_rule_set_version=manifest.rule_set_version,
        snapshot_id=lineage.snapshot_id,
        snapshot_export_date=None if export is None or pd.isna(export) else export.date(),
        features=[
            FeatureInfo(
                name=f.name,
                meaning_en=f.meaning_en,
                meaning_id=f.meaning_id,
                unit=f.unit,
                group=f.group,
                monotone=f.monotone,
            )
            for f in state.catalogue.features
        ],
        rule_set=_rule_set(state),
        loaded_at=state.loaded_at.isoformat(),
    )
