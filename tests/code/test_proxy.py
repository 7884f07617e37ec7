"""Proxy check: a copy of the attribute is a perfect proxy, noise is none, AUCs match by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.asof import age_band
from training.proxy import (
    ALL_FEATURES,
    ProxyInputError,
    proxy_check,
    strength,
    univariate_auc,
)

N = 2_000


@pytest.fixture(scope="module")
def people() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features with a gender copy, an age proxy, a missingness proxy and noise; their labels."""
    rng = np.random.default_rng(11)
    gender = rng.choice(["L", "P"], N)
    age = rng.uniform(22, 60, N)
    woman = (gender == "P").astype(float)
    features = pd.DataFrame(
        {
            "gender_copy": woman,
            "years_of_service": age - 22 + rng.normal(0, 2, N),
            "missing_for_women": np.where(woman == 1, np.nan, rng.normal(size=N)),
            "noise": rng.normal(size=N),
            "noise_with_gaps": np.where(rng.random(N) < 0.3, np.nan, rng.normal(size=N)),
        }
    )
    protected = pd.DataFrame(
        {"nip": [f"{i:018d}" for i in range(N)], "gender": gender, "age_band": age_band(age)}
    )
    return features, protected


def line(result: pd.DataFrame, attribute: str, feature: str) -> pd.Series:
    match = result.loc[(result["attribute"] == attribute) & (result["feature"] == feature)]
    assert len(match) == 1
    return match.iloc[0]


def test_copy_of_the_attribute_is_a_perfect_proxy_and_noise_is_none(
    people: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    result = proxy_check(*people)
    copy = line(result, "gender", "gender_copy")
    assert copy["value"] == pytest.approx(1.0)
    assert (copy["measure"], copy["strength"]) == ("auc", "strong")
    for noise in ("noise", "noise_with_gaps"):
        assert line(result, "gender", noise)["value"] == pytest.approx(0.5, abs=0.04)
        assert line(result, "gender", noise)["strength"] == "weak"
    assert line(result, "gender", "missing_for_women")["value"] == pytest.approx(1.0)
    assert line(result, "gender", ALL_FEATURES)["value"] > 0.99


def test_multi_class_attribute_uses_one_vs_rest_auc(
    people: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    result = proxy_check(*people)
    age = line(result, "age_band", "years_of_service")
    assert age["measure"] == "ovr_macro_auc"
    assert age["strength"] == "strong"
    assert line(result, "age_band", "noise")["value"] == pytest.approx(0.5, abs=0.04)
    joint = line(result, "age_band", ALL_FEATURES)
    assert joint["measure"] == "cv_ovr_macro_auc"
    assert joint["value"] > 0.8
    assert set(result["attribute"]) == {"gender", "age_band"}  # nip is not an attribute
    # strongest first within each attribute
    for _, lines in result.groupby("attribute"):
        assert lines["value"].is_monotonic_decreasing


def test_univariate_auc_matches_pair_counting() -> None:
    # positives {2, 4} vs negatives {1, 3}: 3 of 4 pairs ordered -> 0.75, either direction
    y = np.array([0, 1, 0, 1])
    x = np.array([[1.0, -1.0], [2.0, -2.0], [3.0, -3.0], [4.0, -4.0]])
    assert univariate_auc(x, y).tolist() == pytest.approx([0.75, 0.75])
    # a tie counts one half: positive {2} vs negatives {2, 1} -> (0.5 + 1) / 2
    assert univariate_auc(np.array([[2.0], [2.0], [1.0]]), np.array([1, 0, 0]))[0] == 0.75


def test_strength_thresholds() -> None:
    labels = strength(np.array([0.5, 0.6, 0.69, 0.7, 0.95, np.nan]))
    assert labels.tolist() == ["weak", "moderate", "moderate", "strong", "strong", "n/a"]


def test_rows_with_the_attribute_missing_are_left_out(
    people: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    features, protected = people
    gaps = protected.assign(gender=protected["gender"].where(protected.index % 10 != 0))
    result = proxy_check(features, gaps, seed=1)
    assert (result.loc[result["attribute"] == "gender", "n_rows"] == N - N // 10).all()
    pd.testing.assert_frame_equal(result, proxy_check(features, gaps, seed=1))


def test_bad_inputs_get_a_clear_error(people: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    features, protected = people
    with pytest.raises(ProxyInputError, match="not aligned"):
        proxy_check(features, protected.iloc[1:])
    with pytest.raises(ProxyInputError, match=r"features\.sector: not numeric"):
        proxy_check(features.assign(sector="kesehatan"), protected)
