"""The ``mutasi`` command line. Each pipeline stage registers its commands here."""

from __future__ import annotations

import typer

from batch.cli import batch_score_command
from features.inspect_cli import features_command
from features.synth.cli import generate_command
from features.validate_cli import validate_command
from monitoring.cli import monitor_command
from mutasi.demo import demo_keys_command
from planning.cli import plan_command
from serving.api.cli import keys_command, serve_command
from serving.audit.cli import audit_app
from serving.domain.participation.export_cli import plan_export_command
from training.cli import (
    card_command,
    evaluate_command,
    promote_command,
    train_command,
    ui_command,
)

app = typer.Typer(
    name="mutasi",
    help="Mutasi: ML decision support for planning ASN transfers (rencana mutasi).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# Each stage's commands, in the order `mutasi --help` lists them.
COMMANDS = (
    ("validate", validate_command),
    ("generate", generate_command),
    ("features", features_command),
    ("train", train_command),
    ("evaluate", evaluate_command),
    ("promote", promote_command),
    ("card", card_command),
    ("ui", ui_command),
    ("serve", serve_command),
    ("keys", keys_command),
    ("plan", plan_command),
    ("demo-keys", demo_keys_command),
    ("monitor", monitor_command),
    ("batch-score", batch_score_command),  # issue 15
    ("plan-export", plan_export_command),  # issue 14: an audited plan with its letters
)
for name, command in COMMANDS:
    app.command(name)(command)

app.add_typer(audit_app, name="audit")

if __name__ == "__main__":  # pragma: no cover
    app()
