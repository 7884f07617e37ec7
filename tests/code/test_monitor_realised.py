"""Realised-vs-predicted metrics, groups, overrides and the recommendation on hand-made moves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.realised import (
    by_groups,
    calibration,
    evaluate,
    group_gaps,
    metrics,
    override_comparison,
)
from monitoring.verdict import Realised, Tolerances, drift_section, recommendation
from serving.schemas.monitoring import Drift, DriftColumn, Metrics


def test_metrics_by_hand() -> None:
    y = np.array([4.0, 3.0, 5.0, 4.0])
    pred = np.array([4.0, 4.0, 4.5, np.nan])  # the last row has no prediction: skipped
    low, high = pred - 0.6, pred + 0.6
    p_good = np.array([0.9, 0.8, 1.0, 0.5])
    m = metrics(y, pred, low, high, p_good, 0.8)
    assert m.n == 3
    assert m.mae == pytest.approx(0.5)
    assert m.bias == pytest.approx((0 + 1 + -0.5) / 3, abs=1e-4)
    assert m.coverage == pytest.approx(2 / 3, abs=1e-4)  # 3 is outside [3.4, 4.6]
    assert m.brier == pytest.approx((0.01 + 0.64 + 0.0) / 3, abs=1e-4)
    assert m.share_baik_or_better == pytest.approx(2 / 3, abs=1e-4)
    assert metrics(y[:0], pred[:0], low[:0], high[:0], p_good[:0], 0.8).n == 0


def _rated(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    pred = rng.uniform(3, 5, n)
    frame = pd.DataFrame(
        {
            "rating": np.round(pred),
            "model_prediction": pred,
            "model_lower": pred - 0.5,
            "model_upper": pred + 0.5,
            "model_p_baik_or_better": np.full(n, 0.8),
            "prediction": np.where(np.arange(n) < 10, pred, np.nan),
            "lower": pred - 0.5,
            "upper": pred + 0.5,
            "p_baik_or_better": np.full(n, 0.8),
            "model_version": "3",
            "interval_level": 0.8,
            "sector": np.where(np.arange(n) < 35, "kesehatan", "umum"),
            "unit_id": "U1",
            "category": np.where(np.arange(n) < 10, "recommended_and_moved", "moved_only"),
            "gender": np.where(np.arange(n) % 2 == 0, "L", "P"),
            "age_band": "40-49",
            "education_level": "S1",
            "region_of_origin": "7571",
        }
    )
    return frame


def test_evaluation_splits_by_version_sector_and_group() -> None:
    ev = evaluate(_rated(), 0.8, min_group=10)
    assert [v.model_version for v in ev.as_answered] == ["3"]
    assert ev.as_answered[0].n == 10
    assert ev.model.n == 40
    sectors = {g.group: g for g in ev.by_sector}
    assert (sectors["kesehatan"].n, sectors["kesehatan"].small) == (35, False)
    assert (sectors["umum"].n, sectors["umum"].small) == (5, True)
    assert [d.n for d in ev.calibration] == [4] * 10
    gaps = {g.attribute: g for g in ev.group_gaps}
    assert gaps["gender"].mae_gap is not None
    assert gaps["age_band"].mae_gap is None  # one group only: nothing to compare


def test_calibration_deciles_are_ordered_by_prediction() -> None:
    deciles = calibration(_rated())
    means = [d.mean_predicted for d in deciles]
    assert means == sorted(means)


def test_small_groups_are_never_compared() -> None:
    frame = _rated()
    frame.loc[:2, "gender"] = "X"
    groups = by_groups(frame, ["gender"], 0.8, min_group=10)
    small = {g.group for g in groups if g.small}
    assert small == {"X"}
    assert group_gaps(groups, ["gender"])[0].worst_group in {"L", "P"}


def test_overrides_against_followed_and_the_model_pick() -> None:
    moves = pd.DataFrame(
        {
            "basis": ["decision", "decision", "override", "override_ineligible", "plan"],
            "status": ["rated", "unrated", "rated", "rated", "rated"],
            "rating": [5.0, np.nan, 3.0, 4.0, 2.0],
            "prediction": [4.5, 4.4, 4.0, np.nan, 3.0],
            "model_pick_prediction": [np.nan, np.nan, 4.6, 4.2, np.nan],
        }
    )
    truth = pd.Series([4.8, 4.1, 3.2, 3.9, 2.5])
    pick_truth = pd.Series([np.nan, np.nan, 4.4, 4.0, np.nan])
    out = override_comparison(moves, truth, pick_truth)
    assert (out.followed.n, out.followed.n_rated, out.followed.mean_realised) == (2, 1, 5.0)
    assert (out.overridden.n, out.overridden.mean_realised) == (2, 3.5)
    assert out.model_pick_mean_predicted == pytest.approx(4.4)
    assert out.model_pick_mean_truth == pytest.approx(4.2)
    assert out.overridden.mean_truth == pytest.approx(3.55)
    assert override_comparison(moves, None, None).model_pick_mean_truth is None


def _drift(shifted: bool = False) -> Drift:
    column = DriftColumn(
        name="field_sector_fit", kind="feature", n_reference=100, n_current=100, psi=0.5,
        p_value=1e-5, judged=True, shifted=shifted, importance=0.2, used=True, bins=[],
    )  # fmt: skip
    return Drift(
        available=True, psi_threshold=0.2, p_value_threshold=0.01, min_rows=30, columns=[column]
    )


def test_the_recommendation_needs_evidence_beyond_chance() -> None:
    n = 200
    calm = Realised(abs_errors=np.full(n, 0.3), covered=np.arange(n) % 5 != 0)  # 80% covered
    keep = recommendation(_drift(), Metrics(n=n), calm, 0.8, test_mae=0.3, tolerances=Tolerances())
    assert keep.action == "keep"
    assert keep.evidence[0].code == "none"
    errors = 0.6 + 0.1 * np.sin(np.arange(n))
    worse = Realised(abs_errors=errors, covered=np.arange(n) % 2 == 0)  # 50% covered
    retrain = recommendation(_drift(True), Metrics(n=n), worse, 0.8, 0.3, Tolerances())
    assert retrain.action == "retrain"
    assert [e.code for e in retrain.evidence] == ["drift_feature", "coverage", "error"]
    assert "field_sector_fit" in retrain.evidence[0].text_en
    assert "50.0%" in retrain.evidence[1].text_id


def test_few_rated_moves_do_not_judge_performance() -> None:
    few = Realised(abs_errors=np.full(10, 2.0), covered=np.zeros(10, dtype=bool))
    verdict = recommendation(_drift(), Metrics(n=10), few, 0.8, 0.3, Tolerances(min_rows=30))
    assert verdict.action == "keep"
    assert "only 10 rated moves" in verdict.evidence[0].text_en


def test_without_a_profile_the_drift_section_says_why() -> None:
    from monitoring.drift import DriftThresholds

    section = drift_section(None, DriftThresholds(), "trained before profiles existed")
    assert not section.available
    calm = Realised(
        abs_errors=np.full(50, 0.3), covered=np.ones(50, dtype=bool) & (np.arange(50) % 5 != 0)
    )
    verdict = recommendation(section, Metrics(n=50), calm, 0.8, 0.3, Tolerances())
    assert "trained before profiles existed" in verdict.evidence[0].text_en
