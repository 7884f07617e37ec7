"""Fitting the models of a run: its configuration, and the LightGBM model with both baselines
fitted on one split (what the evaluation, the fairness audit and the MLflow record read)."""

from __future__ import annotations

from dataclasses import dataclass, field

from features.catalogue import FeatureCatalogue
from training.baselines import HeuristicBaseline, LinearBaseline
from training.model import FitModel, LgbParams
from training.oracle_eval import MAX_VACANCIES
from training.training_set import DEFAULT_FRACTIONS, Part, SplitName


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on besides the data."""

    seed: int = 7
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
    params: LgbParams = field(default_factory=LgbParams)
    max_vacancies: int = MAX_VACANCIES
    register: bool = True


@dataclass
class Fitted:
    """The model and baselines fitted on one split."""

    model: FitModel
    heuristic: HeuristicBaseline
    linear: LinearBaseline


def fit_all(
    parts: dict[SplitName, Part], catalogue: FeatureCatalogue, config: TrainConfig
) -> Fitted:
    """Fit the LightGBM model and both baselines on train (valid for stopping and conformal)."""
    args = (parts["train"].features, parts["train"].y, parts["valid"].features, parts["valid"].y)
    names, monotone = catalogue.names, catalogue.monotone_constraints()
    model = FitModel(names, monotone, config.params, config.seed).fit(*args)
    return Fitted(model, HeuristicBaseline().fit(*args), LinearBaseline(names).fit(*args))
