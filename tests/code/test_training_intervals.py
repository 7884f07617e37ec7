"""Split-conformal intervals: the quantile rule and the coverage it promises."""

from __future__ import annotations

import numpy as np
import pytest

from training.intervals import SplitConformal, conformal_half_width
from training.metrics import interval_coverage


def test_half_width_is_the_ceil_n_plus_one_rank() -> None:
    residuals = np.arange(1.0, 10.0)  # n = 9
    assert conformal_half_width(residuals, 0.8) == 8.0  # rank ceil(10 * 0.8) = 8
    assert conformal_half_width(-residuals, 0.9) == 9.0  # absolute values; rank 9
    assert conformal_half_width(residuals, 0.95) == float("inf")  # rank 10 > n


def test_rejects_bad_levels_and_empty_calibration() -> None:
    with pytest.raises(ValueError, match="level"):
        conformal_half_width(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="at least one"):
        conformal_half_width(np.array([]), 0.8)


@pytest.mark.parametrize("level", [0.8, 0.9])
def test_coverage_holds_on_exchangeable_data(level: float) -> None:
    rng = np.random.default_rng(0)
    pred_cal, pred_new = rng.uniform(2, 4, 2_000), rng.uniform(2, 4, 20_000)
    y_cal = pred_cal + rng.normal(0, 0.4, pred_cal.size)
    y_new = pred_new + rng.normal(0, 0.4, pred_new.size)
    conformal = SplitConformal((level,)).fit(y_cal, pred_cal)
    low, high = conformal.interval(pred_new, level)
    assert interval_coverage(y_new, low, high) == pytest.approx(level, abs=0.02)


def test_interval_is_clipped_to_the_rating_scale_and_round_trips() -> None:
    conformal = SplitConformal((0.8,)).fit(np.array([1.0, 5.0, 3.0]), np.array([2.0, 4.0, 2.0]))
    low, high = conformal.interval(np.array([1.2, 4.9]), 0.8)
    assert low.min() >= 1.0
    assert high.max() <= 5.0
    again = SplitConformal.from_dict(conformal.to_dict())
    assert again.half_widths_ == conformal.half_widths_
    with pytest.raises(KeyError, match=r"0\.9"):
        conformal.half_width(0.9)
