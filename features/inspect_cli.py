"""``mutasi features`` (placeholder until the features land)."""

from pathlib import Path

import typer


def features_command(data_dir: Path) -> None:
    """Print a candidate's features and rule results."""
    raise typer.Exit(2)
