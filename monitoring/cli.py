"""``mutasi monitor DATA_DIR``: the post-move evaluation, drift and mentoring list of a newer
HR export against the audit log and the serving model."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable

from mutasi.settings import get_settings

console = Console()
RETRAIN_EXIT = 3


def _number(value: float | int | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def _tables(report: object) -> list[RichTable]:
    from serving.schemas.monitoring import Metrics, MonitoringReport

    assert isinstance(report, MonitoringReport)
    r = report.reconciliation
    counts = RichTable(title=f"Moves {r.since} .. {r.until} and proposals")
    for column in ("category", "total", "rated", "unrated", "superseded"):
        counts.add_column(column, justify="left" if column == "category" else "right")
    for name, c in (("recommended & moved", r.recommended_and_moved), ("moved only", r.moved_only)):
        counts.add_row(name, *(str(v) for v in (c.total, c.rated, c.unrated, c.superseded)))
    counts.add_row("recommended only", str(r.recommended_only.total), "", "", "")
    counts.caption = f"{r.n_moves} moves, {r.n_proposals} proposals; reconciles: " + (
        "yes" if r.consistent else "NO"
    )
    ev = report.evaluation
    quality = RichTable(title="Realised vs predicted (rated moves)")
    for column in ("predictions", "n", "MAE", "Spearman", "coverage", "Brier"):
        quality.add_column(column, justify="left" if column == "predictions" else "right")
    rows: list[tuple[str, Metrics]] = [
        (f"as answered v{v.model_version}", v) for v in ev.as_answered
    ]
    rows.append((f"model v{report.model.version} (all rated)", ev.model))
    for label, m in rows:
        quality.add_row(
            label,
            str(m.n),
            _number(m.mae),
            _number(m.spearman),
            _number(m.coverage),
            _number(m.brier),
        )
    quality.caption = f"nominal coverage {report.interval_level:.0%}"
    drift = RichTable(title="Drift against the model's reference data")
    for column in ("column", "kind", "PSI", "p", "verdict"):
        drift.add_column(column)
    judged = sorted(
        (c for c in report.drift.columns if c.psi is not None), key=lambda c: -(c.psi or 0)
    )
    for col in judged[:12]:
        verdict = "shifted" if col.shifted and col.used else ""
        verdict = verdict or ("shifted, unused" if col.shifted else "")
        p = "-" if col.p_value is None else f"{col.p_value:.2g}"
        drift.add_row(col.name, col.kind, _number(col.psi), p, verdict)
    drift.caption = report.drift.note or f"{len(report.drift.shifted)} shifted"
    return [counts, quality, drift]


def monitor_command(
    data_dir: Path = typer.Argument(..., help="The newer HR export (contract directory)."),
    model_uri: str | None = typer.Option(
        None, help="Alias or model URI to monitor (default: the served one, MUTASI_SERVE_MODEL)."
    ),
    since: str | None = typer.Option(
        None, help="First effective date monitored (YYYY-MM-DD; default: the earliest answer)."
    ),
    out: Path | None = typer.Option(
        None, help="Where the run's directory goes (default: MUTASI_MONITOR_DIR)."
    ),
    log_mlflow: bool = typer.Option(True, "--mlflow/--no-mlflow", help="Log an MLflow run."),
    strict: bool = typer.Option(
        False, "--strict", help=f"Exit {RETRAIN_EXIT} when the report recommends retraining."
    ),
) -> None:
    """Realised vs predicted SKP of the moves after recorded answers, drift against the model's
    training data, the mentoring list (CSV/Excel) and a retrain / keep recommendation."""
    from monitoring.files import write_run
    from monitoring.monitor import run_monitor
    from monitoring.tracking_run import log_monitoring_run
    from serving.errors import AuditError
    from training.bundle import BundleError
    from training.cli import step_progress

    settings = get_settings()
    try:
        first = None if since is None else date.fromisoformat(since)
    except ValueError as exc:
        console.print(f"[red]error:[/red] --since: not a date YYYY-MM-DD: {since!r}")
        raise typer.Exit(1) from exc
    try:
        with step_progress() as bars:
            run = run_monitor(data_dir, settings, model_uri=model_uri, since=first, progress=bars)
        root = out or settings.monitoring_dir
        run_dir = write_run(run, root)
        if log_mlflow:
            run.report.mlflow_run_id = log_monitoring_run(run.report, run_dir, settings)
            (run_dir / "report.json").write_text(run.report.model_dump_json(indent=1), "utf-8")
    except (BundleError, AuditError, ValueError, KeyError, OSError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    for table in _tables(run.report):
        console.print(table)
    verdict = run.report.recommendation
    colour = "red" if verdict.action == "retrain" else "green"
    console.print(f"[bold {colour}]Recommendation: {verdict.action}[/bold {colour}]")
    for evidence in verdict.evidence:
        console.print(f"  - {evidence.text_en}")
    summary = run.report.mentoring
    console.print(
        f"Mentoring list: {summary.n_entries} people ({run_dir / 'mentoring.xlsx'}); "
        f"report {run_dir / 'report.md'}"
    )
    if strict and verdict.action == "retrain":
        raise typer.Exit(RETRAIN_EXIT)
