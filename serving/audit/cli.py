"""``mutasi audit verify | replay | export``: check, recompute and hand over the audit log.

Exit codes: ``verify`` 0 when the chain is intact, 1 when it is broken (naming the first broken
record and why); ``replay`` 0 when the recomputed answer is identical, 1 when it differs, 2 when
it cannot be replayed faithfully (unknown id, other snapshot or rule set); ``export`` 0, or 2
on bad arguments or an unusable store.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from mutasi.settings import get_settings
from serving.audit import AuditStore
from serving.errors import AuditError

audit_app = typer.Typer(
    name="audit",
    help="The audit log: verify the hash chain, replay an answer, export a period.",
    no_args_is_help=True,
)
console = Console()
DATE_FORMATS = ["%Y-%m-%d"]


class Format(StrEnum):
    """Format of the exported tables."""

    CSV = "csv"
    JSON = "json"


def _fail(message: str, code: int = 2) -> NoReturn:
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _store() -> AuditStore:
    """The configured audit store; a missing SQLite file is an error, not a new empty log."""
    store = AuditStore(get_settings().audit_url)
    database = store.engine.url.database
    on_disk = store.engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
    if on_disk and not Path(str(database)).is_file():
        _fail(f"no audit database at {database} (set MUTASI_AUDIT_DB_URL or MUTASI_VAR_DIR)")
    return store


def _anchor(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        _fail(f"--anchor {text!r}: expected SEQ:SHA256HEX (e.g. from an export's manifest)")
    return int(seq), digest.lower()


@audit_app.command("verify")
def verify_command(
    anchor: Annotated[
        str | None,
        typer.Option(
            help="SEQ:HASH written down earlier (e.g. an export's last_seq and "
            "last_record_hash): the chain must still contain it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Recompute every hash of the audit chain; exit 1 naming the first broken record."""
    store = _store()
    try:
        report = store.verify(_anchor(anchor))
    except AuditError as exc:
        _fail(str(exc))
    finally:
        store.dispose()
    if report.first_broken is not None:
        console.print(
            f"[red]BROKEN[/red] after {report.n_records} intact record(s): "
            f"{escape(report.first_broken.describe())}",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    console.print(
        f"[green]OK[/green] {report.n_records} record(s), head seq {report.head_seq} "
        f"hash {report.head_hash}",
        soft_wrap=True,
    )


@audit_app.command("replay")
def replay_command(
    request_id: Annotated[str, typer.Argument(help="request_id of the stored answer.")],
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Contract directory of the answer's snapshot (default: the served one, "
            "MUTASI_DATA_DIR); its snapshot id must match the answer's.",
            show_default=False,
        ),
    ] = None,
    show: Annotated[int, typer.Option(min=1, help="How many differences to print.")] = 30,
) -> None:
    """Recompute an answer with the same model version, snapshot, rules and request."""
    from serving.audit.replay import ReplayError, replay_answer
    from training.bundle import BundleError

    store = _store()
    try:
        result = replay_answer(store, request_id, get_settings(), data_dir)
    except (ReplayError, BundleError, AuditError, OSError, ValueError) as exc:
        _fail(str(exc))
    finally:
        store.dispose()
    console.print(
        f"replayed {result.endpoint} {result.request_id} with {result.model_uri} on snapshot "
        f"{result.snapshot_id}",
        soft_wrap=True,
    )
    if result.identical:
        same = "byte for byte" if result.byte_identical else "apart from ids and timestamps"
        console.print(f"[green]IDENTICAL[/green] {same}")
        return
    table = RichTable(title=f"{len(result.differences)} difference(s)")
    for column in ("path", "stored", "replayed"):
        table.add_column(column, overflow="fold")
    for diff in result.differences[:show]:
        table.add_row(escape(diff.path), escape(repr(diff.stored)), escape(repr(diff.replayed)))
    console.print("[red]DIFFERENT[/red]")
    console.print(table)
    raise typer.Exit(1)


@audit_app.command("export")
def export_command(
    date_from: Annotated[
        datetime, typer.Option("--from", formats=DATE_FORMATS, help="First day (UTC), inclusive.")
    ],
    date_to: Annotated[
        datetime, typer.Option("--to", formats=DATE_FORMATS, help="Last day (UTC), inclusive.")
    ],
    out: Annotated[Path, typer.Option(help="Directory to write the export to.")],
    fmt: Annotated[
        Format, typer.Option("--format", help="Tables as csv or json (chain.jsonl either way).")
    ] = Format.CSV,
) -> None:
    """Write the period's answers, items and decisions with their chain hashes."""
    from serving.audit.export import export_period

    store = _store()
    try:
        manifest = export_period(
            store, date_from.date(), date_to.date(), out, "json" if fmt is Format.JSON else "csv"
        )
    except (ValueError, OSError, AuditError) as exc:
        _fail(str(exc))
    finally:
        store.dispose()
    participation = "".join(f", {n} {name}" for name, n in manifest.n_participation.items() if n)
    console.print(
        f"{manifest.n_answers} answer(s), {manifest.n_items} item(s), {manifest.n_decisions} "
        f"decision(s){participation} from {manifest.date_from} to {manifest.date_to} -> {out}",
        soft_wrap=True,
    )
    if manifest.last_seq is not None:
        console.print(
            f"chain seq {manifest.first_seq}..{manifest.last_seq}, last hash "
            f"{manifest.last_record_hash}",
            soft_wrap=True,
        )
    if manifest.hash_mismatches or manifest.missing_records or manifest.seq_gaps:
        console.print(
            "[yellow]warning:[/yellow] the chain does not check out in this period "
            f"(edited: {manifest.hash_mismatches}, missing: {manifest.missing_records}, "
            f"gaps: {manifest.seq_gaps}); run `mutasi audit verify`",
            soft_wrap=True,
        )
