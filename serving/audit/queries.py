"""Read-side queries of the audit log for auditors: answer summaries and decisions.

:class:`~serving.audit.AuditStore` exposes these as ``list_answers``, ``count_answers`` and
``decision``; they select summary columns only (never the response bodies) so that a page of
answers stays cheap however large the answers are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from serving.audit.chain import ROW_CONTENT, ChainLink, answer_content
from serving.audit.records import NewDecision
from serving.audit.tables import (
    ANSWER,
    ANSWERS,
    CHAINED,
    DECISION,
    ITEMS,
    AuditAnswer,
    AuditDecision,
    AuditItem,
    ChainEntry,
)


@dataclass(frozen=True)
class DecisionRecord(NewDecision):
    """A decision as stored: what was recorded, plus its id, time and place in the hash chain.

    ``override_kind`` is ``not_ranked_first`` or ``ineligible`` for an override, else None;
    ``chosen_rank`` is the chosen person's rank in the answer (None if ineligible).
    """

    decision_id: str
    decided_at: datetime
    seq: int | None


@dataclass(frozen=True)
class AnswerSummary:
    """One row of the auditors' list of answers."""

    request_id: str
    created_at: datetime
    endpoint: str
    position_id: str | None
    subject_nip: str | None
    key_id: str
    model_version: str
    snapshot_id: str
    n_candidates: int
    decision: DecisionRecord | None
    seq: int | None

    @property
    def override(self) -> bool:
        """Whether the decision taken on this answer overrode the ranking."""
        return self.decision is not None and self.decision.override


@dataclass(frozen=True)
class AnswerFilter:
    """Filters of the answer list; None means "any"."""

    position_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    key_id: str | None = None
    overrides_only: bool = False


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (SQLite gives back naive UTC values)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def decision_record(row: AuditDecision, seq: int | None) -> DecisionRecord:
    """The plain record of a decision row."""
    return DecisionRecord(
        decision_id=row.decision_id,
        request_id=row.request_id,
        decided_at=as_utc(row.decided_at),
        key_id=row.key_id,
        role=row.role,
        chosen_nip=row.chosen_nip,
        decided_by=row.decided_by,
        reason_code=row.reason_code,
        note=row.note,
        override=bool(row.override),
        override_kind=row.override_kind,
        chosen_rank=row.chosen_rank,
        seq=seq,
    )


def _conditions(where: AnswerFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [true()]
    if where.position_id is not None:
        conditions.append(AuditAnswer.position_id == where.position_id)
    if where.key_id is not None:
        conditions.append(AuditAnswer.key_id == where.key_id)
    if where.date_from is not None:
        conditions.append(AuditAnswer.created_at >= day_start(where.date_from))
    if where.date_to is not None:
        conditions.append(AuditAnswer.created_at < day_start(where.date_to + timedelta(days=1)))
    if where.overrides_only:
        conditions.append(AuditDecision.override.is_(True))
    return conditions


def _decision_of_answer() -> ColumnElement[bool]:
    return AuditDecision.request_id == AuditAnswer.request_id


def list_answers(
    session: Session, where: AnswerFilter, limit: int, offset: int
) -> list[AnswerSummary]:
    """A page of answer summaries, newest first."""
    n_items = (
        select(AuditItem.request_id, func.count().label("n"))
        .group_by(AuditItem.request_id)
        .subquery()
    )
    answer_link = aliased(ChainEntry)
    decision_link = aliased(ChainEntry)
    query = (
        select(
            AuditAnswer.request_id,
            AuditAnswer.created_at,
            AuditAnswer.endpoint,
            AuditAnswer.position_id,
            AuditAnswer.subject_nip,
            AuditAnswer.key_id,
            AuditAnswer.model_version,
            AuditAnswer.snapshot_id,
            func.coalesce(n_items.c.n, 0),
            answer_link.seq,
            AuditDecision,
            decision_link.seq,
        )
        .outerjoin(n_items, n_items.c.request_id == AuditAnswer.request_id)
        .outerjoin(AuditDecision, _decision_of_answer())
    )
    query = (
        query.outerjoin(
            answer_link,
            (answer_link.kind == ANSWER) & (answer_link.record_id == AuditAnswer.request_id),
        )
        .outerjoin(
            decision_link,
            (decision_link.kind == DECISION)
            & (decision_link.record_id == AuditDecision.decision_id),
        )
        .where(*_conditions(where))
        .order_by(AuditAnswer.created_at.desc(), AuditAnswer.request_id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        AnswerSummary(
            request_id=r[0],
            created_at=as_utc(r[1]),
            endpoint=r[2],
            position_id=r[3],
            subject_nip=r[4],
            key_id=r[5],
            model_version=r[6],
            snapshot_id=r[7],
            n_candidates=int(r[8]),
            seq=r[9],
            decision=None if r[10] is None else decision_record(r[10], r[11]),
        )
        for r in session.execute(query)
    ]


def count_answers(session: Session, where: AnswerFilter) -> int:
    """How many answers match the filters."""
    query = (
        select(func.count())
        .select_from(AuditAnswer)
        .outerjoin(AuditDecision, _decision_of_answer())
    )
    return int(session.scalar(query.where(*_conditions(where))) or 0)


def unchained(session: Session) -> tuple[str, str] | None:
    """``(kind, id)`` of the first record of any chained table without a chain entry, or None."""
    for kind, chained in CHAINED.items():
        column = chained.table.c[chained.record_id]
        entries = select(ChainEntry.record_id).where(ChainEntry.kind == kind)
        found = session.scalar(
            select(column)
            .where(column.not_in(entries))
            .order_by(chained.table.c[chained.written_at])
        )
        if found is not None:
            return kind, str(found)
    return None


def chain_batch(
    session: Session, after: int, period: tuple[datetime, datetime] | None, size: int
) -> list[tuple[ChainLink, dict[str, Any] | None]]:
    """One batch of chain entries after ``after`` with their contents."""
    query = select(ChainEntry).where(ChainEntry.seq > after)
    if period is not None:
        start, end = period
        query = query.where(
            or_(
                *(
                    (ChainEntry.kind == kind)
                    & ChainEntry.record_id.in_(
                        select(t.table.c[t.record_id]).where(
                            t.table.c[t.written_at] >= start, t.table.c[t.written_at] < end
                        )
                    )
                    for kind, t in CHAINED.items()
                )
            )
        )
    entries = session.scalars(query.order_by(ChainEntry.seq).limit(size)).all()
    # Rows as mappings (Core, no ORM objects): the same shape the writer hashed.
    answer_ids = [e.record_id for e in entries if e.kind == ANSWER]
    items: dict[str, list[Any]] = {request_id: [] for request_id in answer_ids}
    for item in session.execute(select(ITEMS).where(ITEMS.c.request_id.in_(answer_ids))).mappings():
        items[item["request_id"]].append(item)
    contents: dict[str, dict[str, dict[str, Any]]] = {
        ANSWER: {
            a["request_id"]: answer_content(a, items[a["request_id"]])
            for a in session.execute(
                select(ANSWERS).where(ANSWERS.c.request_id.in_(answer_ids))
            ).mappings()
        }
    }
    for kind, content in ROW_CONTENT.items():
        ids = [e.record_id for e in entries if e.kind == kind]
        if not ids:
            continue
        chained = CHAINED[kind]
        column = chained.table.c[chained.record_id]
        rows = session.execute(select(chained.table).where(column.in_(ids))).mappings()
        contents[kind] = {str(r[chained.record_id]): content(r) for r in rows}
    return [
        (
            ChainLink(e.seq, e.kind, e.record_id, e.prev_hash, e.record_hash),
            contents.get(e.kind, {}).get(e.record_id),
        )
        for e in entries
    ]
