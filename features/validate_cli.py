"""``mutasi validate DIR``: check a contract directory and write the validation report.

Exit codes: 0 every row accepted (warnings allowed), 1 rows rejected, 2 unusable input
(missing required table or column, unreadable file, empty directory, bad manifest).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from features.contract import Table
from features.data import UnusableInputError, read_raw_tables
from features.validation import (
    ERROR,
    INFO,
    ISSUE_COLUMNS,
    WARNING,
    ValidationResult,
    validate_tables,
)
from mutasi.settings import get_settings

REPORT_DIR = "_validation"
SEVERITY_STYLE: dict[str, str] = {ERROR: "red", WARNING: "yellow", INFO: "dim"}
SEVERITY_RANK: dict[str, int] = {ERROR: 0, WARNING: 1, INFO: 2}


def validate_command(
    data_dir: Annotated[
        Path, typer.Argument(help="Contract directory: one <table>.csv or .parquet per table.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Report directory (default: DATA_DIR/_validation).", show_default=False),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Export date for 'future' checks (default: the manifest's exported_at, else "
            "the latest date in the data).",
            show_default=False,
        ),
    ] = None,
    show: Annotated[int, typer.Option(min=0, help="How many issues to print.")] = 20,
) -> None:
    """Validate a contract directory: print the report, write it with the rejected rows."""
    console = Console()
    try:
        raw = read_raw_tables(data_dir)
    except UnusableInputError as exc:
        _fail(str(exc))
    result = validate_tables(
        raw,
        as_of=None if as_of is None else pd.Timestamp(as_of),
        max_cell_length=get_settings().max_cell_length,
    )
    print_report(console, result, data_dir, show)
    out_dir = out if out is not None else data_dir / REPORT_DIR
    try:
        result.write(out_dir)
    except OSError as exc:
        _fail(f"{out_dir}: cannot write the report ({exc.strerror or exc})")
    console.print(f"Report written to {escape(str(out_dir))}", highlight=False)
    raise typer.Exit(1 if result.n_rejected else 0)


def _fail(message: str) -> NoReturn:
    """One clear line on stderr, no traceback, exit 2."""
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(2)


def print_report(console: Console, result: ValidationResult, data_dir: Path, show: int) -> None:
    """Summary counts per table, degraded features, then the first ``show`` issues."""
    dataset = result.dataset
    export = "unknown" if dataset.export_date is None else dataset.export_date.date().isoformat()
    summary = RichTable(
        title=f"Validation of {escape(str(data_dir))}",
        caption=f"snapshot {dataset.snapshot_id}, export date {export} "
        f"(from {result.export_date_source})",
    )
    summary.add_column("table", no_wrap=True)
    summary.add_column("format")
    for name in result.counts.columns:
        summary.add_column(name, justify="right")
    for table, row in result.counts.iterrows():
        path = result.files.get(Table(str(table)))
        cells = [f"[red]{v}[/]" if k == "rejected" and v else str(v) for k, v in row.items()]
        summary.add_row(str(table), "" if path is None else path.suffix[1:], *cells)
    console.print(summary)
    for table, features in result.degraded_features.items():
        console.print(f"[yellow]missing optional table[/] {table}: {features} become missing")
    _print_issues(console, result.issues, show)
    verdict = "[green]all rows accepted[/]" if not result.n_rejected else result.rejection_summary()
    console.print(verdict)
    if result.emptied_tables:
        names = ", ".join(t.value for t in result.emptied_tables)
        console.print(
            f"[red]every row of {names} was rejected[/]: nothing can be trained or served"
        )


def _print_issues(console: Console, issues: pd.DataFrame, show: int) -> None:
    if issues.empty or show == 0:
        return
    ranked = issues.assign(_s=issues["severity"].map(SEVERITY_RANK))
    first = ranked.sort_values("_s", kind="stable").head(show)
    listing = RichTable(title=f"Issues ({len(first)} of {len(issues)}, all in report.csv)")
    columns = ["severity", *ISSUE_COLUMNS[:-1]]
    for name in columns:
        listing.add_column(name, overflow="fold")
    for values in first[columns].astype("str").fillna("").itertuples(index=False, name=None):
        severity, *cells = (str(v) for v in values)
        style = SEVERITY_STYLE.get(severity, "")
        listing.add_row(f"[{style}]{severity}[/]", *(escape(c) for c in cells))
    console.print(listing)
