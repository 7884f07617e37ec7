"""``mutasi batch-score``: every open vacancy ranked on Spark, top k per vacancy to Parquet."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable

from batch.blocks import SCOPES
from batch.session import LOCAL


def batch_score_command(
    data_dir: Path | None = typer.Argument(
        None, help="HR snapshot (contract directory); default MUTASI_DATA_DIR."
    ),
    out: Path = typer.Option(Path("var/batch"), help="Output directory (top_k/, vacancies/)."),
    as_of: str | None = typer.Option(None, help="Decision date YYYY-MM-DD (default: today)."),
    k: int = typer.Option(10, min=1, max=100, help="Candidates kept per vacancy."),
    scope: str = typer.Option(
        "province",
        help="Whose employees a vacancy considers: province (its province's), region (its "
        "kab/kota's) or all.",
    ),
    master: str = typer.Option(LOCAL, help="Spark master: local[*] (embedded) or a cluster URL."),
    positions: str | None = typer.Option(
        None, help="Only these vacancies (comma-separated position ids)."
    ),
    partitions: int | None = typer.Option(None, min=1, help="Spark partitions (default 2/core)."),
    driver_memory: str | None = typer.Option(None, help="Spark driver memory, e.g. 4g."),
) -> None:
    """Rank every open vacancy against every eligible employee of its area with the champion."""
    from mutasi.settings import get_settings

    console = Console()
    if scope not in SCOPES:
        console.print(f"[red]--scope must be one of {', '.join(SCOPES)}, got {scope!r}[/red]")
        raise typer.Exit(2)
    try:
        day = datetime.strptime(as_of, "%Y-%m-%d").date() if as_of else date.today()
    except ValueError:
        console.print(f"[red]--as-of must be YYYY-MM-DD, got {as_of!r}[/red]")
        raise typer.Exit(2) from None
    from batch.job import run_batch
    from batch.session import SparkUnavailableError, spark_session

    settings = get_settings()
    ids = [p.strip() for p in positions.split(",") if p.strip()] if positions else None
    try:
        with console.status("starting Spark and scoring vacancies"):
            spark = spark_session(master, driver_memory=driver_memory)
            summary = run_batch(
                settings,
                data_dir or settings.data_dir,
                out,
                as_of=day,
                k=k,
                scope=scope,  # narrowed to a Scope by the check above
                master=master,
                position_ids=ids,
                partitions=partitions,
                spark=spark,
            )
    except (SparkUnavailableError, ValueError) as exc:
        console.print(f"[red]mutasi batch-score: {exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    table = RichTable(title=f"batch-score {summary.master} -> {summary.out_dir}")
    table.add_column("what")
    table.add_column("value", justify="right")
    for label, value in (
        ("model", f"{summary.model_name} v{summary.model_version}"),
        ("snapshot / rule set", f"{summary.snapshot_id} / {summary.rule_set_version}"),
        ("as_of / scope / k", f"{summary.as_of} / {summary.scope} / {summary.k}"),
        ("employees", f"{summary.n_employees:,}"),
        ("vacancies (blocks)", f"{summary.n_vacancies:,} ({summary.n_blocks:,})"),
        ("vacancies with nobody eligible", f"{summary.n_without_candidates:,}"),
        ("eligible pairs scored", f"{summary.pairs_scored:,}"),
        ("rows written", f"{summary.rows_written:,}"),
        ("pairs / s (Spark stage)", f"{summary.pairs_per_second:,.0f}"),
        (
            "seconds (load / Spark)",
            f"{summary.seconds['load']:.1f} / {summary.seconds['spark']:.1f}",
        ),
    ):
        table.add_row(label, value)
    console.print(table)
