"""LightGBM parameters: what reaches ``lgb.train`` and the leaf-size cap for small data."""

from __future__ import annotations

from dataclasses import replace

from training.model import LgbParams


def test_leaf_size_is_capped_by_the_share_of_training_rows() -> None:
    params = LgbParams(min_data_in_leaf=100, max_leaf_share=0.1)
    assert params.leaf_size(5_000) == 100  # large enough: the configured size
    assert params.leaf_size(1_000) == 100
    assert params.leaf_size(250) == 25  # a small town: a tenth of its rows
    assert params.leaf_size(5) == 1
    assert replace(params, max_leaf_share=1.0).leaf_size(250) == 100


def test_booster_params_hold_only_lightgbm_parameters() -> None:
    booster = LgbParams().booster_params("regression", seed=3, monotone=[1, 0, -1], n_rows=300)
    for key in ("num_boost_round", "early_stopping_rounds", "max_leaf_share"):
        assert key not in booster
    assert booster["min_data_in_leaf"] == 30
    assert booster["monotone_constraints"] == [1, 0, -1]
    assert (booster["seed"], booster["metric"]) == (3, "l2")
    binary = LgbParams().booster_params("binary", seed=3, monotone=[0], n_rows=10_000)
    assert (binary["metric"], binary["min_data_in_leaf"]) == ("binary_logloss", 100)
