"""Fitting the models of a run: its configuration, and the LightGBM model with both baselines
fitted on one split (what the evaluation, the fairness audit and the MLflow record read)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from features.catalogue import FeatureCatalogue
from mutasi.settings import Settings
from training.baselines import HeuristicBaseline, LinearBaseline
from training.fair_ranking import FAIR, FairRankPolicy
from training.fairness_review import GateRule
from training.model import FitModel, LgbParams
from training.oracle_eval import MAX_VACANCIES
from training.propensity import PropensityConfig
from training.training_set import DEFAULT_FRACTIONS, Part, SplitName


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on besides the data."""

    seed: int = 7
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
    params: LgbParams = field(default_factory=LgbParams)
    max_vacancies: int = MAX_VACANCIES
    register: bool = True
    # Fairness mitigation in force and the gate's rule (issue 13; docs/fairness.md).
    propensity: PropensityConfig = field(default_factory=PropensityConfig)
    ranking_policy: FairRankPolicy = field(default_factory=FairRankPolicy)
    gate: GateRule = field(default_factory=GateRule)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> TrainConfig:
        """The configuration ``mutasi train`` runs with: the fairness settings, then
        ``overrides`` (e.g. ``seed``)."""
        config = cls(
            propensity=PropensityConfig(
                enabled=settings.fairness_propensity_weights,
                controls=settings.fairness_propensity_controls,
                clip=settings.fairness_propensity_clip,
            ),
            ranking_policy=FairRankPolicy(
                method=FAIR if settings.fairness_rerank == FAIR else "none",
                attributes=tuple(settings.fairness_rerank_attributes),
                target=settings.fairness_rerank_target,
                alpha=settings.fairness_rerank_alpha,
            ),
            gate=GateRule(settings.fairness_gate_margin, settings.fairness_gate_level),
        )
        return replace(config, **overrides)  # type: ignore[arg-type]


@dataclass
class Fitted:
    """The model and baselines fitted on one split."""

    model: FitModel
    heuristic: HeuristicBaseline
    linear: LinearBaseline


def fit_all(
    parts: dict[SplitName, Part],
    catalogue: FeatureCatalogue,
    config: TrainConfig,
    weights: np.ndarray | None = None,
) -> Fitted:
    """Fit the LightGBM model and both baselines on train (valid for stopping and conformal).

    ``weights`` (inverse-propensity weights of the training moves) weight the model only: the
    baselines stay what they were, so that the cost of the weighting shows against them.
    """
    args = (parts["train"].features, parts["train"].y, parts["valid"].features, parts["valid"].y)
    names, monotone = catalogue.names, catalogue.monotone_constraints()
    model = FitModel(names, monotone, config.params, config.seed).fit(*args, sample_weight=weights)
    return Fitted(model, HeuristicBaseline().fit(*args), LinearBaseline(names).fit(*args))
