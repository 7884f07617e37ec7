"""Registry workflow: challenger alias, bundle round trip, promotion with and without champion,
refusal of a worse challenger, gates, forced promotion with its reason recorded.

The promotion steps share one registry, so they run in order inside one test.
"""

from __future__ import annotations

from dataclasses import replace

import lightgbm as lgb
import mlflow
import numpy as np
import pytest

from mutasi.settings import get_settings
from training import tracking
from training.bundle import load_bundle
from training.promote import GateResult, PromotionContext, PromotionError, metric_gate, promote
from training.train import Prepared, TrainResult, train_on

from .conftest import TEST_CONFIG


def _alias(alias: str) -> str | None:
    client = tracking.configure()
    mv = tracking.version_by_alias(client, get_settings().model_name, alias)
    return None if mv is None else str(mv.version)


def _version_tags(version: str) -> dict[str, str]:
    client = tracking.configure()
    return dict(client.get_model_version(get_settings().model_name, version).tags)


def test_new_version_gets_the_challenger_alias_only(trained: TrainResult) -> None:
    assert trained.model_version is not None
    assert _alias(tracking.CHALLENGER) == trained.model_version
    assert _alias(tracking.CHAMPION) is None


def test_run_carries_lineage_and_artifacts(trained: TrainResult) -> None:
    tracking.configure()
    run = mlflow.get_run(trained.run_id)
    inputs = trained.prepared.inputs
    assert run.data.tags["data_snapshot_id"] == inputs.dataset.snapshot_id
    assert run.data.tags["feature_catalogue_version"] == inputs.catalogue.version
    assert run.data.tags["rule_set_version"] == inputs.rule_set.version
    assert run.data.tags["git_commit"]
    assert "test_ndcg_at_10_oracle_gain" in run.data.metrics
    assert "heuristic_test_rmse" in run.data.metrics
    names = {a.path for a in mlflow.MlflowClient().list_artifacts(trained.run_id)}
    expected = {"shap_summary.png", "feature_importance.csv", "calibration.png", "split.json",
                "catalogue.yaml", "rule_set.json", "validation", "bundle"}  # fmt: skip
    assert expected <= names


def test_bundle_round_trip_predicts_like_the_trained_model(trained: TrainResult) -> None:
    bundle = load_bundle(tracking.CHALLENGER)
    assert isinstance(bundle.model.regressor_, lgb.Booster)
    assert bundle.version == trained.model_version
    assert bundle.manifest.split == trained.time_split.as_dict()
    features = trained.parts["test"].features
    np.testing.assert_allclose(bundle.model.predict(features), trained.model.predict(features))
    np.testing.assert_allclose(bundle.model.prob_good(features), trained.model.prob_good(features))
    frame = bundle.predict_frame(features.iloc[:20])
    assert ((frame["interval_low"] <= frame["expected_rating"])
            & (frame["expected_rating"] <= frame["interval_high"])).all()  # fmt: skip


def test_loading_a_bundle_prints_no_download_bars(
    trained: TrainResult, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # MLflow's tqdm bars tore through `mutasi evaluate`'s display and the service's log.
    monkeypatch.delenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", raising=False)
    load_bundle(tracking.CHALLENGER)
    assert "Downloading artifacts" not in capfd.readouterr().err


def _shuffled_labels(prepared: Prepared) -> Prepared:
    """Same moves and features, outcomes permuted: a deliberately useless challenger."""
    ts = prepared.training_set
    rating = np.random.default_rng(0).permutation(ts.moves["rating"].to_numpy())
    return replace(prepared, training_set=replace(ts, moves=ts.moves.assign(rating=rating)))


def _failing_gate(ctx: PromotionContext) -> GateResult:
    return GateResult("fairness", False, "audit not passed (test)")


def test_promotion_workflow(trained: TrainResult) -> None:
    good = trained.model_version
    assert good is not None
    with pytest.raises(PromotionError, match="--reason"):
        promote(force=True)

    # Only the metric gate here: the fairness gate (tests/model/test_fairness_gate.py) refuses
    # a first model with confident four-fifths flags unless forced, as this one has.
    metric_only = [metric_gate]
    first = promote(gates=metric_only)  # no champion yet: the challenger is promoted
    assert first.promoted
    assert not first.forced
    assert _alias(tracking.CHAMPION) == good
    assert _alias(tracking.CHALLENGER) is None
    with pytest.raises(PromotionError, match="challenger"):
        promote()

    bad = train_on(_shuffled_labels(trained.prepared), TEST_CONFIG).model_version
    assert bad is not None
    assert _alias(tracking.CHALLENGER) == bad
    refused = promote(gates=metric_only)
    cmp = refused.comparison
    assert not refused.promoted
    assert cmp.champion is not None
    assert cmp.champion_version == good
    assert cmp.challenger[cmp.primary] < cmp.champion[cmp.primary]
    # The champion re-evaluated on the challenger's (identical) split reproduces its own metrics.
    assert cmp.champion[cmp.primary] == pytest.approx(
        trained.evaluation.metrics["lightgbm"][cmp.primary]
    )
    assert _alias(tracking.CHAMPION) == good
    assert _alias(tracking.CHALLENGER) == bad
    assert _version_tags(bad)["promotion_decision"] == "refused"
    record = mlflow.get_run(refused.record_run_id or "")
    assert record.data.tags["decision"] == "refused"
    assert f"challenger_{cmp.primary}" in record.data.metrics

    forced = promote(force=True, reason="pilot needs the new features")
    assert forced.promoted
    assert forced.forced
    assert _alias(tracking.CHAMPION) == bad
    tags = _version_tags(bad)
    assert tags["promotion_forced"] == "true"
    assert "pilot needs the new features" in tags["promotion_reason"]

    better = train_on(trained.prepared, TEST_CONFIG).model_version
    assert better is not None
    gated = promote(gates=[metric_gate, _failing_gate])
    assert not gated.promoted
    assert "fairness" in gated.reason
    assert [g.passed for g in gated.gates] == [True, False]
    assert promote(gates=metric_only).promoted
    assert _alias(tracking.CHAMPION) == better
    assert _version_tags(bad)["retired_by"] == better
