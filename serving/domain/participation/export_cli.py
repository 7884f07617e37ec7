"""``mutasi plan-export REQUEST_ID``: an audited plan with every letter, into a directory.

The same export as ``GET /v1/plans/{request_id}/export`` (plan.json as audited, moves.csv,
objections.csv, each person's letter in Bahasa Indonesia and English as HTML and PDF,
manifest.json), for printing and archiving. It never declares a plan final: that is
``POST /v1/plans/{request_id}/final``, where roles and the objections rule apply. Plans made
by ``mutasi plan`` are not in the audit log, so they have no letters: objections need an
audited plan. Exit codes: 0 written, 2 no such plan or no model/snapshot to load.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from mutasi.settings import get_settings
from serving.audit import AuditStore
from serving.domain.participation.letters import LetterConfig
from serving.domain.participation.plan_bundle import export_plan
from serving.errors import ServingError
from serving.state import StateHolder

console = Console()


def plan_export_command(
    request_id: Annotated[str, typer.Argument(help="request_id of an audited plan.")],
    out: Annotated[Path, typer.Option(help="Directory to write the export into.")],
    data_dir: Annotated[
        Path | None,
        typer.Option(help="HR snapshot the plan was made on (default: MUTASI_DATA_DIR)."),
    ] = None,
) -> None:
    """Write an audited plan and its letters (draft until declared final) into ``out``."""
    settings = get_settings()
    audit = AuditStore(settings.audit_url)
    try:
        state = StateHolder(settings).reload(model=True, snapshot=True, data_dir=data_dir).state
        export = export_plan(audit, state, request_id, LetterConfig.of(settings), state.catalogue)
    except ServingError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        archive.extractall(out)
    (out / export.filename).write_bytes(export.content)
    status = export.manifest["status"]
    console.print(
        f"Plan {request_id}: {status}; {len(export.manifest['letters'])} letters "  # type: ignore[arg-type]
        f"written to {out}",
        soft_wrap=True,
    )
