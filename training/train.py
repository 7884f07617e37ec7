"""``mutasi train`` as a function: data -> training set -> model and baselines -> evaluation ->
MLflow run, registered model version with alias ``challenger``.

Promotion to ``champion`` is never done here: ``mutasi promote`` compares first.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd

from features.catalogue import FeatureCatalogue
from features.contract import CONTRACT_VERSION
from mutasi.settings import Settings, get_settings
from training import plots, tracking
from training.baselines import HeuristicBaseline, LinearBaseline
from training.bundle import BUNDLE_DIR, BundleManifest, write_bundle
from training.data import (
    DEFAULT_FRACTIONS,
    Part,
    SplitName,
    TimeSplit,
    TrainingSet,
    build_training_set,
)
from training.evaluate import Evaluation, RankingSetup, evaluate_models, ranking_setup
from training.feature_use import availability_now, blank, retired_features
from training.model import FitModel, LgbParams
from training.pipeline_inputs import PipelineInputs, load_inputs
from training.ranking import MAX_VACANCIES

# (step description, done, total): the CLI draws rich progress bars from it.
StepProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on besides the data."""

    seed: int = 7
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
    params: LgbParams = field(default_factory=LgbParams)
    max_vacancies: int = MAX_VACANCIES
    register: bool = True


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

    @property
    def model(self) -> FitModel:
        """The LightGBM model of the run."""
        return self.fitted.model

    @property
    def training_set(self) -> TrainingSet:
        """All usable moves of the run."""
        return self.prepared.training_set


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
    report("fitting model and baselines", 0, 1)
    fitted = fit_all(parts, inputs.catalogue, config)
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
    )
    report("logging to MLflow", 1, 1)
    return TrainResult(run_id, version, evaluation, time_split, prepared, parts, fitted, retired)


def lineage_tags(inputs: PipelineInputs) -> dict[str, str]:
    """Tags every run carries: data snapshot, contract, code, catalogue and rule-set versions."""
    return {
        "data_snapshot_id": inputs.dataset.snapshot_id or "unknown",
        "data_dir": str(inputs.data_dir),
        "contract_version": CONTRACT_VERSION,
        "git_commit": tracking.git_commit(),
        "git_dirty": tracking.git_dirty(),
        "feature_catalogue_version": inputs.catalogue.version,
        "rule_set_version": inputs.rule_set.version,
    }


def _split_summary(time_split: TimeSplit, parts: dict[SplitName, Part]) -> dict[str, Any]:
    return {
        **time_split.as_dict(),
        **{
            f"{name}_{edge}": str(getattr(part.moves["as_of"], edge)().date())
            for name, part in parts.items()
            for edge in ("min", "max")
        },
        **{f"n_{name}": len(part) for name, part in parts.items()},
    }


def manifest_of(
    inputs: PipelineInputs,
    training_set: TrainingSet,
    time_split: TimeSplit,
    model: FitModel,
    evaluation: Evaluation,
    config: TrainConfig,
) -> BundleManifest:
    """The bundle manifest of a freshly trained model."""
    return BundleManifest(
        feature_names=model.feature_names,
        monotone=model.monotone,
        catalogue_version=inputs.catalogue.version,
        rule_set_version=inputs.rule_set.version,
        contract_version=CONTRACT_VERSION,
        builder_params=inputs.builder_params,
        data_dir=str(inputs.data_dir),
        data_snapshot_id=inputs.dataset.snapshot_id,
        split=time_split.as_dict(),
        seed=config.seed,
        lgb_params=asdict(config.params),
        has_oracle=evaluation.ranking is not None,
        max_vacancies=config.max_vacancies,
        metrics=evaluation.flat(model.name),
        outcome_counts=training_set.counts.as_dict(),
    )


def _write_artifacts(
    out: Path,
    inputs: PipelineInputs,
    parts: dict[SplitName, Part],
    fitted: Fitted,
    evaluation: Evaluation,
    split: dict[str, Any],
) -> None:
    """Files logged next to the model: plots, importance, catalogue, rules, reports."""
    model, test = fitted.model, parts["test"]
    importance = model.importance()
    importance.to_csv(out / "feature_importance.csv", index=False)
    plots.importance_plot(importance, out / "feature_importance.png")
    sample = test.features.sample(
        n=min(plots.SHAP_SAMPLE, len(test)), random_state=model.seed
    ).reset_index(drop=True)
    plots.shap_summary(
        model.contributions(sample), sample[model.feature_names], out / "shap_summary.png"
    )
    plots.calibration_plot(evaluation.curves, out / "calibration.png")
    (out / "split.json").write_text(json.dumps(split, indent=2), encoding="utf-8")
    baselines = {k: v for k, v in evaluation.metrics.items() if k != model.name}
    (out / "baselines_metrics.json").write_text(json.dumps(baselines, indent=2), encoding="utf-8")
    (out / "heuristic_weights.json").write_text(
        json.dumps(
            {"slope": fitted.heuristic.slope_, "intercept": fitted.heuristic.intercept_}, indent=2
        ),
        encoding="utf-8",
    )
    inputs.catalogue.to_frame().to_csv(out / "catalogue.csv", index=False)
    (out / "catalogue.yaml").write_text(
        inputs.catalogue_path.read_text(encoding="utf-8"), encoding="utf-8"
    )
    (out / "rules.yaml").write_text(inputs.rule_set_yaml, encoding="utf-8")
    (out / "rule_set.json").write_text(inputs.rule_set_json(), encoding="utf-8")
    inputs.validation.write(out / "validation")
    if evaluation.ranking is not None:
        evaluation.ranking.per_vacancy.to_csv(out / "ranking_per_vacancy.csv", index=False)


def log_training_run(
    inputs: PipelineInputs,
    training_set: TrainingSet,
    time_split: TimeSplit,
    parts: dict[SplitName, Part],
    fitted: Fitted,
    retired: dict[str, str],
    evaluation: Evaluation,
    setup: RankingSetup,
    config: TrainConfig,
    settings: Settings,
) -> tuple[str, str | None]:
    """One MLflow run with params, metrics, lineage tags, artifacts, bundle and model."""
    tracking.configure(settings)
    experiment_id = tracking.ensure_experiment(settings.mlflow_experiment, settings)
    model = fitted.model
    split = _split_summary(time_split, parts)
    with mlflow.start_run(experiment_id=experiment_id, run_name="train") as run:
        mlflow.set_tags({**lineage_tags(inputs), "ranking": setup.note})
        mlflow.log_params(
            {
                "seed": config.seed,
                "split_fractions": "/".join(f"{f:g}" for f in config.fractions),
                **{f"split_{k}": v for k, v in split.items()},
                **{f"lgb_{k}": v for k, v in asdict(config.params).items()},
                "best_iteration_regressor": model.regressor_.current_iteration(),
                "best_iteration_classifier": model.classifier_.current_iteration(),
                "n_features": len(model.feature_names),
                "retired_features": ",".join(retired) or "none",
                "monotone_constraints": _monotone_text(model),
                "conformal_levels": ",".join(str(lv) for lv in model.levels),
                "max_vacancies": config.max_vacancies,
            }
        )
        mlflow.log_metrics(
            {
                **evaluation.flat(model.name),
                **{f"data_{k}": float(v) for k, v in training_set.counts.as_dict().items()},
                **{
                    f"conformal_half_width_{lv:g}": q
                    for lv, q in model.conformal_.half_widths_.items()
                },
            }
        )
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            _write_artifacts(out, inputs, parts, fitted, evaluation, split)
            (out / "retired_features.json").write_text(
                json.dumps(retired, indent=2),
                encoding="utf-8",
            )
            mlflow.log_artifacts(str(out))
            manifest = manifest_of(inputs, training_set, time_split, model, evaluation, config)
            manifest.retired_features = retired
            write_bundle(out / BUNDLE_DIR, model, manifest, inputs.catalogue_path)
            mlflow.log_artifacts(str(out / BUNDLE_DIR), BUNDLE_DIR)
        version = None
        if config.register:
            info = tracking.log_lightgbm_model(
                model.regressor_, parts["train"].features[model.feature_names], settings.model_name
            )
            version = str(info.registered_model_version)
            client = tracking.configure(settings)
            tracking.set_alias(client, settings.model_name, tracking.CHALLENGER, version)
            tracking.tag_version(client, settings.model_name, version, lineage_tags(inputs))
    return run.info.run_id, version


def _monotone_text(model: FitModel) -> str:
    """``name:+1`` for every constrained feature (MLflow params are strings)."""
    return (
        ",".join(
            f"{n}:{m:+d}" for n, m in zip(model.feature_names, model.monotone, strict=True) if m
        )
        or "none"
    )
