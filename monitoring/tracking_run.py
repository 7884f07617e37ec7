"""A monitoring run in MLflow: its own experiment (``monitor_experiment``), tagged with the
model version and the export it monitored, with the report's numbers as metrics and the run's
files as artifacts. The monitored model version gets the tags ``last_monitored`` (report id)
and ``last_monitor_recommendation`` (retrain / keep)."""

from __future__ import annotations

from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException

from mutasi.settings import Settings
from serving.schemas.monitoring import Metrics, MonitoringReport
from training import tracking


def _metrics_of(prefix: str, m: Metrics) -> dict[str, float]:
    names = ("n", "mae", "rmse", "bias", "spearman", "coverage", "brier", "share_baik_or_better")
    return {f"{prefix}{k}": float(v) for k in names if (v := getattr(m, k)) is not None}


def report_metrics(report: MonitoringReport) -> dict[str, float]:
    """The report's numbers under flat MLflow metric names."""
    r = report.reconciliation
    out: dict[str, float] = {
        "moves": r.n_moves,
        "proposals": r.n_proposals,
        "recommended_only": r.recommended_only.total,
        "retrain": float(report.recommendation.action == "retrain"),
        "drift_shifted": len(report.drift.shifted),
        "mentoring_entries": report.mentoring.n_entries,
    }
    for name, counts in (
        ("recommended_and_moved", r.recommended_and_moved),
        ("moved_only", r.moved_only),
    ):
        out.update({f"{name}_{k}": float(v) for k, v in counts.model_dump().items()})
    out.update(_metrics_of("model_", report.evaluation.model))
    for version in report.evaluation.as_answered:
        out.update(_metrics_of(f"answered_v{version.model_version}_", version))
    for column in report.drift.columns:
        if column.psi is not None:
            out[f"psi_{column.kind}_{column.name}"] = column.psi
    truth = report.truth
    for name in ("mae_vs_truth", "mentoring_precision", "mentoring_recall", "early_precision"):
        value = getattr(truth, name)
        if value is not None:
            out[f"truth_{name}"] = float(value)
    return {k: float(v) for k, v in out.items()}


def log_monitoring_run(report: MonitoringReport, out_dir: Path, settings: Settings) -> str:
    """Log the run; returns its MLflow run id."""
    client = tracking.configure(settings)
    experiment_id = tracking.ensure_experiment(settings.monitor_experiment, settings)
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"monitor {report.report_id}"
    ) as run:
        mlflow.set_tags(
            {
                "report_id": report.report_id,
                "data_snapshot_id": report.snapshot_id,
                "data_dir": report.data_dir,
                "data_export_date": str(report.export_date),
                "model_name": report.model.name,
                "model_version": report.model.version or "",
                "model_run_id": report.model.run_id,
                "recommendation": report.recommendation.action,
                "git_commit": tracking.git_commit(),
            }
        )
        mlflow.log_params(
            {
                "since": str(report.reconciliation.since),
                "until": str(report.reconciliation.until),
                "match_days": report.reconciliation.match_days,
                "interval_level": report.interval_level,
                "psi_threshold": report.drift.psi_threshold,
                "p_value_threshold": report.drift.p_value_threshold,
            }
        )
        mlflow.log_metrics(report_metrics(report))
        mlflow.log_artifacts(str(out_dir))
    if report.model.version:
        try:
            for key, value in (
                ("last_monitored", report.report_id),
                ("last_monitor_recommendation", report.recommendation.action),
            ):
                client.set_model_version_tag(report.model.name, report.model.version, key, value)
        except MlflowException:
            pass  # the version may live in another registry (runs:/ URI); the run is logged
    return str(run.info.run_id)
