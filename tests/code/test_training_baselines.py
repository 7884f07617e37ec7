"""Baselines and the LightGBM model on small synthetic matrices (no data pipeline)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from training.baselines import HeuristicBaseline, LinearBaseline
from training.model import FitModel, LgbParams


def _matrix(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "field_position_fit": rng.uniform(0, 1, n),
            "skp_last_rating": rng.integers(1, 6, n).astype(float),
            "years_of_service": rng.uniform(0, 30, n),
            "empty": np.full(n, np.nan),  # an optional table that is absent
        }
    )
    signal = 1.5 * x["field_position_fit"] + 0.5 * x["skp_last_rating"] + rng.normal(0, 0.3, n)
    return x, np.clip(np.rint(signal + 0.8), 1, 5).to_numpy()


def test_heuristic_score_uses_fixed_weights_and_fills() -> None:
    x = pd.DataFrame(
        {"field_position_fit": [1.0, np.nan], "skp_last_rating": [4.0, np.nan],
         "years_of_service": [10.0, np.nan]}
    )  # fmt: skip
    assert HeuristicBaseline().score(x).tolist() == pytest.approx([2 + 4 + 1, 0 + 3 + 0])


def test_heuristic_needs_its_features() -> None:
    x, y = _matrix(50, 0)
    with pytest.raises(KeyError, match="skp_last_rating"):
        HeuristicBaseline().fit(x.drop(columns="skp_last_rating"), y, x, y)


@pytest.mark.parametrize("make", [HeuristicBaseline, lambda: LinearBaseline(["field_position_fit",
                                  "skp_last_rating", "years_of_service", "empty"])])  # fmt: skip
def test_baselines_predict_on_the_rating_scale(make: object) -> None:
    x, y = _matrix(400, 1)
    xv, yv = _matrix(200, 2)
    model = make().fit(x, y, xv, yv)  # type: ignore[operator]
    pred, p = model.predict(xv), model.prob_good(xv)
    assert pred.min() >= 1.0
    assert pred.max() <= 5.0
    assert ((p >= 0) & (p <= 1)).all()
    assert np.corrcoef(pred, yv)[0, 1] > 0.5
    low, high = model.interval(xv)
    assert ((low <= pred) & (pred <= high)).all()


def test_fit_model_respects_monotone_constraints_and_checks_columns() -> None:
    x, y = _matrix(600, 3)
    xv, yv = _matrix(200, 4)
    params = LgbParams(num_boost_round=100, early_stopping_rounds=10)
    names = ["field_position_fit", "skp_last_rating", "years_of_service", "empty"]
    model = FitModel(names, [1, 0, 0, 0], params, seed=1).fit(x, y, xv, yv)
    grid = pd.concat([xv.iloc[:1]] * 11, ignore_index=True)
    grid["field_position_fit"] = np.linspace(0, 1, 11)
    assert (np.diff(model.predict(grid)) >= 0).all()
    assert (np.diff(model.prob_good(grid)) >= 0).all()
    with pytest.raises(KeyError, match="years_of_service"):
        model.predict(xv.drop(columns="years_of_service"))
    with pytest.raises(ValueError, match="monotone"):
        FitModel(names, [1, 0], params)


def test_fit_model_is_a_scikit_learn_estimator() -> None:
    x, y = _matrix(600, 3)
    xv, yv = _matrix(200, 4)
    names = ("field_position_fit", "skp_last_rating", "years_of_service", "empty")
    model = FitModel(names, (1, 0, 0, 0), LgbParams(num_boost_round=40), seed=3)
    assert model.get_params()["seed"] == 3
    assert model.get_params()["feature_names"] is names  # stored as given
    fresh = clone(model.set_params(seed=5))
    assert fresh.get_params()["seed"] == 5
    assert not hasattr(fresh, "regressor_")
    fitted = fresh.fit(x, y, xv, yv)
    check_is_fitted(fitted, ["regressor_", "classifier_", "conformal_"])
    again = clone(fitted).fit(x, y, xv, yv)  # a clone refits to the same trees (deterministic)
    np.testing.assert_array_equal(again.predict(xv), fitted.predict(xv))
