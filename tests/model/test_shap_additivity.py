"""The served explanations add up: SHAP base value + contributions = the model's prediction."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from mutasi.settings import get_settings
from serving.domain.explain import explain_rows
from serving.domain.ranking import position_target, rank_position
from serving.schemas.rankings import RankingOptions
from serving.state import ServingState, StateHolder
from training.intervals import RATING_MAX, RATING_MIN
from training.train import TrainResult


@pytest.fixture(scope="module")
def served(trained: TrainResult, small_province: Path) -> ServingState:
    """The trained model version served on the small province (no alias needed)."""
    settings = get_settings().model_copy(
        update={
            "serve_model": f"models:/{get_settings().model_name}/{trained.model_version}",
            "data_dir": small_province,
        }
    )
    return StateHolder(settings).reload(model=True, snapshot=True).state


def _today(state: ServingState) -> date:
    export = state.dataset.export_date
    assert export is not None
    return export.date()


def test_shap_values_plus_base_equal_the_raw_prediction(served: ServingState) -> None:
    view = served.view(_today(served))
    position_id = sorted(served.targets)[0]
    features = view.employees.pair_array(position_id, np.arange(min(200, len(view.employees))))
    assert np.isnan(features).any(), "the check should cover missing feature values too"
    explanation = explain_rows(served.regressor, features)
    raw = served.regressor.predict(features, num_threads=1)
    np.testing.assert_allclose(explanation.row_total(), raw, atol=1e-6)
    assert np.ptp(explanation.values.sum(axis=1)) > 0, "contributions must differ between rows"


def test_the_answered_contributions_are_the_audited_shap_values(served: ServingState) -> None:
    today = _today(served)
    for position_id in sorted(served.targets)[:: max(1, len(served.targets) // 5)]:
        outcome = rank_position(
            served,
            position_target(served, position_id),
            RankingOptions(k=5),
            request_id="shap",
            today=today,
            settings=get_settings(),
        )
        for item, candidate in zip(outcome.items, outcome.response.candidates, strict=True):
            assert item.shap_values is not None
            assert item.shap_base_value is not None
            total = item.shap_base_value + sum(item.shap_values.values())
            assert total == pytest.approx(item.raw_prediction, abs=1e-6)
            clipped = min(max(item.raw_prediction, RATING_MIN), RATING_MAX)
            assert candidate.prediction.rating == pytest.approx(clipped, abs=1e-4)
            for shown in candidate.contributions:
                assert shown.contribution == pytest.approx(
                    item.shap_values[shown.feature], abs=1e-4
                )
