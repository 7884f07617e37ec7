"""Inverse-propensity weights of the training moves (training/propensity.py) on the small
province, whose historical policy chose movers on seniority and connections
(features/synth/policy.py): the policy's choices are predictable from the features, and the
weights lean against them, so that the weighted movers look more like the eligible pools."""

from __future__ import annotations

import numpy as np
import pytest

from training.propensity import (
    PropensityConfig,
    PropensityWeights,
    clipped_weights,
    propensity_weights,
)
from training.train import TrainResult

SENIORITY = "years_of_service"


def test_weights_are_scaled_to_mean_one_and_clipped() -> None:
    raw = np.array([1.0, 1.0, 2.0, 100.0])
    weights, n_clipped = clipped_weights(raw, clip=2.0)
    assert n_clipped == 1
    assert weights.mean() == pytest.approx(1.0)
    assert np.argmax(weights) == 3
    assert weights[0] == weights[1] < weights[2]
    same, none = clipped_weights(np.full(5, 3.0), clip=10.0)
    assert none == 0
    assert np.allclose(same, 1.0)


def test_configuration_is_named_and_checked() -> None:
    assert PropensityConfig().name == "none"
    config = PropensityConfig(enabled=True, controls=5, clip=4)
    assert config.name == "ipw(controls=5, clip=4)"
    assert PropensityConfig.from_dict(config.to_dict()) == config
    assert PropensityConfig.from_dict(None) == PropensityConfig()
    with pytest.raises(ValueError, match="clip"):
        PropensityConfig(clip=0.5)
    with pytest.raises(ValueError, match="controls"):
        PropensityConfig(controls=0)


@pytest.fixture(scope="module")
def weighted(trained: TrainResult) -> PropensityWeights:
    train = trained.parts["train"]
    usable = [n for n in trained.prepared.inputs.catalogue.names if n not in trained.retired]
    config = PropensityConfig(enabled=True, controls=8, clip=10.0)
    return propensity_weights(trained.prepared.inputs, train, usable, config, seed=7)


def test_the_policy_is_predictable_and_the_weights_are_sane(
    trained: TrainResult, weighted: PropensityWeights
) -> None:
    n = len(trained.parts["train"].moves)
    assert weighted.weights.shape == (n,)
    assert np.isfinite(weighted.weights).all()
    assert (weighted.weights > 0).all()
    assert weighted.weights.mean() == pytest.approx(1.0)
    assert weighted.weights.max() <= 10.0 + 1e-9
    assert weighted.auc > 0.6  # the policy's choices are far from a coin toss
    assert 0 < weighted.effective_n < n
    assert (weighted.pool_sizes >= 1).all()
    assert set(weighted.metrics()) >= {"propensity.auc", "propensity.effective_n"}


def test_the_weights_lean_against_the_policys_preference_for_seniority(
    trained: TrainResult, weighted: PropensityWeights
) -> None:
    seniority = trained.parts["train"].features[SENIORITY].to_numpy(dtype=np.float64)
    known = np.isfinite(seniority)
    plain = seniority[known].mean()
    reweighted = np.average(seniority[known], weights=weighted.weights[known])
    assert reweighted < plain  # juniors, whom the policy rarely moved, count for more
