"""The fit model: a LightGBM regressor of the post-move SKP rating (1..5), a LightGBM classifier of
P(rating >= baik), and split-conformal intervals around the regressor.

Both boosters use the catalogue's monotone constraints, early-stop on the validation split and are
deterministic for a seed (``deterministic``, ``force_col_wise``, fixed ``num_threads``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from training.intervals import DEFAULT_LEVEL, DEFAULT_LEVELS, RATING_MAX, RATING_MIN, SplitConformal
from training.metrics import GOOD_RATING

NUM_THREADS = 2


class RatingModel(Protocol):
    """What evaluation needs from any model (the LightGBM model and the baselines alike)."""

    name: str

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Expected post-move rating on the 1..5 scale."""
        ...

    def rank_score(self, features: pd.DataFrame) -> np.ndarray:
        """Score candidates are ranked by (higher = better)."""
        ...

    def prob_good(self, features: pd.DataFrame) -> np.ndarray:
        """P(rating >= baik)."""
        ...

    def interval(
        self, features: pd.DataFrame, level: float = DEFAULT_LEVEL
    ) -> tuple[np.ndarray, np.ndarray]:
        """Prediction interval of the rating at a nominal coverage level."""
        ...


@dataclass(frozen=True)
class LgbParams:
    """Tunable LightGBM hyper-parameters (``--tune`` searches over these).

    Defaults suit about a thousand training moves (a province's decade): very small trees with
    large leaves, column subsampling and L2, because the outcome is close to additive and noisy.
    Chosen on the validation splits of four generated provinces (docs/model.md). Every tree is
    paid for again in each ranking request, so the learning rate is the one with the best
    validation oracle gain among those whose model ranks 10,000 candidates within the serving
    target (median < 30 ms): 0.03 gained 0.008 with 2.9x the trees and missed it.
    """

    learning_rate: float = 0.1
    num_leaves: int = 4
    min_data_in_leaf: int = 100
    # A leaf never needs more than this share of the training rows: on a small training set
    # min_data_in_leaf is lowered to it, so that the trees can still split (a town's 300 moves).
    max_leaf_share: float = 0.1
    feature_fraction: float = 0.6
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 10.0
    num_boost_round: int = 1000
    early_stopping_rounds: int = 50

    def leaf_size(self, n_rows: int) -> int:
        """``min_data_in_leaf`` for a training set of ``n_rows`` (capped by ``max_leaf_share``)."""
        return max(1, min(self.min_data_in_leaf, int(self.max_leaf_share * n_rows)))

    def booster_params(
        self,
        objective: str,
        seed: int,
        monotone: Sequence[int],
        n_rows: int,
        num_threads: int = NUM_THREADS,
    ) -> dict[str, Any]:
        """Parameters for ``lgb.train`` on ``n_rows`` training rows (the two round counts go to
        ``lgb.train`` itself)."""
        params = asdict(self)
        for key in ("num_boost_round", "early_stopping_rounds", "max_leaf_share"):
            params.pop(key)
        return {
            **params,
            "min_data_in_leaf": self.leaf_size(n_rows),
            "objective": objective,
            "metric": "l2" if objective == "regression" else "binary_logloss",
            "monotone_constraints": list(monotone),
            "monotone_constraints_method": "intermediate",
            "seed": seed,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": num_threads,
            "verbosity": -1,
        }


def _train_booster(
    params: dict[str, Any],
    x_train: pd.DataFrame,
    y_train: np.ndarray,
    x_valid: pd.DataFrame,
    y_valid: np.ndarray,
    num_boost_round: int,
    early_stopping_rounds: int,
    weight: np.ndarray | None = None,
) -> lgb.Booster:
    """Train with early stopping, then keep only the best iteration's trees.

    ``weight`` weights the training rows (inverse-propensity weights, training/propensity.py);
    the validation rows that stop the boosting stay unweighted.

    Trimming makes the in-memory booster identical to the one MLflow saves and reloads, so that
    training-time metrics and serving predictions come from the same trees.
    """
    train_set = lgb.Dataset(x_train, label=y_train, weight=weight, free_raw_data=False)
    valid_set = lgb.Dataset(x_valid, label=y_valid, reference=train_set, free_raw_data=False)
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=num_boost_round,
        valid_sets=[valid_set],
        valid_names=["valid"],
        callbacks=[lgb.early_stopping(early_stopping_rounds, verbose=False)],
    )
    best = booster.best_iteration or booster.current_iteration()
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=best))


class FitModel(BaseEstimator):  # type: ignore[misc]  # sklearn ships no type hints
    """LightGBM regressor + P(baik+) classifier + conformal intervals over catalogue features.

    A scikit-learn estimator: ``__init__`` stores its parameters unchanged (so ``get_params``,
    ``set_params`` and ``clone`` work, and a run logs them as they were given) and ``fit`` sets
    the fitted state, ``regressor_``, ``classifier_`` and ``conformal_``.
    """

    name = "lightgbm"

    def __init__(
        self,
        feature_names: Sequence[str],
        monotone: Sequence[int],
        params: LgbParams | None = None,
        seed: int = 7,
        levels: Sequence[float] = DEFAULT_LEVELS,
    ) -> None:
        if len(feature_names) != len(monotone):
            raise ValueError(
                f"{len(feature_names)} features but {len(monotone)} monotone constraints"
            )
        self.feature_names = feature_names
        self.monotone = monotone
        self.params = params
        self.seed = seed
        self.levels = levels

    def fit(
        self,
        x_train: pd.DataFrame,
        y_train: np.ndarray,
        x_valid: pd.DataFrame,
        y_valid: np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> Self:
        """Fit regressor and classifier (early stopping on valid), then conformal on valid.

        ``sample_weight`` (one per training row, e.g. inverse-propensity weights) weights both
        boosters' training rows.
        """
        if sample_weight is not None and len(sample_weight) != len(x_train):
            raise ValueError(
                f"{len(sample_weight)} sample weights for {len(x_train)} training rows"
            )
        xt, xv = self._select(x_train), self._select(x_valid)
        good_train, good_valid = (y_train >= GOOD_RATING), (y_valid >= GOOD_RATING)
        if good_train.all() or not good_train.any():
            raise ValueError("training split has a single outcome class for 'baik or better'")
        params = self.params or LgbParams()
        rounds = (params.num_boost_round, params.early_stopping_rounds)
        self.regressor_ = _train_booster(
            params.booster_params("regression", self.seed, self.monotone, len(xt)),
            xt, y_train, xv, y_valid, *rounds, sample_weight,
        )  # fmt: skip
        self.classifier_ = _train_booster(
            params.booster_params("binary", self.seed, self.monotone, len(xt)),
            xt, good_train.astype(float), xv, good_valid.astype(float), *rounds, sample_weight,
        )  # fmt: skip
        self.conformal_ = SplitConformal(tuple(self.levels)).fit(y_valid, self.predict(xv))
        return self

    @classmethod
    def from_fitted(
        cls,
        regressor: lgb.Booster,
        classifier: lgb.Booster,
        conformal: SplitConformal,
        monotone: Sequence[int],
    ) -> FitModel:
        """Rebuild a fitted model from its parts (what the registry and bundle store)."""
        model = cls(regressor.feature_name(), monotone, levels=conformal.levels)
        model.regressor_, model.classifier_, model.conformal_ = regressor, classifier, conformal
        return model

    def _select(self, features: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.feature_names if c not in features.columns]
        if missing:
            raise KeyError(f"feature frame lacks model features {missing}")
        return features[list(self.feature_names)]

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Expected rating, clipped to 1..5."""
        raw = np.asarray(self.regressor_.predict(self._select(features)), dtype=float)
        clipped: np.ndarray = np.clip(raw, RATING_MIN, RATING_MAX)
        return clipped

    def rank_score(self, features: pd.DataFrame) -> np.ndarray:
        """Candidates are ranked by expected rating."""
        return self.predict(features)

    def prob_good(self, features: pd.DataFrame) -> np.ndarray:
        """P(rating >= baik) from the classifier."""
        return np.asarray(self.classifier_.predict(self._select(features)), dtype=float)

    def interval(
        self, features: pd.DataFrame, level: float = DEFAULT_LEVEL
    ) -> tuple[np.ndarray, np.ndarray]:
        """Split-conformal interval around the expected rating."""
        return self.conformal_.interval(self.predict(features), level)

    def importance(self) -> pd.DataFrame:
        """Gain and split importance of the regressor, most important first."""
        return (
            pd.DataFrame(
                {
                    "feature": self.regressor_.feature_name(),
                    "gain": self.regressor_.feature_importance("gain"),
                    "split": self.regressor_.feature_importance("split"),
                }
            )
            .sort_values("gain", ascending=False)
            .reset_index(drop=True)
        )

    def contributions(self, features: pd.DataFrame) -> np.ndarray:
        """Per-row SHAP values of the regressor (TreeSHAP), without the bias column."""
        contrib = self.regressor_.predict(self._select(features), pred_contrib=True)
        return np.asarray(contrib)[:, :-1]
