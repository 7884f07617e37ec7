"""Metrics: regression error, rank correlation, P(baik+) quality, interval coverage, ranking@k.

Pure functions on numpy arrays, so that they can be unit-tested on hand-made cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from features.contract import RATING_VALUE

# "Baik or better" on the 1..5 scale: the outcome HR actually hopes for after a move.
GOOD_RATING: float = float(RATING_VALUE["baik"])


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred))))


def spearman(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Spearman rank correlation; NaN when either side is constant (no ranking to judge)."""
    if np.ptp(y_true) == 0 or np.ptp(y_pred) == 0:
        return float("nan")
    return float(spearmanr(y_true, y_pred).statistic)


def auc_good(y_true: np.ndarray, p_good: np.ndarray) -> float:
    """ROC AUC of ``p_good`` for the event "rating >= baik"; NaN if only one class occurs."""
    event = np.asarray(y_true) >= GOOD_RATING
    if event.all() or not event.any():
        return float("nan")
    return float(roc_auc_score(event, p_good))


@dataclass(frozen=True)
class ReliabilityCurve:
    """Per non-empty probability bin: mean predicted probability, observed frequency, count."""

    mean_predicted: np.ndarray
    observed: np.ndarray
    count: np.ndarray


def reliability_curve(event: np.ndarray, prob: np.ndarray, n_bins: int = 10) -> ReliabilityCurve:
    """Equal-width bins on [0, 1]; the last bin includes 1.0."""
    event = np.asarray(event, dtype=float)
    prob = np.asarray(prob, dtype=float)
    bins = np.minimum((prob * n_bins).astype(int), n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    sum_p = np.bincount(bins, weights=prob, minlength=n_bins)
    sum_y = np.bincount(bins, weights=event, minlength=n_bins)
    keep = count > 0
    return ReliabilityCurve(sum_p[keep] / count[keep], sum_y[keep] / count[keep], count[keep])


def expected_calibration_error(event: np.ndarray, prob: np.ndarray, n_bins: int = 10) -> float:
    """ECE: count-weighted mean gap between predicted probability and observed frequency."""
    curve = reliability_curve(event, prob, n_bins)
    if curve.count.sum() == 0:
        return float("nan")
    gaps = np.abs(curve.mean_predicted - curve.observed)
    return float(np.sum(gaps * curve.count) / np.sum(curve.count))


def interval_coverage(y_true: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of outcomes inside their closed interval."""
    y = np.asarray(y_true)
    return float(np.mean((y >= lower) & (y <= upper)))


def mean_width(lower: np.ndarray, upper: np.ndarray) -> float:
    """Mean interval width."""
    return float(np.mean(np.asarray(upper) - np.asarray(lower)))


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first; ties keep input order (stable)."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    return order[:k]


def dcg_at_k(gains_in_rank_order: np.ndarray, k: int) -> float:
    """Discounted cumulative gain of the first k gains (linear gains, log2 discount)."""
    g = np.asarray(gains_in_rank_order, dtype=float)[:k]
    return float(np.sum(g / np.log2(np.arange(2, g.size + 2))))


def ndcg_at_k(scores: np.ndarray, gains: np.ndarray, k: int = 10) -> float:
    """NDCG@k of ranking by ``scores`` when the true gain of each item is ``gains``."""
    gains = np.asarray(gains, dtype=float)
    ideal = dcg_at_k(np.sort(gains)[::-1], k)
    if ideal <= 0:
        return float("nan")
    return dcg_at_k(gains[top_k(scores, k)], k) / ideal


def precision_at_k(scores: np.ndarray, gains: np.ndarray, k: int = 10) -> float:
    """Share of the top-k by ``scores`` that is also in the top-k by ``gains``."""
    k = min(k, len(gains))
    if k == 0:
        return float("nan")
    overlap = np.intersect1d(top_k(scores, k), top_k(gains, k)).size
    return overlap / k


def oracle_gain_fraction(model: float, random: float, oracle: float) -> float:
    """Share of the gain from random order to the oracle a ranker achieves (0 random, 1 oracle)."""
    if oracle - random <= 0:
        return float("nan")
    return (model - random) / (oracle - random)
