"""``mutasi validate`` (placeholder until the validator lands)."""

from pathlib import Path

import typer


def validate_command(data_dir: Path) -> None:
    """Validate a contract directory."""
    raise typer.Exit(2)
