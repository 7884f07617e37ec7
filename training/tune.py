"""``mutasi train --tune``: Optuna search over LightGBM hyper-parameters.

The objective is what promotion judges, measured on the *validation* split (the test split stays
untouched for the final evaluation): the oracle-gain fraction of NDCG@10 on the validation
period's vacancies when the data has an oracle, else Spearman. Each trial is a nested MLflow run
under one ``tune`` run; the sampler is seeded, so a search is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable

import mlflow
import numpy as np
import optuna

from features.catalogue import FeatureCatalogue
from mutasi.settings import Settings, get_settings
from training import tracking
from training.evaluate import RankingSetup, evaluate_models, ranking_setup
from training.fitting import TrainConfig
from training.model import FitModel, LgbParams
from training.train import Prepared, StepProgress, model_parts
from training.training_set import Part, SplitName, TimeSplit


def suggest_params(trial: optuna.trial.BaseTrial, base: LgbParams) -> LgbParams:
    """The search space (round counts stay as in ``base``: early stopping picks the length)."""
    return LgbParams(
        learning_rate=trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        num_leaves=trial.suggest_int("num_leaves", 4, 63, log=True),
        min_data_in_leaf=trial.suggest_int("min_data_in_leaf", 5, 200, log=True),
        feature_fraction=trial.suggest_float("feature_fraction", 0.5, 1.0),
        bagging_fraction=trial.suggest_float("bagging_fraction", 0.5, 1.0),
        bagging_freq=base.bagging_freq,
        lambda_l2=trial.suggest_float("lambda_l2", 1e-3, 10.0, log=True),
        num_boost_round=base.num_boost_round,
        early_stopping_rounds=base.early_stopping_rounds,
    )


def validation_objective(
    parts: dict[SplitName, Part],
    catalogue: FeatureCatalogue,
    config: TrainConfig,
    setup: RankingSetup,
) -> Callable[[optuna.Trial], float]:
    """Trial -> primary metric on the validation split of a model with the suggested params."""
    train, valid = parts["train"], parts["valid"]

    def objective(trial: optuna.Trial) -> float:
        params = suggest_params(trial, config.params)
        model = FitModel(catalogue.names, catalogue.monotone_constraints(), params, config.seed)
        model.fit(train.features, train.y, valid.features, valid.y)
        evaluation = evaluate_models([model], valid, setup.pools, seed=config.seed)
        metrics = evaluation.metrics[model.name]
        score = metrics[evaluation.primary_metric]
        with mlflow.start_run(run_name=f"trial-{trial.number}", nested=True):
            mlflow.log_params(trial.params)
            mlflow.log_metrics(
                {
                    f"valid_{evaluation.primary_metric}": score,
                    "valid_rmse": metrics["rmse"],
                    "best_iteration": model.regressor_.current_iteration(),
                }
            )
        return score if np.isfinite(score) else float("-inf")

    return objective


def tune_params(
    prepared: Prepared,
    config: TrainConfig,
    trials: int = 20,
    progress: StepProgress | None = None,
    settings: Settings | None = None,
) -> LgbParams:
    """Best parameters found in ``trials`` trials (logged as one parent run with nested trials)."""
    if trials < 1:
        raise ValueError(f"--trials must be >= 1, got {trials}")
    settings = settings or get_settings()
    training_set = prepared.training_set
    time_split = TimeSplit.from_fractions(training_set.moves["as_of"], config.fractions)
    parts, _ = model_parts(prepared, time_split, config.seed)
    inputs = prepared.inputs
    setup = ranking_setup(
        inputs.dataset, inputs.data_dir, parts["valid"], inputs.builder, inputs.rule_set,
        config.max_vacancies, seed=config.seed,
    )  # fmt: skip
    objective = validation_objective(parts, inputs.catalogue, config, setup)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=config.seed)
    )

    def report(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if progress is not None:
            progress("tuning hyper-parameters", len(study.trials), trials)

    tracking.configure(settings)
    experiment_id = tracking.ensure_experiment(settings.mlflow_experiment, settings)
    with mlflow.start_run(experiment_id=experiment_id, run_name="tune"):
        mlflow.set_tag("data_snapshot_id", prepared.inputs.dataset.snapshot_id)
        study.optimize(objective, n_trials=trials, callbacks=[report])
        mlflow.log_params({f"best_{k}": v for k, v in study.best_params.items()})
        mlflow.log_metric("best_valid_objective", study.best_value)
    return suggest_params(optuna.trial.FixedTrial(study.best_params), config.params)
