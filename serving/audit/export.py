"""Export a period of the audit log for external auditors, verifiable without our code.

The export directory holds the period's records as tables (``answers``, ``items``,
``decisions``, and the participation records ``usulan``, ``objections``, ``reviews``,
``plan_finals``: CSV or JSON), each record with its ``seq``, ``prev_hash`` and ``record_hash``;
``chain.jsonl``, one canonical chain document per record in ``seq`` order, whose SHA-256 is the
record's hash; and ``manifest.json`` with the period, counts, first and last hashes, the chain
head at export time and the SHA-256 of every file. docs/audit.md shows how to check it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Literal

from serving.audit import AuditStore
from serving.audit.chain import GENESIS, chain_document, document_hash, utc_iso
from serving.audit.queries import day_start
from serving.audit.tables import ANSWER, DECISION, OBJECTION, PLAN_FINAL, REVIEW, USULAN

ExportFormat = Literal["csv", "json"]
HASH_FIELDS = ("seq", "prev_hash", "record_hash")
ANSWER_FIELDS = (
    *HASH_FIELDS,
    "request_id",
    "created_at",
    "key_id",
    "role",
    "endpoint",
    "as_of",
    "position_id",
    "subject_nip",
    "model_name",
    "model_version",
    "run_id",
    "rule_set_version",
    "snapshot_id",
    "request_json",
    "response_json",
)
ITEM_FIELDS = (
    "request_id",
    "rank",
    "nip",
    "position_id",
    "prediction",
    "raw_prediction",
    "lower",
    "upper",
    "p_baik_or_better",
    "shap_base_value",
    "features",
    "shap_values",
)
DECISION_FIELDS = (
    *HASH_FIELDS,
    "decision_id",
    "request_id",
    "decided_at",
    "key_id",
    "role",
    "chosen_nip",
    "decided_by",
    "reason_code",
    "note",
    "override",
    "override_kind",
    "chosen_rank",
)
# ASN participation (issue 14): each chain kind's table and fields (its chain content's keys).
PARTICIPATION_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    USULAN: (
        "usulan",
        (
            *HASH_FIELDS, "statement_id", "nip", "version", "kind", "choices", "opt_out_reason",
            "opt_out_note", "note", "submitted_by", "effective_on", "received_at", "key_id",
            "role",
        ),
    ),
    OBJECTION: (
        "objections",
        (
            *HASH_FIELDS, "objection_id", "request_id", "nip", "position_id", "category",
            "reason", "submitted_by", "submitted_at", "key_id", "role",
        ),
    ),
    REVIEW: (
        "reviews",
        (
            *HASH_FIELDS, "review_id", "objection_id", "outcome", "reviewed_by", "reason",
            "reviewed_at", "key_id", "role",
        ),
    ),
    PLAN_FINAL: (
        "plan_finals",
        (
            *HASH_FIELDS, "final_id", "request_id", "finalised_by", "finalised_at", "override",
            "override_reason", "overridden", "key_id", "role",
        ),
    ),
}  # fmt: skip


@dataclass
class ExportManifest:
    """What an export holds and how to check it (written as ``manifest.json``)."""

    date_from: str
    date_to: str
    exported_at: str
    format: str
    n_answers: int = 0
    n_items: int = 0
    n_decisions: int = 0
    n_participation: dict[str, int] = field(default_factory=dict)  # table -> rows (issue 14)
    first_seq: int | None = None
    last_seq: int | None = None
    first_prev_hash: str | None = None
    last_record_hash: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS
    seq_gaps: list[list[int]] = field(default_factory=list)
    hash_mismatches: list[int] = field(default_factory=list)
    missing_records: list[int] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    hash_algorithm: str = (
        "record_hash = sha256(UTF-8 bytes of the record's line in chain.jsonl); each line is "
        "JSON {kind, prev_hash, record, seq} with sorted keys and no spaces"
    )


class _Table:
    """One exported table, written row by row as CSV or as a JSON array."""

    def __init__(self, handle: IO[str], fields: tuple[str, ...], fmt: ExportFormat) -> None:
        self.handle, self.fields, self.fmt, self.n = handle, fields, fmt, 0
        if fmt == "csv":
            self.writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            self.writer.writeheader()
        else:
            handle.write("[")

    def write(self, row: Mapping[str, Any]) -> None:
        values = {name: row.get(name) for name in self.fields}
        if self.fmt == "csv":
            self.writer.writerow({k: _cell(v) for k, v in values.items()})
        else:
            self.handle.write(
                ("," if self.n else "") + "\n" + json.dumps(values, ensure_ascii=False)
            )
        self.n += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.handle.write("\n]\n")


def _cell(value: Any) -> Any:
    """A CSV cell: nested values as JSON text, null as empty."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return "" if value is None else value


@contextmanager
def _tables(out: Path, fmt: ExportFormat) -> Iterator[tuple[IO[str], dict[str, _Table]]]:
    with ExitStack() as stack:

        def opened(name: str) -> IO[str]:
            return stack.enter_context((out / name).open("w", encoding="utf-8", newline=""))

        chain = opened("chain.jsonl")
        tables = {
            "answers": _Table(opened(f"answers.{fmt}"), ANSWER_FIELDS, fmt),
            "items": _Table(opened(f"items.{fmt}"), ITEM_FIELDS, fmt),
            "decisions": _Table(opened(f"decisions.{fmt}"), DECISION_FIELDS, fmt),
        }
        for name, fields in PARTICIPATION_TABLES.values():
            tables[name] = _Table(opened(f"{name}.{fmt}"), fields, fmt)
        yield chain, tables
        for table in tables.values():
            table.close()


def export_period(
    store: AuditStore, date_from: date, date_to: date, out: Path, fmt: ExportFormat = "csv"
) -> ExportManifest:
    """Write the records written from ``date_from`` to ``date_to`` (inclusive, UTC) to ``out``."""
    if date_to < date_from:
        raise ValueError(f"--to {date_to} is before --from {date_from}")
    out.mkdir(parents=True, exist_ok=True)
    manifest = ExportManifest(
        date_from.isoformat(), date_to.isoformat(), utc_iso(datetime.now(UTC)), fmt
    )
    manifest.head_seq, manifest.head_hash = store.chain_head()
    period = (day_start(date_from), day_start(date_to + timedelta(days=1)))
    with _tables(out, fmt) as (chain, tables):
        for link, content in store.chain_records(period):
            if content is None:  # gone from its table: the export cannot show it
                manifest.missing_records.append(link.seq)
                continue
            document = chain_document(link.seq, link.kind, link.prev_hash, content)
            chain.write(document + "\n")
            _track(manifest, link.seq, link.prev_hash, link.record_hash, document)
            hashes = {"seq": link.seq, "prev_hash": link.prev_hash, "record_hash": link.record_hash}
            if link.kind == ANSWER:
                tables["answers"].write({**hashes, **content})
                for item in content["items"]:
                    tables["items"].write({"request_id": content["request_id"], **item})
            elif link.kind == DECISION:
                tables["decisions"].write({**hashes, **content})
            else:
                tables[PARTICIPATION_TABLES[link.kind][0]].write({**hashes, **content})
        manifest.n_answers = tables["answers"].n
        manifest.n_items = tables["items"].n
        manifest.n_decisions = tables["decisions"].n
        manifest.n_participation = {
            name: tables[name].n for name, _ in PARTICIPATION_TABLES.values()
        }
    written = ["chain.jsonl", *(f"{name}.{fmt}" for name in ("answers", "items", "decisions"))]
    written += [f"{name}.{fmt}" for name, _ in PARTICIPATION_TABLES.values()]
    manifest.files = {name: _sha256(out / name) for name in written}
    (out / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n", "utf-8")
    return manifest


def _track(
    manifest: ExportManifest, seq: int, prev_hash: str, record_hash: str, document: str
) -> None:
    """Note first/last hashes, gaps in ``seq`` and records whose content no longer matches."""
    if manifest.first_seq is None:
        manifest.first_seq, manifest.first_prev_hash = seq, prev_hash
    elif manifest.last_seq is not None and seq != manifest.last_seq + 1:
        manifest.seq_gaps.append([manifest.last_seq + 1, seq - 1])
    manifest.last_seq, manifest.last_record_hash = seq, record_hash
    if document_hash(document) != record_hash:
        manifest.hash_mismatches.append(seq)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
