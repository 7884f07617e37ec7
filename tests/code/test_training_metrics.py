"""Metrics on hand-made cases with known values."""

from __future__ import annotations

import numpy as np
import pytest

from training.metrics import (
    auc_good,
    expected_calibration_error,
    interval_coverage,
    mae,
    mean_width,
    ndcg_at_k,
    oracle_gain_fraction,
    precision_at_k,
    reliability_curve,
    rmse,
    spearman,
    top_k,
)


def test_point_errors() -> None:
    y, p = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 3.0, 2.0])
    assert rmse(y, p) == pytest.approx(np.sqrt(5 / 4))
    assert mae(y, p) == pytest.approx(3 / 4)


def test_spearman_is_rank_based_and_nan_when_constant() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert spearman(y, y**3) == pytest.approx(1.0)
    assert spearman(y, -y) == pytest.approx(-1.0)
    assert np.isnan(spearman(y, np.ones(4)))


def test_auc_good_uses_baik_or_better() -> None:
    y = np.array([5.0, 4.0, 3.0, 2.0])
    assert auc_good(y, np.array([0.9, 0.8, 0.2, 0.1])) == pytest.approx(1.0)
    assert auc_good(y, np.array([0.1, 0.2, 0.8, 0.9])) == pytest.approx(0.0)
    assert np.isnan(auc_good(np.array([4.0, 5.0]), np.array([0.1, 0.2])))


def test_ndcg_perfect_and_reversed() -> None:
    gains = np.array([3.0, 2.0, 1.0])
    assert ndcg_at_k(np.array([9.0, 5.0, 1.0]), gains, k=3) == pytest.approx(1.0)
    # Reversed: DCG = 1 + 2/log2(3) + 3/2, IDCG = 3 + 2/log2(3) + 1/2.
    assert ndcg_at_k(np.array([1.0, 5.0, 9.0]), gains, k=3) == pytest.approx(0.7899980042)


def test_ndcg_at_k_only_counts_the_top_k() -> None:
    gains = np.array([1.0, 1.0, 5.0])
    # Top-1 is item 0 (gain 1) against an ideal top-1 gain of 5.
    assert ndcg_at_k(np.array([3.0, 2.0, 1.0]), gains, k=1) == pytest.approx(0.2)


def test_precision_at_k_is_overlap_with_the_true_top_k() -> None:
    scores = np.array([0.9, 0.8, 0.1, 0.0])
    assert precision_at_k(scores, np.array([5.0, 1.0, 4.0, 0.0]), k=2) == pytest.approx(0.5)
    assert precision_at_k(scores, np.array([1.0, 0.0, 2.0, 3.0]), k=2) == pytest.approx(0.0)
    assert precision_at_k(scores, scores, k=2) == pytest.approx(1.0)


def test_top_k_breaks_ties_by_input_order() -> None:
    assert list(top_k(np.array([1.0, 2.0, 2.0, 0.0]), 2)) == [1, 2]


def test_oracle_gain_fraction() -> None:
    assert oracle_gain_fraction(0.9, 0.8, 1.0) == pytest.approx(0.5)
    assert oracle_gain_fraction(0.8, 0.8, 1.0) == pytest.approx(0.0)
    assert np.isnan(oracle_gain_fraction(0.9, 1.0, 1.0))


def test_calibration_error_known_values() -> None:
    event = np.array([1, 0, 0, 0], dtype=bool)
    assert expected_calibration_error(event, np.full(4, 0.25)) == pytest.approx(0.0)
    half = np.arange(10) < 5
    assert expected_calibration_error(half, np.full(10, 0.9)) == pytest.approx(0.4)
    curve = reliability_curve(np.array([0, 1, 1]), np.array([0.05, 0.95, 1.0]))
    assert list(curve.count) == [1, 2]
    assert curve.observed.tolist() == [0.0, 1.0]


def test_interval_coverage_and_width() -> None:
    y = np.array([1.0, 2.0, 3.0, 5.0])
    low, high = np.array([1.0, 2.5, 2.0, 3.0]), np.array([2.0, 3.0, 3.0, 4.0])
    assert interval_coverage(y, low, high) == pytest.approx(0.5)
    assert mean_width(low, high) == pytest.approx(0.875)
