"""Promotion rules on hand-made comparisons, the bundle manifest, and CLI errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mutasi.cli import app
from mutasi.settings import get_settings
from training.bundle import BundleError, BundleManifest, resolve_model_uri
from training.promote import (
    Comparison,
    GateResult,
    PromotionContext,
    PromotionError,
    decide,
    metric_gate,
)


def _ctx(new: dict[str, float], old: dict[str, float] | None) -> PromotionContext:
    cmp = Comparison("ndcg_at_10_oracle_gain", "2", new, "1" if old else None, old)
    return PromotionContext(cmp, challenger=None, champion=None, holdout=None)  # type: ignore[arg-type]


def test_metric_gate_primary_then_rmse() -> None:
    better = _ctx(
        {"ndcg_at_10_oracle_gain": 0.9, "rmse": 0.9}, {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.7}
    )
    worse = _ctx(
        {"ndcg_at_10_oracle_gain": 0.7, "rmse": 0.5}, {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.7}
    )
    tie_ok = _ctx(
        {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.7}, {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.7}
    )
    tie_bad = _ctx(
        {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.8}, {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.7}
    )
    assert metric_gate(better).passed
    assert not metric_gate(worse).passed
    assert metric_gate(tie_ok).passed
    assert not metric_gate(tie_bad).passed
    assert metric_gate(_ctx({"ndcg_at_10_oracle_gain": 0.1, "rmse": 2.0}, None)).passed


def test_decide_runs_every_gate_and_force_needs_a_reason() -> None:
    ctx = _ctx(
        {"ndcg_at_10_oracle_gain": 0.9, "rmse": 0.5}, {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.7}
    )

    def veto(_: PromotionContext) -> GateResult:
        return GateResult("fairness", False, "gap too large")

    assert decide(ctx, [metric_gate]).promoted
    refused = decide(ctx, [metric_gate, veto])
    assert not refused.promoted
    assert "fairness: gap too large" in refused.reason
    forced = decide(ctx, [metric_gate, veto], force=True, reason="board decision 12/2025")
    assert forced.promoted
    assert forced.forced
    assert "board decision 12/2025" in forced.reason
    with pytest.raises(PromotionError, match="--reason"):
        decide(ctx, [veto], force=True, reason="  ")


def _manifest(**overrides: Any) -> BundleManifest:
    fields: dict[str, Any] = {
        "feature_names": ["a"], "monotone": [1], "catalogue_version": "1",
        "rule_set_version": "2025.1", "contract_version": "1", "builder_params": {},
        "data_dir": "/d", "data_snapshot_id": "abc", "seed": 7, "lgb_params": {},
        "split": {"valid_start": "2020-01-01", "test_start": "2021-01-01"}, "has_oracle": True,
    }  # fmt: skip
    return BundleManifest(**{**fields, **overrides})


def test_manifest_round_trip_and_missing_fields() -> None:
    manifest = _manifest()
    assert BundleManifest.from_json(manifest.to_json()) == manifest
    assert str(manifest.time_split.test_start.date()) == "2021-01-01"
    with pytest.raises(BundleError, match="data_snapshot_id"):
        BundleManifest.from_json('{"feature_names": []}')


def test_model_uri_resolution() -> None:
    assert resolve_model_uri("champion", "mutasi-fit") == "models:/mutasi-fit@champion"
    assert resolve_model_uri("runs:/abc/model") == "runs:/abc/model"


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("MUTASI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MUTASI_MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_errors_are_clear(empty_store: Path) -> None:
    runner = CliRunner()
    forced = runner.invoke(app, ["promote", "--force"])
    assert forced.exit_code == 1
    assert "--reason" in forced.output
    nothing = runner.invoke(app, ["promote"])
    assert nothing.exit_code == 1
    assert "challenger" in nothing.output
    missing = runner.invoke(app, ["evaluate", str(empty_store), "--model-uri", "champion"])
    assert missing.exit_code == 1
    assert "no model version" in missing.output
