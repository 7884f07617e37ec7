"""``mutasi generate``: write a synthetic province (contract tables + ``_oracle/``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table as RichTable

from features.synth.presets import ALIASES, PRESETS

if TYPE_CHECKING:
    from features.synth.generate import GenerationSummary
    from features.synth.pemda_set import PemdaSetSummary


def generate_command(
    preset: str = typer.Option(
        "gorontalo", help=f"Province or kota: {', '.join(sorted([*PRESETS, *ALIASES]))}."
    ),
    seed: int = typer.Option(7, help="Random seed; the same seed gives the same files."),
    employees: int = typer.Option(3000, min=200, help="Employees in service at export."),
    out: Path = typer.Option(Path("var/data/gorontalo"), help="Output directory."),
    fmt: str = typer.Option("csv", "--format", help="File format: csv or parquet."),
    corrupt: float = typer.Option(
        0.0, min=0.0, max=0.5, help="Share of rows to corrupt (tests validation)."
    ),
    end_date: str = typer.Option(
        "2025-12-31", help="Export date (YYYY-MM-DD); the window is the 10 years to it."
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
    try:
        end = datetime.strptime(end_date, "%Y-%m-%d").date()
    except ValueError:
        console.print(f"[red]--end-date must be YYYY-MM-DD, got {end_date!r}[/red]")
        raise typer.Exit(2) from None
    try:
        if kabkota:
            from features.synth.pemda_set import generate_pemda_set

            provinces = [p.strip() for p in preset.split(",") if p.strip()]
            summary: GenerationSummary | PemdaSetSummary = generate_pemda_set(
                provinces, seed, employees, out, fmt=fmt, end_date=end, progress=True
            )
        else:
            summary = generate_province(
                preset, seed, employees, out, fmt=fmt, end_date=end, progress=True
            )
    except ValueError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2) from None
    table = RichTable(title=f"{summary.source} -> {summary.out_dir} ({summary.fmt})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"exported_at {summary.exported_at.isoformat()}, {summary.seconds:.1f} s")
    if corrupt > 0:
        report = corrupt_dataset(out, out, corrupt, seed)
        counts = report["fault"].value_counts().sort_index()
        kinds = ", ".join(f"{fault} {n}" for fault, n in counts.items())
        console.print(
            f"[yellow]injected {len(report)} faults[/yellow] ({kinds}); "
            "list in _oracle/corruptions.csv"
        )
