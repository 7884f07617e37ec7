"""Predict, pick the top k, and explain only those: the part rankings and recommendations share.

The regressor scores every eligible row (one ``Booster.predict`` on a float matrix); the
classifier, the intervals and TreeSHAP then run on the k returned rows only, which is what keeps
a 10,000-candidate ranking within a few tens of milliseconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from serving.domain.explain import Explanation, explain_rows, top_reasons
from serving.schemas.common import Contribution, Prediction
from serving.state import ServingState
from training.intervals import RATING_MAX, RATING_MIN


@dataclass(frozen=True)
class ScoredRow:
    """One returned row: its place, prediction, reasons and what the audit log keeps."""

    row: int
    rank: int
    prediction: Prediction
    contributions: list[Contribution]
    features: dict[str, float | None]
    raw_prediction: float
    shap_base_value: float | None
    shap_values: dict[str, float] | None


@dataclass(frozen=True)
class Scored:
    """The top rows in rank order, and the time TreeSHAP took."""

    rows: list[ScoredRow]
    shap_seconds: float


def top_k(scores: np.ndarray, keys: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first; ties broken by ``keys`` (ascending).

    ``argpartition`` finds the k-th score in linear time; every row tying with it is kept
    before the final sort so that the cut is deterministic, not an accident of partitioning.
    """
    n = len(scores)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    if n > k:
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        chosen = np.flatnonzero(scores >= kth)
    else:
        chosen = np.arange(n)
    order = np.lexsort((keys[chosen], -scores[chosen]))
    return np.asarray(chosen[order][:k], dtype=np.int64)


@dataclass(frozen=True)
class _Outputs:
    """Model outputs of the chosen rows, in rank order."""

    top: np.ndarray
    features: np.ndarray
    raw: np.ndarray
    rating: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    p_good: np.ndarray
    explanation: Explanation


def score_top(
    state: ServingState,
    features: np.ndarray,
    keys: np.ndarray,
    k: int,
    n_explain: int,
    n_reasons: int,
) -> Scored:
    """Score every row of ``features`` (model column order), keep the top k, explain a few."""
    if len(features) == 0:
        return Scored([], 0.0)
    threads = state.predict_threads
    raw_all = np.asarray(state.regressor.predict(features, num_threads=threads), dtype=np.float64)
    top = top_k(raw_all, keys, k)
    chosen = features[top]
    rating = np.clip(raw_all[top], RATING_MIN, RATING_MAX)
    started = time.perf_counter()
    explanation = explain_rows(state.regressor, chosen[: min(n_explain, len(top))], threads)
    shap_seconds = time.perf_counter() - started
    out = _Outputs(
        top=top,
        features=chosen,
        raw=raw_all[top],
        rating=rating,
        lower=np.clip(rating - state.half_width, RATING_MIN, RATING_MAX),
        upper=np.clip(rating + state.half_width, RATING_MIN, RATING_MAX),
        p_good=np.asarray(state.classifier.predict(chosen, num_threads=threads), dtype=np.float64),
        explanation=explanation,
    )
    return Scored([_scored_row(state, out, i, n_reasons) for i in range(len(top))], shap_seconds)


def _contributions(
    state: ServingState, values: list[float], shap: np.ndarray, n_reasons: int
) -> list[Contribution]:
    return [
        Contribution(
            feature=r.feature,
            value=r.value,
            contribution=r.contribution,
            reason_id=r.reason_id,
            reason_en=r.reason_en,
        )
        for r in top_reasons(state.feature_specs, values, shap, n_reasons)
    ]


def _scored_row(state: ServingState, out: _Outputs, i: int, n_reasons: int) -> ScoredRow:
    names = state.feature_names
    values: list[float] = out.features[i].tolist()  # plain floats: per-element numpy is slow
    explained = i < len(out.explanation.values)
    shap = out.explanation.values[i] if explained else None
    return ScoredRow(
        row=int(out.top[i]),
        rank=i + 1,
        prediction=Prediction(
            rating=round(float(out.rating[i]), 4),
            lower=round(float(out.lower[i]), 4),
            upper=round(float(out.upper[i]), 4),
            interval_level=state.interval_level,
            p_baik_or_better=round(float(out.p_good[i]), 4),
        ),
        contributions=[] if shap is None else _contributions(state, values, shap, n_reasons),
        features={name: (None if v != v else v) for name, v in zip(names, values, strict=True)},
        raw_prediction=float(out.raw[i]),
        shap_base_value=float(out.explanation.base_value[i]) if explained else None,
        shap_values=None if shap is None else dict(zip(names, shap.tolist(), strict=True)),
    )
