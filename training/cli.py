"""``mutasi train|evaluate|promote|ui`` (placeholders until training lands)."""

from pathlib import Path

import typer


def train_command(data_dir: Path) -> None:
    """Train a model on a contract directory."""
    raise typer.Exit(2)


def evaluate_command(data_dir: Path) -> None:
    """Evaluate a registered model."""
    raise typer.Exit(2)


def promote_command() -> None:
    """Promote the challenger to champion."""
    raise typer.Exit(2)


def ui_command() -> None:
    """Open the MLflow UI."""
    raise typer.Exit(2)
