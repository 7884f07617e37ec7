"""The fairness promotion gate: a challenger may not shortlist a protected group confidently
worse than today's practice (the status quo) or the champion, beyond what the truth explains;
without a review, or without any reference to compare with, it is refused. The forced reason and
the overridden gate are recorded on the version and in the decision record.

Reviews are computed on synthetic pools with a known truth (tests/model/fairness_cases.py):
women are as qualified as men, a biased ranking pushes them down, a fair one does not; today's
practice is merit plus noise, or (``history_penalty``) a practice that discriminated as well.
Recording uses the session's throw-away MLflow store under a model name of its own, so the
registry workflow test's aliases are untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mlflow
import numpy as np
import pytest
from rich.console import Console

from mutasi.settings import Settings, get_settings
from tests.model.fairness_cases import synthetic_pools
from training import tracking
from training.bundle import load_bundle
from training.fair_ranking import FairRankPolicy
from training.fairness_audit import review_metrics, shortlist_review
from training.fairness_review import GateRule, Review, served_ranks
from training.oracle_eval import K
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

RULE = GateRule()


def _scores(boost: float, seed: int = 0) -> tuple[list[np.ndarray], Any, Any]:
    pools, transfers = synthetic_pools(penalty=0.0, seed=seed)
    rng = np.random.default_rng(seed + 1)
    scores = [
        p.truth
        + rng.normal(0, 0.1, p.nips.size)
        - boost * (p.attributes["gender"] == "P").to_numpy()
        for p in pools
    ]
    return scores, pools, transfers


def _review(boost: float, champion_boost: float | None = None, history_penalty: float = 0.0,
            transfers: bool = True) -> Review:  # fmt: skip
    scores, pools, moves = _scores(boost)
    if history_penalty:
        _, moves = synthetic_pools(penalty=0.0, seed=0, history_penalty=history_penalty)
    champion = None
    if champion_boost is not None:
        theirs, _, _ = _scores(champion_boost)
        champion = served_ranks(pools, theirs, K, FairRankPolicy())
    _, review = shortlist_review(
        pools, scores, FairRankPolicy(), transfers=moves if transfers else None,
        champion_ranks=champion, n_bootstrap=200, seed=3,
    )  # fmt: skip
    return review


@pytest.fixture(scope="module")
def biased() -> Review:
    review = _review(boost=0.6)
    blocking = review.blocking(RULE)
    assert ("gender", "P") in set(zip(blocking["attribute"], blocking["group"], strict=True))
    return review


@pytest.fixture(scope="module")
def fair() -> Review:
    review = _review(boost=0.0)
    assert review.blocking(RULE).empty
    return review


def _ctx(review: Review | None, champion_version: str | None = None) -> PromotionContext:
    """Metrics where the challenger wins, so only the fairness gate can refuse."""
    has = champion_version is not None
    metrics = review_metrics(review) if review is not None else None
    cmp = Comparison(
        "ndcg_at_10_oracle_gain",
        "2",
        {"ndcg_at_10_oracle_gain": 0.9, "rmse": 0.5},
        champion_version,
        {"ndcg_at_10_oracle_gain": 0.8, "rmse": 0.6} if has else None,
        metrics,
        {"fairness.review.blocking_groups": 0.0} if has else None,
    )
    return PromotionContext(
        cmp,
        challenger=SimpleNamespace(fairness=None, review=review),  # type: ignore[arg-type]
        champion=SimpleNamespace(fairness=None) if has else None,  # type: ignore[arg-type]
        holdout=None,
        review=review,
        rule=RULE,
    )


def test_the_gate_is_a_default_gate() -> None:
    assert fairness_gate in DEFAULT_GATES


def test_a_group_pushed_down_beyond_practice_and_truth_is_refused_and_listed(
    biased: Review,
) -> None:
    decision = decide(_ctx(biased), DEFAULT_GATES)
    assert not decision.promoted
    assert [g.passed for g in decision.gates] == [True, False]
    reason = decision.gates[1].reason
    assert "confidently worse than today's practice" in reason
    assert "beyond what the truth explains" in reason
    assert "gender=P selection impact ratio: this model" in reason
    assert "the truth" in reason
    assert "mitigation in force: training: none; ranking: none" in reason


def test_promote_table_shows_the_blocking_groups(biased: Review) -> None:
    console = Console(record=True, width=240)
    console.print(comparison_table(decide(_ctx(biased, "1"), DEFAULT_GATES)))
    text = console.export_text()
    line = next(li for li in text.splitlines() if "groups blocking promotion" in li)
    n = len(biased.blocking(RULE))
    assert [c.strip() for c in line.split("│")[2:5]] == ["0", str(n), f"+{n}"]
    assert "REFUSED: fairness:" in text


def test_a_fair_challenger_passes(fair: Review) -> None:
    result = fairness_gate(_ctx(fair))
    assert result.passed, result.reason
    assert "no protected group worse than today's practice" in result.reason


def test_a_disparity_todays_practice_shares_passes_unless_the_champion_did_better() -> None:
    # History discriminated as much as the challenger does: no worse than today's practice.
    shared = _review(boost=0.6, history_penalty=0.6)
    assert fairness_gate(_ctx(shared)).passed, fairness_gate(_ctx(shared)).reason
    # ...but a fair champion is a reference too: the challenger is worse than it.
    with_champion = _review(boost=0.6, champion_boost=0.0, history_penalty=0.6)
    result = fairness_gate(_ctx(with_champion, "1"))
    assert not result.passed
    assert "today's practice and champion v1" in result.reason
    row = with_champion.verdicts(RULE).set_index(["attribute", "group"]).loc[("gender", "P")]
    assert row["worse_champion"]
    assert not row["worse_status_quo"]


def test_a_challenger_without_review_or_reference_cannot_be_audited(fair: Review) -> None:
    assert not fairness_gate(_ctx(None)).passed
    assert "no fairness review" in fairness_gate(_ctx(None)).reason
    alone = _review(boost=0.0, transfers=False)
    result = fairness_gate(_ctx(alone))
    assert not result.passed
    assert "no reference to compare with" in result.reason


def test_the_margin_and_level_are_the_gates_settings() -> None:
    review = _review(boost=0.25)
    strict, lenient = GateRule(margin=0.0, level=0.2), GateRule(margin=0.5, level=0.001)
    assert len(review.blocking(strict)) >= len(review.blocking(lenient)) == 0


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
    gate_registry: Settings, biased: Review
) -> None:
    settings, ctx = gate_registry, _ctx(biased, "1")
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
    assert "gender=P selection impact ratio" in tags["promotion_reason"]

    record = mlflow.get_run(forced.record_run_id)
    assert record.data.tags["overridden_gates"] == "fairness"
    assert record.data.tags["force_reason"] == why
    assert record.data.metrics["challenger_fairness.review.blocking_groups"] >= 1
    assert record.data.metrics["champion_fairness.review.blocking_groups"] == 0
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
    assert logged == {
        "fairness/report.json", "fairness/report.md", "fairness/review.json",
        "proxy/proxy_check.csv",
    }  # fmt: skip
    assert bundle.review is not None
    assert bundle.review.to_dict() == json.loads(json.dumps(trained.audit.review.to_dict()))
    assert {"status_quo", "oracle"} <= set(bundle.review.references.sources)
    assert run.data.params["fairness_ranking"] == "none"  # TEST_CONFIG: no mitigation
    assert "fairness.review.blocking_groups" in run.data.metrics
