"""What a training run records in MLflow: lineage tags, params, metrics, artifacts (plots,
reports, the fairness audit, the model card), the bundle and the registered model version."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from features.contract import CONTRACT_VERSION
from mutasi.settings import Settings
from training import plots, tracking
from training.bundle import BUNDLE_DIR, BundleManifest, write_bundle
from training.evaluate import Evaluation, RankingSetup
from training.fairness_audit import Audit, write_report
from training.fitting import Fitted, TrainConfig
from training.model import FitModel
from training.model_card import CardFacts, ModelCard, render_card, started_at
from training.pipeline_inputs import PipelineInputs
from training.reference_profile import PROFILE_FILE, ReferenceProfile, build_profile
from training.training_set import Part, SplitName, TimeSplit, TrainingSet


def lineage_tags(inputs: PipelineInputs) -> dict[str, str]:
    """Tags every run carries: data snapshot and source, contract, code, catalogue and rule-set
    versions."""
    export = inputs.dataset.export_date
    return {
        "data_snapshot_id": inputs.dataset.snapshot_id or "unknown",
        "data_source": str(inputs.dataset.manifest.get("source") or "unknown"),
        "data_export_date": "unknown" if export is None or pd.isna(export) else str(export.date()),
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
        feature_names=list(model.feature_names),
        monotone=list(model.monotone),
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
        model.contributions(sample), sample[list(model.feature_names)], out / "shap_summary.png"
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


def run_params(
    config: TrainConfig, split: dict[str, Any], model: FitModel, retired: dict[str, str]
) -> dict[str, str]:
    """The run's MLflow params, as the strings MLflow stores."""
    params: dict[str, Any] = {
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
    return {name: str(value) for name, value in params.items()}


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
    audit: Audit | None = None,
) -> tuple[str, str | None]:
    """One MLflow run with params, metrics, lineage tags, artifacts, audit, model card, bundle
    and model.

    The version is registered before the bundle is logged, so that the card in the bundle names
    it; the ``challenger`` alias moves only once the bundle is complete.
    """
    tracking.configure(settings)
    experiment_id = tracking.ensure_experiment(settings.mlflow_experiment, settings)
    model = fitted.model
    split = _split_summary(time_split, parts)
    with mlflow.start_run(experiment_id=experiment_id, run_name="train") as run:
        tags = {**lineage_tags(inputs), "ranking": setup.note}
        mlflow.set_tags(tags)
        params = run_params(config, split, model, retired)
        mlflow.log_params(params)
        mlflow.log_metrics(
            {
                **evaluation.flat(model.name),
                **{f"data_{k}": float(v) for k, v in training_set.counts.as_dict().items()},
                **{
                    f"conformal_half_width_{lv:g}": q
                    for lv, q in model.conformal_.half_widths_.items()
                },
                **(audit.metrics() if audit is not None else {}),
            }
        )
        manifest = manifest_of(inputs, training_set, time_split, model, evaluation, config)
        manifest.retired_features = retired
        version = None
        if config.register:
            info = tracking.log_lightgbm_model(
                model.regressor_,
                parts["train"].features[list(model.feature_names)],
                settings.model_name,
            )
            version = str(info.registered_model_version)
        card = render_card(
            CardFacts(
                model_name=settings.model_name,
                version=version,
                run_id=run.info.run_id,
                created=started_at(run.info.start_time),
                manifest=manifest,
                params=params,
                tags=tags,
                fairness=audit.report if audit is not None else None,
                proxy=audit.proxy if audit is not None else None,
            )
        )
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            _write_artifacts(out, inputs, parts, fitted, evaluation, split)
            (out / "retired_features.json").write_text(
                json.dumps(retired, indent=2),
                encoding="utf-8",
            )
            _write_accountability(out, audit, card)
            mlflow.log_artifacts(str(out))
            bundle_dir = write_bundle(out / BUNDLE_DIR, model, manifest, inputs.catalogue_path)
            profile = reference_profile(inputs, parts, model, retired)
            (bundle_dir / PROFILE_FILE).write_text(profile.to_json(), encoding="utf-8")
            _write_accountability(bundle_dir, audit, card, full=False)
            mlflow.log_artifacts(str(bundle_dir), BUNDLE_DIR)
        if version is not None:
            client = tracking.configure(settings)
            tracking.set_alias(client, settings.model_name, tracking.CHALLENGER, version)
            tracking.tag_version(client, settings.model_name, version, lineage_tags(inputs))
    return run.info.run_id, version


def reference_profile(
    inputs: PipelineInputs, parts: dict[SplitName, Part], model: FitModel, retired: dict[str, str]
) -> ReferenceProfile:
    """What monitoring compares later exports with: the most recent moves (validation and test
    splits), the model's predictions on them, and the training export's attributes."""
    recent = [parts["valid"], parts["test"]]
    features = pd.concat([p.features for p in recent], ignore_index=True)
    return build_profile(
        features,
        model.predict(features),
        np.concatenate([p.y for p in recent]),
        pd.concat([p.moves["as_of"] for p in recent], ignore_index=True),
        inputs.dataset,
        list(model.feature_names),
        retired,
    )


def _write_accountability(
    out: Path, audit: Audit | None, card: ModelCard, full: bool = True
) -> None:
    """The model card and the audit's files: all of them for the run, the report JSON (what
    promotion and serving read) for the bundle."""
    card.write(out)
    if audit is None:
        return
    if full:
        audit.write(out)
    else:
        write_report(audit.report, out)


def _monotone_text(model: FitModel) -> str:
    """``name:+1`` for every constrained feature (MLflow params are strings)."""
    return (
        ",".join(
            f"{n}:{m:+d}" for n, m in zip(model.feature_names, model.monotone, strict=True) if m
        )
        or "none"
    )
