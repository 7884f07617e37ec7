"""The fairness trade-off table (training/tradeoff.py, benchmarks/fairness_tradeoff.py) on the
small province: its unmitigated row is the trained model's own evaluation, re-ranking changes
the shortlists but not the predictions, and the reference rows are today's practice and the
truth on the same pools."""

from __future__ import annotations

from typing import Any

import pytest

from mutasi.settings import Settings
from tests.model.conftest import TEST_CONFIG
from training.evaluate import PRIMARY_WITH_ORACLE
from training.fair_ranking import FairRankPolicy
from training.fairness_roles import PROTECTED
from training.fitting import TrainConfig
from training.tradeoff import METHODS, ORACLE, STATUS_QUO, Method, tradeoff
from training.train import TrainResult

FAIR = Method("fa*ir a=0.7", False, FairRankPolicy(method="fair", alpha=0.7))


@pytest.fixture(scope="module")
def rows(trained: TrainResult) -> list[dict[str, Any]]:
    return tradeoff(trained.prepared, TEST_CONFIG, methods=(METHODS[0], FAIR, _default()))


def _default() -> Method:
    """The table's row of the default settings (docs/fairness.md chose it from the table)."""
    policy = TrainConfig.from_settings(Settings()).ranking_policy
    return next(m for m in METHODS if m.policy == policy and not m.weighted)


def test_the_rows_are_the_methods_then_the_references(rows: list[dict[str, Any]]) -> None:
    names = ["unmitigated", FAIR.name, _default().name, STATUS_QUO, ORACLE]
    assert [r["method"] for r in rows] == names
    for row in rows:
        for attribute in PROTECTED:
            assert 0.0 <= row[f"min_ratio_{attribute}"] <= 1.0
    oracle = rows[-1]
    assert oracle["oracle_gain"] == 1.0
    assert oracle["rmse"] > 0
    assert rows[3]["blocking"] is None
    assert rows[3]["rmse"] != rows[3]["rmse"]


def test_the_unmitigated_row_is_the_trained_models_evaluation(
    trained: TrainResult, rows: list[dict[str, Any]]
) -> None:
    metrics = trained.evaluation.metrics["lightgbm"]
    assert rows[0]["oracle_gain"] == pytest.approx(metrics[PRIMARY_WITH_ORACLE])
    assert rows[0]["rmse"] == pytest.approx(metrics["rmse"])
    assert rows[0]["policy"] == "none"
    assert rows[0]["training"] == "none"


def test_re_ranking_changes_the_shortlists_not_the_predictions(rows: list[dict[str, Any]]) -> None:
    plain, fair = rows[0], rows[1]
    assert fair["rmse"] == plain["rmse"]  # the same predictions, only the order changes
    assert fair["oracle_gain"] != plain["oracle_gain"]  # ...and it did change the shortlists
    assert fair["policy"] == FAIR.policy.name
    assert fair["training"] == "none"
    assert isinstance(fair["blocking"], int)
    assert len(fair["blocked"]) == fair["blocking"]


def test_the_default_policy_lets_a_first_model_pass_the_gate(rows: list[dict[str, Any]]) -> None:
    # What `make demo` relies on: with the default settings nothing blocks against today's
    # practice (the first model's reference), and the scores alone would not have passed.
    plain, default = rows[0], rows[2]
    assert default["policy"] == TrainConfig.from_settings(Settings()).ranking_policy.name
    assert default["blocking"] == 0, default["blocked"]
    assert plain["blocking"] > 0
