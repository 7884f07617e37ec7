"""``mutasi train`` as a function: data -> training set -> model and baselines -> evaluation ->
fairness audit -> MLflow run with model card, registered model version with alias ``challenger``.

Promotion to ``champion`` is never done here: ``mutasi promote`` compares first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mutasi.settings import Settings, get_settings
from training.evaluate import Evaluation, evaluate_models, ranking_setup
from training.fairness_audit import Audit, AuditOptions, audit_training
from training.fairness_mitigation import champion_ranks, record_served_gain
from training.feature_use import availability_now, blank, retired_features
from training.fitting import Fitted, TrainConfig, fit_all
from training.model import FitModel
from training.pipeline_inputs import PipelineInputs, load_inputs
from training.propensity import propensity_weights
from training.run_record import log_training_run
from training.training_set import (
    Part,
    SplitName,
    TimeSplit,
    TrainingSet,
    build_training_set,
)

# (step description, done, total): the CLI draws rich progress bars from it.
StepProgress = Callable[[str, int, int], None]


@dataclass
class TrainResult:
    """What a training run produced."""

    run_id: str
    model_version: str | None
    evaluation: Evaluation
    time_split: TimeSplit
    prepared: Prepared
    parts: dict[SplitName, Part]
    fitted: Fitted
    retired: dict[str, str]
    audit: Audit | None = None

    @property
    def model(self) -> FitModel:
        """The LightGBM model of the run."""
        return self.fitted.model

    @property
    def training_set(self) -> TrainingSet:
        """All usable moves of the run."""
        return self.prepared.training_set


def model_parts(
    prepared: Prepared, time_split: TimeSplit, seed: int
) -> tuple[dict[SplitName, Part], dict[str, str]]:
    """The split with retired features blanked (see :mod:`training.feature_use`), and those
    features with the reason each was retired."""
    parts = prepared.training_set.split(time_split)
    dataset = prepared.inputs.dataset
    as_of = dataset.export_date or prepared.training_set.moves["as_of"].max()
    now = availability_now(prepared.inputs.builder, dataset, pd.Timestamp(as_of), seed)
    retired = retired_features(prepared.inputs.catalogue, parts["train"].features, now)
    blanked = {k: Part(p.moves, blank(p.features, retired), p.y) for k, p in parts.items()}
    return blanked, retired


def _quiet(_: str, __: int, ___: int) -> None:
    return None


@dataclass
class Prepared:
    """Loaded inputs and the training set built from them (reused by tuning and tests)."""

    inputs: PipelineInputs
    training_set: TrainingSet


def prepare(
    data_dir: Path, settings: Settings | None = None, progress: StepProgress | None = None
) -> Prepared:
    """Validate and load the data, fit the feature builder, build the training set."""
    report = progress or _quiet
    inputs = load_inputs(Path(data_dir), settings or get_settings())
    training_set = build_training_set(
        inputs.dataset,
        inputs.builder,
        progress=lambda d, t: report("building training features", d, t),
    )
    return Prepared(inputs, training_set)


def train(
    data_dir: Path,
    config: TrainConfig | None = None,
    progress: StepProgress | None = None,
    settings: Settings | None = None,
) -> TrainResult:
    """Train, evaluate and log one model version (alias ``challenger``)."""
    return train_on(prepare(data_dir, settings, progress), config, progress, settings)


def train_on(
    prepared: Prepared,
    config: TrainConfig | None = None,
    progress: StepProgress | None = None,
    settings: Settings | None = None,
) -> TrainResult:
    """Split, fit, evaluate and log on an already built training set."""
    config = config or TrainConfig()
    settings = settings or get_settings()
    report = progress or _quiet
    inputs, training_set = prepared.inputs, prepared.training_set
    time_split = TimeSplit.from_fractions(training_set.moves["as_of"], config.fractions)
    parts, retired = model_parts(prepared, time_split, config.seed)
    propensity = None
    if config.propensity.enabled:
        propensity = propensity_weights(
            inputs,
            parts["train"],
            [name for name in inputs.catalogue.names if name not in retired],
            config.propensity,
            config.seed,
            progress=lambda d, t: report("propensity weights (pools of training moves)", d, t),
        )
    report("fitting model and baselines", 0, 1)
    weights = propensity.weights if propensity is not None else None
    fitted = fit_all(parts, inputs.catalogue, config, weights)
    report("fitting model and baselines", 1, 1)
    setup = ranking_setup(
        inputs.dataset,
        inputs.data_dir,
        parts["test"],
        inputs.builder,
        inputs.rule_set,
        config.max_vacancies,
        seed=config.seed,
        progress=lambda d, t: report("ranking held-out vacancies", d, t),
    )
    evaluation = evaluate_models(
        [fitted.model, fitted.heuristic, fitted.linear],
        parts["test"],
        setup.pools,
        setup.note,
        setup.n_skipped,
        seed=config.seed,
    )
    record_served_gain(evaluation, setup, fitted.model.name, config.ranking_policy)
    report("fairness audit", 0, 1)
    options = AuditOptions(
        policy=config.ranking_policy,
        training_mitigation=config.propensity.name,
        weights=weights,
        champion_ranks=champion_ranks(settings, setup, inputs) if config.register else None,
        rule=config.gate,
        propensity=propensity.metrics() if propensity is not None else {},
    )
    audit = audit_training(
        fitted.model,
        evaluation,
        setup,
        inputs,
        parts,
        list(retired),
        config.max_vacancies,
        config.seed,
        progress=lambda d, t: report("pools of held-out vacancies for the audit", d, t),
        options=options,
    )
    report("fairness audit", 1, 1)
    report("logging to MLflow", 0, 1)
    run_id, version = log_training_run(
        inputs,
        training_set,
        time_split,
        parts,
        fitted,
        retired,
        evaluation,
        setup,
        config,
        settings,
        audit,
    )
    report("logging to MLflow", 1, 1)
    return TrainResult(
        run_id, version, evaluation, time_split, prepared, parts, fitted, retired, audit
    )
