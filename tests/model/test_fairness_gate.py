"""The fairness promotion gate: a challenger may not raise a confident four-fifths flag that the
champion did not have; with no champion (or a champion without a report) the reference has no
flags, so a first model with confident flags needs ``--force --reason``. The forced reason and
the overridden gate are recorded on the version and in the decision record.

Reports are computed on hand-made shortlists (gender only): a biased ranking puts men on top of
every pool, a fair one interleaves. Recording uses the session's throw-away MLflow store under a
model name of its own, so the registry workflow test's aliases are untouched.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from mutasi.settings import Settings, get_settings
from training import tracking
from training.bundle import load_bundle
from training.fairness import FairnessReport, fairness_report
from training.promote import (
    DEFAULT_GATES,
    Comparison,
    PromotionContext,
    comparison_table,
    decide,
    fairness_gate,
    promote,
)
from training.train import TrainResult

BIASED_FLAG = ("gender", "P", "selection_rate")


def _report(boost: float, n_vacancies: int = 60, pool: int = 40) -> FairnessReport:
    """Pools half L, half P; scores favour L by ``boost`` standard deviations."""
    rng = np.random.default_rng(3)
    gender = np.tile(["L", "P"], n_vacancies * pool // 2)
    frame = pd.DataFrame(
        {
            "vacancy_id": np.repeat(np.arange(n_vacancies), pool),
            "nip": np.tile([f"{i:018d}" for i in range(pool)], n_vacancies),
            "score": rng.normal(size=gender.size) + boost * (gender == "L"),
            "gender": gender,
        }
    )
    frame["rank"] = frame.groupby("vacancy_id")["score"].rank(ascending=False, method="first")
    return fairness_report(frame, attributes=("gender",), intersections=(), n_bootstrap=200)


@pytest.fixture(scope="module")
def biased() -> FairnessReport:
    report = _report(boost=3.0)
    assert BIASED_FLAG in report.flags(confident=True)
    return report


@pytest.fixture(scope="module")
def fair() -> FairnessReport:
    report = _report(boost=0.0)
    assert report.flags() == set()
    return report


def _ctx(
    challenger: FairnessReport | None,
    champion: FairnessReport | None,
    has_champion: bool = True,
) -> PromotionContext:
    """Metrics where the challenger wins, so only the fairness gate can refuse; the reports as
    ``compare`` puts them into the bundles and the comparison."""
    cmp = Comparison(
        "ndcg_at_10_oracle_gain",
        "2",
        {"ndcg_at_10_oracle_gain": 0.9, "rmse": 0.5},
        "1" if has_champion else None,
        {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.6} if has_champion else None,
        challenger.metrics() if challenger is not None else None,
        champion.metrics() if champion is not None else None,
    )
    return PromotionContext(
        cmp,
        challenger=SimpleNamespace(fairness=challenger),  # type: ignore[arg-type]
        champion=SimpleNamespace(fairness=champion) if has_champion else None,  # type: ignore[arg-type]
        holdout=None,
    )


def test_the_gate_is_a_default_gate() -> None:
    assert fairness_gate in DEFAULT_GATES


def test_new_confident_flag_is_refused_and_listed(
    biased: FairnessReport, fair: FairnessReport
) -> None:
    decision = decide(_ctx(biased, fair), DEFAULT_GATES)
    assert not decision.promoted
    assert [g.passed for g in decision.gates] == [True, False]
    reason = decision.gates[1].reason
    assert "champion v1" in reason
    assert "gender=P selection_rate impact ratio" in reason
    assert "fairness:" in decision.reason


def test_promote_table_compares_the_fairness_of_both_versions(
    biased: FairnessReport, fair: FairnessReport
) -> None:
    console = Console(record=True, width=240)
    console.print(comparison_table(decide(_ctx(biased, fair), DEFAULT_GATES)))
    text = console.export_text()
    flags = next(li for li in text.splitlines() if "confident four-fifths flags" in li)
    confident = len(biased.flags(confident=True))
    assert [c.strip() for c in flags.split("│")[2:5]] == ["0", str(confident), f"+{confident}"]
    ratio = next(li for li in text.splitlines() if "min selection impact ratio, gender" in li)
    assert f"{biased.metrics()['fairness.gender.min_selection_impact_ratio']:.4f}" in ratio
    assert "REFUSED: fairness:" in text


def test_flag_description_names_group_ratio_and_interval(biased: FairnessReport) -> None:
    text = biased.describe_flag(BIASED_FLAG)
    assert text.startswith("gender=P selection_rate impact ratio 0.")
    assert text.endswith("]")
    with pytest.raises(KeyError, match="no group gender=X"):
        biased.describe_flag(("gender", "X", "selection_rate"))


def test_flag_the_champion_had_too_passes(biased: FairnessReport) -> None:
    result = fairness_gate(_ctx(biased, biased))
    assert result.passed, result.reason
    assert "shared by champion v1" in result.reason


def test_a_fairer_challenger_passes(biased: FairnessReport, fair: FairnessReport) -> None:
    assert fairness_gate(_ctx(fair, biased)).passed


def test_point_flag_whose_interval_reaches_four_fifths_does_not_count(
    biased: FairnessReport, fair: FairnessReport
) -> None:
    groups = biased.groups.copy()
    groups["selection_impact_ratio_hi"] = 0.9  # the interval now reaches past 0.8
    groups["four_fifths_above_median"] = False
    noisy = replace(biased, groups=groups)
    assert BIASED_FLAG in noisy.flags()
    assert noisy.flags(confident=True) == set()
    assert fairness_gate(_ctx(noisy, fair)).passed


def test_no_champion_compares_against_no_flags(
    biased: FairnessReport, fair: FairnessReport
) -> None:
    refused = fairness_gate(_ctx(biased, None, has_champion=False))
    assert not refused.passed
    assert "no champion yet" in refused.reason
    assert fairness_gate(_ctx(fair, None, has_champion=False)).passed


def test_champion_without_report_compares_against_no_flags(biased: FairnessReport) -> None:
    result = fairness_gate(_ctx(biased, None))
    assert not result.passed
    assert "champion v1 has no fairness report" in result.reason


def test_challenger_without_report_cannot_be_audited(fair: FairnessReport) -> None:
    result = fairness_gate(_ctx(None, fair))
    assert not result.passed
    assert "no fairness report" in result.reason


@pytest.fixture
def gate_registry(mlflow_var: Path) -> Settings:
    """The session store with a registered model of its own holding versions 1 and 2."""
    settings = get_settings().model_copy(update={"model_name": "fairness-gate-test"})
    client = tracking.configure(settings)
    if not client.search_model_versions(f"name = '{settings.model_name}'"):
        client.create_registered_model(settings.model_name)
        for _ in range(2):
            client.create_model_version(settings.model_name, source=str(mlflow_var))
    tracking.set_alias(client, settings.model_name, tracking.CHAMPION, "1")
    return settings


def _champion(settings: Settings) -> str:
    client = tracking.configure(settings)
    return str(client.get_model_version_by_alias(settings.model_name, tracking.CHAMPION).version)


def _promote_with(ctx: PromotionContext, settings: Settings, **kwargs: Any) -> Any:
    """``promote`` on a prepared comparison (no bundles to load) with the default gates."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("training.promote.compare", lambda *_, **__: (ctx, None))
        return promote(settings=settings, **kwargs)


def test_refused_then_forced_with_reason_records_the_override(
    gate_registry: Settings, biased: FairnessReport, fair: FairnessReport
) -> None:
    settings, ctx = gate_registry, _ctx(biased, fair)
    refused = _promote_with(ctx, settings)
    assert not refused.promoted
    assert _champion(settings) == "1"

    why = "committee minute 4/2026: age gap reviewed, accepted for the pilot"
    forced = _promote_with(ctx, settings, force=True, reason=why)
    assert forced.promoted
    assert forced.forced
    assert forced.overridden == ["fairness"]
    assert _champion(settings) == "2"
    tags = tracking.configure(settings).get_model_version(settings.model_name, "2").tags
    assert tags["promotion_forced"] == "true"
    assert tags["promotion_force_reason"] == why
    assert tags["promotion_overridden_gates"] == "fairness"
    assert "gender=P selection_rate" in tags["promotion_reason"]

    record = mlflow.get_run(forced.record_run_id)
    assert record.data.tags["overridden_gates"] == "fairness"
    assert record.data.tags["force_reason"] == why
    assert record.data.metrics["challenger_fairness.confident_four_fifths_flags"] >= 1
    assert record.data.metrics["champion_fairness.confident_four_fifths_flags"] == 0
    local = mlflow.artifacts.download_artifacts(
        run_id=record.info.run_id, artifact_path="decision.json"
    )
    decision = json.loads(Path(local).read_text(encoding="utf-8"))["decision"]
    assert decision == {
        "outcome": "promoted",
        "forced": True,
        "reason": forced.reason,
        "force_reason": why,
        "overridden_gates": ["fairness"],
    }


def test_trained_version_carries_the_report_the_gate_reads(trained: TrainResult) -> None:
    assert trained.audit is not None
    bundle = load_bundle(f"models:/{get_settings().model_name}/{trained.model_version}")
    assert bundle.fairness is not None
    assert bundle.fairness.to_dict() == trained.audit.report.to_dict()
    assert bundle.fairness.n_vacancies == trained.evaluation.metrics["lightgbm"]["n_vacancies"]
    run = mlflow.get_run(trained.run_id)
    for name, value in trained.audit.metrics().items():
        assert run.data.metrics[name] == pytest.approx(value)
    assert {"proxy.gender.all_features_auc", "proxy.age_band.all_features_auc"} <= set(
        run.data.metrics
    )
    logged = {
        f.path
        for folder in ("fairness", "proxy")
        for f in mlflow.MlflowClient().list_artifacts(trained.run_id, folder)
    }
    assert logged == {"fairness/report.json", "fairness/report.md", "proxy/proxy_check.csv"}
