"""Inverse-propensity weights: correcting the training set for the historical policy's choices.

The training set holds only the (person, post) pairs the historical policy chose: an outcome is
observed for whoever was moved in, never for the eligible colleagues it passed over. The policy
chose on seniority, connections and region (features/synth/policy.py), so the moves a model
learns from are not the pairs it will rank: the pools of eligible candidates. Weighting each
training move by the inverse of the probability that the policy would have chosen that person
for that post (Rosenbaum & Rubin 1983; for rankers, Joachims, Swaminathan & Schnabel 2017)
makes the weighted moves stand for the pools, on everything the propensity model sees.

The propensity model is a "who gets moved where" classifier: each training move's chosen
person against ``controls`` eligible candidates sampled from the same vacancy's pool (same date,
same rules, same pair features as serving), fitted with small LightGBM trees on the model's
features and scored out of fold (folds by vacancy). Within one vacancy the policy's choice is a
conditional logit, so the chosen person's propensity is their odds over the pool's summed odds,
the non-chosen part estimated from the sampled controls:

    pi_i = odds_i / (odds_i + (N_v - m_v) * mean odds of v's controls)

Weights ``1 / pi`` are scaled to mean 1 and clipped at ``clip`` (then scaled again), the usual
guard against a few near-zero propensities dominating the fit (Cole & Hernan 2008). Selection on
what the data do not show (connections) stays uncorrected: no weight can see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, cross_val_predict

from training.oracle_eval import Vacancy, eligible_rows
from training.pipeline_inputs import PipelineInputs
from training.training_set import Part

N_FOLDS = 3
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PropensityConfig:
    """Whether and how training moves are weighted (``mutasi train`` reads it from settings)."""

    enabled: bool = False
    controls: int = 20
    clip: float = 10.0

    def __post_init__(self) -> None:
        if self.controls < 1:
            raise ValueError(f"propensity controls: must be >= 1, got {self.controls}")
        if not self.clip >= 1.0:
            raise ValueError(f"propensity clip: must be >= 1, got {self.clip}")

    @property
    def name(self) -> str:
        """``none`` or ``ipw(controls=20, clip=10)``: the training mitigation in force."""
        return f"ipw(controls={self.controls}, clip={self.clip:g})" if self.enabled else "none"

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the manifest and MLflow."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> PropensityConfig:
        """Inverse of :meth:`to_dict`; None or {} (a version from before) is no weighting."""
        known = {k: v for k, v in (raw or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class PropensityWeights:
    """Weights of the training moves (row order of the training part) and their diagnostics."""

    weights: np.ndarray
    auc: float  # out-of-fold AUC of chosen vs controls: how predictable the policy's choices are
    n_controls: int
    n_clipped: int
    pool_sizes: np.ndarray  # eligible pool size of each move's vacancy

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size of the weighted moves."""
        w = self.weights
        return float(w.sum() ** 2 / (w**2).sum())

    def metrics(self) -> dict[str, float]:
        """MLflow metrics (``propensity.*``)."""
        return {
            "propensity.auc": self.auc,
            "propensity.effective_n": self.effective_n,
            "propensity.n_controls": float(self.n_controls),
            "propensity.n_clipped": float(self.n_clipped),
            "propensity.max_weight": float(self.weights.max()),
        }


def _sample_controls(
    inputs: PipelineInputs, moves: pd.DataFrame, controls: int, seed: int, progress: Progress | None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Features of sampled non-chosen eligible candidates, their vacancy code, and each
    vacancy's pool size (code = order of first appearance in ``moves``)."""
    rng = np.random.default_rng(seed)
    keys = list(zip(moves["position_id"].astype(str), pd.to_datetime(moves["as_of"]), strict=True))
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object))
    movers: dict[int, set[str]] = {}
    for move_code, nip in zip(codes, moves["nip"].astype(str), strict=True):
        movers.setdefault(int(move_code), set()).add(nip)
    by_date: dict[pd.Timestamp, list[int]] = {}
    for number, (_, as_of) in enumerate(uniques):
        by_date.setdefault(as_of, []).append(number)
    parts: list[pd.DataFrame] = []
    part_codes: list[np.ndarray] = []
    pool_size = np.zeros(len(uniques), dtype=np.int64)
    done = 0
    for as_of, group in by_date.items():
        snapshot = inputs.builder.snapshot(as_of)
        all_nips = snapshot.state["nip"].to_numpy(dtype=object).astype(str)
        for code in group:
            position = str(uniques[code][0])
            keep = eligible_rows(
                snapshot, inputs.dataset, Vacancy(position, as_of), inputs.rule_set
            )
            pool = all_nips[keep]
            others = pool[~np.isin(pool, list(movers[code]))]
            pool_size[code] = len(others) + len(movers[code])
            if len(others):
                chosen = rng.choice(others, size=min(controls, len(others)), replace=False)
                parts.append(snapshot.pair_features(position, list(chosen)).reset_index(drop=True))
                part_codes.append(np.full(len(chosen), code))
            done += 1
            if progress is not None:
                progress(done, len(uniques))
    features = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    control_codes = np.concatenate(part_codes) if part_codes else np.zeros(0, dtype=np.int64)
    return features, control_codes, pool_size[codes]


def propensity_weights(
    inputs: PipelineInputs,
    train: Part,
    feature_names: list[str],
    config: PropensityConfig,
    seed: int = 0,
    progress: Progress | None = None,
) -> PropensityWeights:
    """Weights of the training moves from the propensity model (see the module docstring)."""
    moves = train.moves.reset_index(drop=True)
    controls, control_vacancy, pool_size = _sample_controls(
        inputs, moves, config.controls, seed, progress
    )
    keys = list(zip(moves["position_id"].astype(str), pd.to_datetime(moves["as_of"]), strict=True))
    move_vacancy = pd.factorize(pd.Series(keys, dtype=object))[0]
    if controls.empty:
        raise ValueError(
            "propensity weights: no vacancy of the training moves has other candidates"
        )
    x = pd.concat(
        [train.features[feature_names], controls[feature_names]], ignore_index=True
    ).to_numpy(dtype=np.float64, na_value=np.nan)
    chosen = np.concatenate([np.ones(len(moves)), np.zeros(len(controls))]).astype(np.int64)
    groups = np.concatenate([move_vacancy, control_vacancy])
    model = LGBMClassifier(
        n_estimators=200, num_leaves=7, learning_rate=0.05, min_child_samples=40,
        subsample=0.8, subsample_freq=1, colsample_bytree=0.8, reg_lambda=10.0,
        n_jobs=1, random_state=seed, verbose=-1,
    )  # fmt: skip
    folds = GroupKFold(n_splits=min(N_FOLDS, len(np.unique(groups))))
    proba = cross_val_predict(model, x, chosen, cv=folds, groups=groups, method="predict_proba")
    p = np.clip(proba[:, 1], 1e-6, 1 - 1e-6)
    odds = p / (1 - p)
    move_odds, control_odds = odds[: len(moves)], odds[len(moves) :]
    mean_control = pd.Series(control_odds).groupby(control_vacancy).mean()
    n_movers = np.bincount(move_vacancy)[move_vacancy]
    others = np.maximum(pool_size - n_movers, 0)
    rest = mean_control.reindex(move_vacancy).fillna(0.0).to_numpy() * others
    pi = move_odds / (move_odds + rest)
    weights, n_clipped = clipped_weights(1.0 / pi, config.clip)
    return PropensityWeights(
        weights=weights,
        auc=float(roc_auc_score(chosen, proba[:, 1])),
        n_controls=len(controls),
        n_clipped=n_clipped,
        pool_sizes=pool_size,
    )


def clipped_weights(raw: np.ndarray, clip: float) -> tuple[np.ndarray, int]:
    """Weights scaled to mean 1, capped at ``clip``, scaled to mean 1 again; and how many were
    capped."""
    w = np.asarray(raw, dtype=np.float64)
    w = w / w.mean()
    capped = w > clip
    w = np.minimum(w, clip)
    return w / w.mean(), int(capped.sum())
