"""``mutasi generate`` (placeholder until the generator lands)."""

from pathlib import Path

import typer


def generate_command(out: Path) -> None:
    """Generate a synthetic province."""
    raise typer.Exit(2)
