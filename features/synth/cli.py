"""``mutasi generate``: write a synthetic province (contract tables + ``_oracle/``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table as RichTable

from features.synth.generate import GenerationSummary
from features.synth.presets import ALIASES, PRESETS

if TYPE_CHECKING:
    from features.synth.pemda_set import PemdaSetSummary

REJECTED_MOVES = "rejected_moves.csv"


def generate_command(
    preset: str = typer.Option(
        "gorontalo", help=f"Province or kota: {', '.join(sorted([*PRESETS, *ALIASES]))}."
    ),
    seed: int | None = typer.Option(
        None,
        help="Random seed; the same seed gives the same files (default 7; for --continue-from, "
        "the source's seed).",
        show_default=False,
    ),
    employees: int = typer.Option(3000, min=200, help="Employees in service at export."),
    out: Path = typer.Option(Path("var/data/gorontalo"), help="Output directory."),
    fmt: str = typer.Option("csv", "--format", help="File format: csv or parquet."),
    corrupt: float = typer.Option(
        0.0, min=0.0, max=0.5, help="Share of rows to corrupt (tests validation)."
    ),
    end_date: str = typer.Option(
        "2025-12-31", help="Export date (YYYY-MM-DD); the window is the 10 years to it."
    ),
    continue_from: Path | None = typer.Option(
        None,
        help="Continue this generated dataset instead of generating a new one (issue 12).",
        show_default=False,
    ),
    years: int = typer.Option(1, min=1, max=30, help="With --continue-from: years to add."),
    moves: Path | None = typer.Option(
        None,
        help="With --continue-from: CSV nip,to_position_id,effective_date executed instead of "
        "the historical policy in the first continued year (e.g. a plan's accepted moves).",
        show_default=False,
    ),
    kabkota: bool = typer.Option(
        False,
        "--kabkota",
        help="Simulate the province's government AND each of its kab/kota governments as "
        "pemda of their own, in one dataset (units.instansi_code); --preset may then list "
        "several provinces, comma-separated (moves across provinces).",
    ),
) -> None:
    """Generate a synthetic province: ten years of ASN careers with a known outcome model."""
    from features.synth import generate_province
    from features.synth.corrupt import corrupt_dataset

    console = Console()
    if continue_from is not None:
        summary = continue_command(continue_from, out, years, moves, seed, console)
        _print_summary(summary, console)
        return
    if moves is not None:
        console.print("[red]--moves needs --continue-from[/red]")
        raise typer.Exit(2)
    seed = 7 if seed is None else seed
    try:
        end = datetime.strptime(end_date, "%Y-%m-%d").date()
    except ValueError:
        console.print(f"[red]--end-date must be YYYY-MM-DD, got {end_date!r}[/red]")
        raise typer.Exit(2) from None
    try:
        if kabkota:
            from features.synth.pemda_set import generate_pemda_set

            provinces = [p.strip() for p in preset.split(",") if p.strip()]
            made: GenerationSummary | PemdaSetSummary = generate_pemda_set(
                provinces, seed, employees, out, fmt=fmt, end_date=end, progress=True
            )
        else:
            made = generate_province(
                preset, seed, employees, out, fmt=fmt, end_date=end, progress=True
            )
    except ValueError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2) from None
    _print_summary(made, console)
    if corrupt > 0:
        report = corrupt_dataset(out, out, corrupt, seed)
        counts = report["fault"].value_counts().sort_index()
        kinds = ", ".join(f"{fault} {n}" for fault, n in counts.items())
        console.print(
            f"[yellow]injected {len(report)} faults[/yellow] ({kinds}); "
            "list in _oracle/corruptions.csv"
        )


def _print_summary(summary: GenerationSummary | PemdaSetSummary, console: Console) -> None:
    table = RichTable(title=f"{summary.source} -> {summary.out_dir} ({summary.fmt})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"exported_at {summary.exported_at.isoformat()}, {summary.seconds:.1f} s")


def continue_command(
    source: Path, out: Path, years: int, moves: Path | None, seed: int | None, console: Console
) -> GenerationSummary:
    """``--continue-from``: read the moves file, continue, and on rejected moves write them
    with their reasons to ``<out>/rejected_moves.csv`` (nothing else is written)."""
    from features.synth import MoveError, continue_province

    given = None
    if moves is not None:
        try:
            given = pd.read_csv(moves, dtype=str, keep_default_na=False, na_values=[""])
        except (OSError, ValueError, UnicodeDecodeError) as err:
            console.print(f"[red]{moves}: cannot read the moves ({err})[/red]")
            raise typer.Exit(2) from None
    try:
        return continue_province(source, out, years=years, moves=given, seed=seed, progress=True)
    except MoveError as err:
        console.print(f"[red]{moves}: {err}[/red]")
        if len(err.rejected):
            out.mkdir(parents=True, exist_ok=True)
            err.rejected.to_csv(out / REJECTED_MOVES, index=False)
            console.print(f"every rejected row with its reason: {out / REJECTED_MOVES}")
        raise typer.Exit(1) from None
    except (ValueError, FileNotFoundError) as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2) from None
