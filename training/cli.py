"""``mutasi train | evaluate | promote | card | ui``."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from mutasi.settings import get_settings

if TYPE_CHECKING:
    from training.evaluate import Evaluation

console = Console()

# Short metric names: with metrics as rows and models as columns the table fits 80 columns.
METRIC_LABELS: dict[str, str] = {
    "ndcg_at_10_oracle_gain": "oracle gain", "served_ndcg_at_10_oracle_gain": "served gain",
    "ndcg_at_10": "NDCG@10",
    "precision_at_10": "precision@10", "rmse": "RMSE", "mae": "MAE", "spearman": "Spearman",
    "auc_good": "AUC baik+", "ece": "ECE", "coverage_80": "coverage 80%", "width_80": "width 80%",
}  # fmt: skip


@contextmanager
def step_progress() -> Iterator[StepBars]:
    """Rich progress bars, one per named pipeline step."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bars:
        yield StepBars(bars)


class StepBars:
    """Adapter from ``(step, done, total)`` callbacks to rich tasks."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        if step not in self.tasks:
            self.tasks[step] = self.bars.add_task(step, total=total)
        self.bars.update(self.tasks[step], completed=done, total=total)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


def metrics_table(evaluation: Evaluation, title: str) -> RichTable:
    """Metrics as rows, models as columns (random and oracle only have ranking metrics)."""
    from training.evaluate import COUNTS

    found = {k for values in evaluation.metrics.values() for k in values if k not in COUNTS}
    rows = [m for m in METRIC_LABELS if m in found] + sorted(found - METRIC_LABELS.keys())
    table = RichTable(title=title, caption=evaluation.ranking_note or None)
    table.add_column("metric")
    for model in evaluation.metrics:
        table.add_column(model, justify="right")
    for metric in rows:
        label = METRIC_LABELS.get(metric, metric)
        if metric == evaluation.primary_metric:
            label = f"[bold]{label}[/bold]"
        values = (evaluation.metrics[m].get(metric) for m in evaluation.metrics)
        table.add_row(label, *(_number(v) for v in values))
    return table


def _number(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.3f}"


def train_command(
    data_dir: Path = typer.Argument(..., help="Contract directory (e.g. var/data/gorontalo)."),
    seed: int = typer.Option(7, help="Seed of LightGBM, split sampling and random baselines."),
    tune: bool = typer.Option(False, "--tune", help="Search hyper-parameters with Optuna first."),
    trials: int = typer.Option(20, help="Optuna trials with --tune."),
) -> None:
    """Train the fit model and baselines, evaluate, log to MLflow; new version = challenger."""
    from training.fitting import TrainConfig
    from training.train import prepare, train_on

    settings = get_settings()
    config = TrainConfig.from_settings(settings, seed=seed)
    try:
        with step_progress() as bars:
            prepared = prepare(data_dir, settings, bars)
            if tune:
                from training.tune import tune_params

                params = tune_params(prepared, config, trials, bars, settings)
                config = replace(config, params=params)
            result = train_on(prepared, config, bars, settings)
    except (ValueError, KeyError, OSError, RuntimeError) as exc:
        raise _fail(str(exc)) from exc
    console.print(
        metrics_table(result.evaluation, f"Test split ({len(result.parts['test'])} moves)")
    )
    summary = RichTable(title="Training run", show_header=False)
    summary.add_row("run id", result.run_id)
    summary.add_row("model", f"{settings.model_name} v{result.model_version} (alias challenger)")
    summary.add_row("split", ", ".join(f"{k}={v}" for k, v in result.time_split.as_dict().items()))
    summary.add_row(
        "moves", ", ".join(f"{k}={v}" for k, v in result.training_set.counts.as_dict().items())
    )
    summary.add_row("tracking", settings.tracking_uri)
    console.print(summary)
    console.print("Next: [bold]mutasi promote[/bold] compares it with the champion.")


def evaluate_command(
    data_dir: Path = typer.Argument(..., help="Contract directory to evaluate on."),
    model_uri: str = typer.Option(
        "models:/mutasi-fit@champion", help="Alias or model URI (models:/name@alias, runs:/...)."
    ),
) -> None:
    """Evaluate a registered model on the test period of a dataset (and vs the oracle)."""
    from training.bundle import BundleError, load_bundle
    from training.holdout import HoldoutError, evaluate_bundle, rebuild_holdout

    settings = get_settings()
    try:
        bundle = load_bundle(model_uri)
        with step_progress() as bars:
            holdout = rebuild_holdout(
                bundle.manifest,
                settings,
                data_dir=data_dir,
                same_snapshot=False,
                progress=lambda d, t: bars("ranking held-out vacancies", d, t),
            )
            evaluation = evaluate_bundle(bundle, holdout)
    except (BundleError, HoldoutError, ValueError, KeyError, OSError) as exc:
        raise _fail(str(exc)) from exc
    title = (
        f"{bundle.model_uri} (v{bundle.version}) on {data_dir}: moves from "
        f"{holdout.time_split.as_dict()['test_start']} ({len(holdout.test)})"
    )
    console.print(metrics_table(evaluation, title))


def promote_command(
    force: bool = typer.Option(False, "--force", help="Promote even if a gate fails."),
    reason: str | None = typer.Option(None, "--reason", help="Why (required with --force)."),
) -> None:
    """Move alias champion to the challenger if it is at least as good on its test split."""
    from training.promote import PromotionError, comparison_table, promote

    try:
        with step_progress() as bars:
            decision = promote(
                force=force,
                reason=reason,
                progress=lambda d, t: bars("re-evaluating on the challenger's test split", d, t),
            )
    except (PromotionError, ValueError, KeyError, OSError, RuntimeError) as exc:
        raise _fail(str(exc)) from exc
    console.print(comparison_table(decision))
    if decision.references:
        console.print("Protected groups under four-fifths, against the references:")
        for line in decision.references:
            console.print(f"  - {escape(line)}")


def card_command(
    model_uri: str = typer.Option(
        "champion", help="Alias or model URI (models:/name@alias, models:/name/3, runs:/...)."
    ),
    html: bool = typer.Option(False, "--html", help="Print the HTML page instead of Markdown."),
    out: Path | None = typer.Option(
        None, help="Write model_card/model_card.md and .html under this directory instead."
    ),
) -> None:
    """Regenerate the model card of a trained version from MLflow and print it."""
    from mlflow.exceptions import MlflowException

    from training import tracking
    from training.bundle import BundleError, load_bundle
    from training.model_card import facts_of_version, render_card

    settings = get_settings()
    try:
        client = tracking.configure(settings)  # first: it also silences download progress bars
        bundle = load_bundle(model_uri, settings)
        card = render_card(facts_of_version(bundle, settings.model_name, client))
    except (BundleError, MlflowException, ValueError, KeyError, OSError) as exc:
        raise _fail(str(exc)) from exc
    if out is not None:
        console.print(f"model card written to {card.write(out)}")
        return
    # Plain stdout: rich would read the card's [brackets] as markup.
    typer.echo(card.html if html else card.markdown, nl=False)


def ui_command(
    port: int = typer.Option(5000, help="Port of the MLflow UI (127.0.0.1 only)."),
) -> None:
    """Open the MLflow UI on the project's tracking store."""
    settings = get_settings()
    command = [
        sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", settings.tracking_uri,
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    console.print(f"MLflow UI on http://127.0.0.1:{port} ({settings.tracking_uri})")
    raise typer.Exit(subprocess.call(command))
