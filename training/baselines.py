"""Baselines the model must beat, trained and evaluated exactly like it.

- :class:`HeuristicBaseline`: what an HR officer does by hand: field match, last SKP, seniority,
  with fixed weights (not learned). It only ranks; a 1-D linear map of its score fitted on the
  training split turns it into a rating for the regression metrics.
- :class:`LinearBaseline`: ridge regression on all catalogue features (median imputation plus
  missing-value indicators, standardised).

Both get P(baik+) from a 1-D logistic regression of their score on the training split and
split-conformal intervals from the validation split, like the LightGBM model.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Self

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from training.intervals import DEFAULT_LEVEL, DEFAULT_LEVELS, RATING_MAX, RATING_MIN, SplitConformal
from training.metrics import GOOD_RATING

# score = 2 * field_position_fit + skp_last_rating + 0.1 * years_of_service. Fixed by design:
# a rule an HR officer applies, a field match counts as much as two rating steps.
HEURISTIC_WEIGHTS: dict[str, float] = {
    "field_position_fit": 2.0,
    "skp_last_rating": 1.0,
    "years_of_service": 0.1,
}
# What the officer assumes when a value is unknown: no field match, a middling rating.
HEURISTIC_FILL: dict[str, float] = {
    "field_position_fit": 0.0,
    "skp_last_rating": 3.0,
    "years_of_service": 0.0,
}


class ScoreBaseline(ABC):
    """A baseline defined by a score; rating, P(baik+) and intervals are fitted on top of it."""

    name: str

    def __init__(self, levels: Sequence[float] = DEFAULT_LEVELS) -> None:
        self.levels = tuple(levels)

    @abstractmethod
    def _fit_score(self, features: pd.DataFrame, y: np.ndarray) -> None:
        """Fit whatever the score itself needs (nothing for a fixed rule)."""

    @abstractmethod
    def score(self, features: pd.DataFrame) -> np.ndarray:
        """The baseline's raw score (higher = better candidate)."""

    def fit(
        self,
        x_train: pd.DataFrame,
        y_train: np.ndarray,
        x_valid: pd.DataFrame,
        y_valid: np.ndarray,
    ) -> Self:
        """Fit score, its linear map to ratings and its logistic P(baik+) on train; conformal on
        valid."""
        self._fit_score(x_train, y_train)
        s = self.score(x_train)
        self.slope_, self.intercept_ = (float(v) for v in np.polyfit(s, y_train, deg=1))
        self.logistic_ = LogisticRegression().fit(s.reshape(-1, 1), y_train >= GOOD_RATING)
        self.conformal_ = SplitConformal(self.levels).fit(y_valid, self.predict(x_valid))
        return self

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Expected rating: the linear map of the score, clipped to 1..5."""
        raw = self.slope_ * self.score(features) + self.intercept_
        return np.clip(raw, RATING_MIN, RATING_MAX)

    def rank_score(self, features: pd.DataFrame) -> np.ndarray:
        """Candidates are ranked by the raw score."""
        return self.score(features)

    def prob_good(self, features: pd.DataFrame) -> np.ndarray:
        """P(rating >= baik) from the 1-D logistic regression of the score."""
        proba = self.logistic_.predict_proba(self.score(features).reshape(-1, 1))
        return np.asarray(proba[:, 1], dtype=float)

    def interval(
        self, features: pd.DataFrame, level: float = DEFAULT_LEVEL
    ) -> tuple[np.ndarray, np.ndarray]:
        """Split-conformal interval around the expected rating."""
        return self.conformal_.interval(self.predict(features), level)


class HeuristicBaseline(ScoreBaseline):
    """The HR officer's rule: 2 x field match + last SKP rating + 0.1 x years of service."""

    name = "heuristic"

    def _fit_score(self, features: pd.DataFrame, y: np.ndarray) -> None:
        missing = [c for c in HEURISTIC_WEIGHTS if c not in features.columns]
        if missing:
            raise KeyError(f"heuristic baseline needs features {missing}")

    def score(self, features: pd.DataFrame) -> np.ndarray:
        """Weighted sum of the three features, unknown values filled as the officer would."""
        total = np.zeros(len(features))
        for column, weight in HEURISTIC_WEIGHTS.items():
            values = features[column].to_numpy(dtype=float, na_value=np.nan)
            total += weight * np.where(np.isnan(values), HEURISTIC_FILL[column], values)
        return total


class LinearBaseline(ScoreBaseline):
    """Ridge regression on every feature; its prediction is the score."""

    name = "linear"

    def __init__(
        self,
        feature_names: Sequence[str],
        alpha: float = 1.0,
        levels: Sequence[float] = DEFAULT_LEVELS,
    ) -> None:
        super().__init__(levels)
        self.feature_names = list(feature_names)
        self.alpha = alpha

    def _fit_score(self, features: pd.DataFrame, y: np.ndarray) -> None:
        # keep_empty_features: a feature entirely missing in train (optional table absent)
        # must not shift columns; it imputes to 0 and only its indicator carries signal.
        self.pipeline_: Pipeline = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            StandardScaler(),
            Ridge(alpha=self.alpha),
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            self.pipeline_.fit(features[self.feature_names], y)

    def score(self, features: pd.DataFrame) -> np.ndarray:
        """The ridge prediction."""
        return np.asarray(self.pipeline_.predict(features[self.feature_names]), dtype=float)
