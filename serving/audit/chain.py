"""The audit log's hash chain: canonical record documents, their hashes, and verification.

Every record (an answer with its items, a decision, or a participation record: an usulan
statement, an objection, its review, a final plan) gets the next ``seq`` when it is
appended, and the document ``{"kind", "prev_hash", "record", "seq"}`` — the record's content,
its place and the previous record's hash — is serialised canonically (JSON, sorted keys, no
spaces, UTF-8) and hashed with SHA-256 into its ``record_hash``. Editing a record changes its
hash; deleting or reordering records breaks a ``prev_hash`` link or leaves a gap in ``seq``.
The chain cannot by itself detect a rewrite of everything from some record on, or dropping the
newest records along with the head: an anchor (a ``seq`` and its hash written down elsewhere,
e.g. from the last export) closes that gap (``verify_chain(..., anchor=...)``,
``AuditStore.verify(anchor)``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from serving.audit.tables import DECISION, OBJECTION, PLAN_FINAL, REVIEW, USULAN

GENESIS = "0" * 64  # prev_hash of the first record
# A table row: column name -> value (a dict to insert, or SQLAlchemy's RowMapping read back).
TableRow = Mapping[Any, Any]


def utc_iso(moment: datetime) -> str:
    """A timestamp as UTC ISO 8601 with microseconds; naive values are UTC (SQLite drops the
    zone on storage, and every audit timestamp is written in UTC)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def _number(value: float | None) -> float | None:
    # + 0.0 folds -0.0 into 0.0: SQLite may store an integral REAL as an integer and lose the sign.
    return None if value is None else float(value) + 0.0


def _numbers(values: Mapping[str, Any] | None) -> dict[str, float | None] | None:
    if values is None:
        return None
    # _number inlined: ~400 values per answer, hashed on every write and every verification.
    return {str(k): None if v is None else float(v) + 0.0 for k, v in values.items()}


def answer_content(answer: TableRow, items: Iterable[TableRow]) -> dict[str, Any]:
    """Everything that matters of an answer and its items, as plain JSON values.

    Takes table rows as mappings (column name -> value): the writer hashes the rows it is about
    to insert, the verifier the rows it reads back, with this one function.
    """
    return {
        "request_id": answer["request_id"],
        "created_at": utc_iso(answer["created_at"]),
        "key_id": answer["key_id"],
        "role": answer["role"],
        "endpoint": answer["endpoint"],
        "as_of": answer["as_of"].isoformat(),
        "position_id": answer["position_id"],
        "subject_nip": answer["subject_nip"],
        "model_name": answer["model_name"],
        "model_version": answer["model_version"],
        "run_id": answer["run_id"],
        "rule_set_version": answer["rule_set_version"],
        "snapshot_id": answer["snapshot_id"],
        "request_json": answer["request_json"],
        "response_json": answer["response_json"],
        "items": [
            {
                "rank": int(item["rank"]),
                "nip": item["nip"],
                "position_id": item["position_id"],
                "prediction": _number(item["prediction"]),
                "raw_prediction": _number(item["raw_prediction"]),
                "lower": _number(item["lower"]),
                "upper": _number(item["upper"]),
                "p_baik_or_better": _number(item["p_baik_or_better"]),
                "features": _numbers(item["features"]),
                "shap_base_value": _number(item["shap_base_value"]),
                "shap_values": _numbers(item["shap_values"]),
            }
            for item in sorted(items, key=lambda i: int(i["rank"]))
        ],
    }


def decision_content(decision: TableRow) -> dict[str, Any]:
    """Everything that matters of a decision (its table row as a mapping), as plain JSON values."""
    chosen_rank = decision["chosen_rank"]
    return {
        "decision_id": decision["decision_id"],
        "request_id": decision["request_id"],
        "decided_at": utc_iso(decision["decided_at"]),
        "key_id": decision["key_id"],
        "role": decision["role"],
        "chosen_nip": decision["chosen_nip"],
        "decided_by": decision["decided_by"],
        "reason_code": decision["reason_code"],
        "note": decision["note"],
        "override": bool(decision["override"]),
        "override_kind": decision["override_kind"],
        "chosen_rank": None if chosen_rank is None else int(chosen_rank),
    }


def usulan_content(row: TableRow) -> dict[str, Any]:
    """Everything that matters of a stored usulan statement, as plain JSON values."""
    return {
        "statement_id": row["statement_id"],
        "nip": row["nip"],
        "version": int(row["version"]),
        "kind": row["kind"],
        "choices": [
            {
                "unit_id": str(c["unit_id"]),
                "priority": int(c["priority"]),
                "reason": c.get("reason"),
            }
            for c in row["choices"]
        ],
        "opt_out_reason": row["opt_out_reason"],
        "opt_out_note": row["opt_out_note"],
        "note": row["note"],
        "submitted_by": row["submitted_by"],
        "effective_on": row["effective_on"].isoformat(),
        "received_at": utc_iso(row["received_at"]),
        "key_id": row["key_id"],
        "role": row["role"],
    }


def objection_content(row: TableRow) -> dict[str, Any]:
    """Everything that matters of a stored objection, as plain JSON values."""
    return {
        "objection_id": row["objection_id"],
        "request_id": row["request_id"],
        "nip": row["nip"],
        "position_id": row["position_id"],
        "category": row["category"],
        "reason": row["reason"],
        "submitted_by": row["submitted_by"],
        "submitted_at": utc_iso(row["submitted_at"]),
        "key_id": row["key_id"],
        "role": row["role"],
    }


def review_content(row: TableRow) -> dict[str, Any]:
    """Everything that matters of a stored review of an objection, as plain JSON values."""
    return {
        "review_id": row["review_id"],
        "objection_id": row["objection_id"],
        "outcome": row["outcome"],
        "reviewed_by": row["reviewed_by"],
        "reason": row["reason"],
        "reviewed_at": utc_iso(row["reviewed_at"]),
        "key_id": row["key_id"],
        "role": row["role"],
    }


def plan_final_content(row: TableRow) -> dict[str, Any]:
    """Everything that matters of a plan's finalisation, as plain JSON values."""
    return {
        "final_id": row["final_id"],
        "request_id": row["request_id"],
        "finalised_by": row["finalised_by"],
        "finalised_at": utc_iso(row["finalised_at"]),
        "override": bool(row["override"]),
        "override_reason": row["override_reason"],
        "overridden": [str(o) for o in row["overridden"]],
        "key_id": row["key_id"],
        "role": row["role"],
    }


# The content of every chain kind but answers (which carry their items), from its table row.
ROW_CONTENT: dict[str, Callable[[TableRow], dict[str, Any]]] = {
    DECISION: decision_content,
    USULAN: usulan_content,
    OBJECTION: objection_content,
    REVIEW: review_content,
    PLAN_FINAL: plan_final_content,
}


def chain_document(seq: int, kind: str, prev_hash: str, content: Mapping[str, Any]) -> str:
    """The canonical text that is hashed: one JSON line, keys sorted, no spaces, no NaN."""
    document = {"seq": seq, "kind": kind, "prev_hash": prev_hash, "record": content}
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@dataclass(frozen=True)
class ChainLink:
    """One entry of the chain: a record's place, the previous hash and its own hash."""

    seq: int
    kind: str
    record_id: str
    prev_hash: str
    record_hash: str


def document_hash(document: str) -> str:
    """SHA-256 (hex) of a canonical document's UTF-8 bytes."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BrokenRecord:
    """Where the chain first breaks and why (``seq`` is None for a record not in the chain)."""

    seq: int | None
    kind: str | None
    request_id: str | None
    reason: str

    def describe(self) -> str:
        """One line for people: which record and why."""
        where = f"seq {self.seq}" if self.seq is not None else "outside the chain"
        what = f"{self.kind} {self.request_id}" if self.request_id else (self.kind or "record")
        return f"{where} ({what}): {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    """Outcome of :func:`verify_chain`."""

    ok: bool
    n_records: int
    first_broken: BrokenRecord | None
    head_seq: int
    head_hash: str


def verify_chain(
    links: Iterable[tuple[ChainLink, Mapping[str, Any] | None]],
    head: Callable[[], tuple[int, str]],
    unchained: Callable[[], tuple[str, str] | None] = lambda: None,
    anchor: tuple[int, str] | None = None,
) -> ChainReport:
    """Walk ``links`` (chain entries in ``seq`` order with their record's content, None where the
    record is gone), recomputing every hash; stop at the first break.

    Checks, per record: ``seq`` continues without a gap, ``prev_hash`` is the previous record's
    hash, the record still exists, and its content still hashes to ``record_hash``. Then: the
    ``head`` row (read after the walk, so that appends during it are not taken for a deleted
    tail) agrees with the last record, ``unchained`` finds no answer or decision outside the
    chain, and the ``anchor`` (seq, hash), if given, is still in it.
    """
    expected, previous, n = 1, GENESIS, 0
    anchored = anchor is None
    for entry, content in links:
        broken = _link_break(entry, content, expected, previous)
        if broken is not None:
            return _broken(broken, n, head)
        if anchor is not None and entry.seq == anchor[0]:
            if entry.record_hash != anchor[1]:
                reason = f"hash {entry.record_hash[:16]}... differs from the anchor's"
                return _broken(_at(entry, content, reason), n, head)
            anchored = True
        previous, expected, n = entry.record_hash, expected + 1, n + 1
    head_seq, head_hash = head()
    if (head_seq, head_hash) != (n, previous):
        reason = (
            f"the chain ends at seq {n} but its head says seq {head_seq}: the newest records "
            "were deleted, or the head was edited"
        )
        return ChainReport(False, n, BrokenRecord(n + 1, None, None, reason), head_seq, head_hash)
    if not anchored and anchor is not None:
        reason = f"the anchor's seq {anchor[0]} is beyond the end of the chain (seq {n})"
        return ChainReport(False, n, BrokenRecord(anchor[0], None, None, reason), n, previous)
    outsider = unchained()
    if outsider is not None:
        kind, record_id = outsider
        reason = "not in the chain: written outside the audit log"
        return ChainReport(False, n, BrokenRecord(None, kind, record_id, reason), n, previous)
    return ChainReport(True, n, None, n, previous)


def _link_break(
    entry: ChainLink, content: Mapping[str, Any] | None, expected: int, previous: str
) -> BrokenRecord | None:
    """Why one chain entry does not follow from the one before it, or None."""
    if entry.seq != expected:
        missing = f"{expected}" if entry.seq == expected + 1 else f"{expected}..{entry.seq - 1}"
        return _at(entry, content, f"seq gap: record(s) {missing} deleted")
    if entry.prev_hash != previous:
        return _at(
            entry,
            content,
            "prev_hash is not the previous record's hash: a record before it was deleted, "
            "inserted or moved (reordered)",
        )
    if content is None:
        return _at(entry, None, f"the {entry.kind} is missing: deleted from its table")
    if document_hash(chain_document(entry.seq, entry.kind, entry.prev_hash, content)) != (
        entry.record_hash
    ):
        return _at(entry, content, "content does not match record_hash: the record was edited")
    return None


def _at(entry: ChainLink, content: Mapping[str, Any] | None, reason: str) -> BrokenRecord:
    request_id = content.get("request_id") if content is not None else None
    return BrokenRecord(entry.seq, entry.kind, str(request_id or entry.record_id), reason)


def _broken(broken: BrokenRecord, n_valid: int, head: Callable[[], tuple[int, str]]) -> ChainReport:
    head_seq, head_hash = head()
    return ChainReport(False, n_valid, broken, head_seq, head_hash)
