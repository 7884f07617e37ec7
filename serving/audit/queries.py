"""Read-side queries of the audit log for auditors: answer summaries and decisions.

:class:`~serving.audit.AuditStore` exposes these as ``list_answers``, ``count_answers`` and
``decision``; they select summary columns only (never the response bodies) so that a page of
answers stays cheap however large the answers are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, selectinload

from serving.audit.chain import (
    ChainLink,
    answer_content,
    decision_content,
    objection_content,
    plan_final_content,
    review_content,
    usulan_content,
)
from serving.audit.records import NewDecision
from serving.audit.tables import (
    ANSWER,
    DECISION,
    OBJECTION,
    PLAN_FINAL,
    REVIEW,
    USULAN,
    AuditAnswer,
    AuditDecision,
    AuditItem,
    AuditObjection,
    AuditPlanFinal,
    AuditReview,
    AuditUsulan,
    Base,
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


@dataclass(frozen=True)
class Chained:
    """A table whose rows are chain records: their id, time and content (the hashed part)."""

    model: type[Base]
    record_id: InstrumentedAttribute[str]
    written_at: InstrumentedAttribute[datetime]
    content: Callable[[Any], dict[str, Any]]
    load: tuple[Any, ...] = ()  # loader options (an answer's items)


# Every chain kind and where its records live; verify() walks them all.
CHAINED: dict[str, Chained] = {
    ANSWER: Chained(
        AuditAnswer,
        AuditAnswer.request_id,
        AuditAnswer.created_at,
        answer_content,
        (selectinload(AuditAnswer.items),),
    ),
    DECISION: Chained(
        AuditDecision, AuditDecision.decision_id, AuditDecision.decided_at, decision_content
    ),
    USULAN: Chained(AuditUsulan, AuditUsulan.statement_id, AuditUsulan.received_at, usulan_content),
    OBJECTION: Chained(
        AuditObjection, AuditObjection.objection_id, AuditObjection.submitted_at, objection_content
    ),
    REVIEW: Chained(AuditReview, AuditReview.review_id, AuditReview.reviewed_at, review_content),
    PLAN_FINAL: Chained(
        AuditPlanFinal, AuditPlanFinal.final_id, AuditPlanFinal.finalised_at, plan_final_content
    ),
}


def unchained(session: Session) -> tuple[str, str] | None:
    """``(kind, id)`` of the first record of any chained table without a chain entry, or None."""
    for kind, table in CHAINED.items():
        column = table.record_id
        chained = select(ChainEntry.record_id).where(ChainEntry.kind == kind)
        found = session.scalar(
            select(column).where(column.not_in(chained)).order_by(table.written_at)
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
                        select(t.record_id).where(t.written_at >= start, t.written_at < end)
                    )
                    for kind, t in CHAINED.items()
                )
            )
        )
    entries = session.scalars(query.order_by(ChainEntry.seq).limit(size)).all()
    contents: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, table in CHAINED.items():
        ids = [e.record_id for e in entries if e.kind == kind]
        if not ids:
            continue
        rows = session.scalars(
            select(table.model).where(table.record_id.in_(ids)).options(*table.load)
        )
        contents[kind] = {str(getattr(r, table.record_id.key)): table.content(r) for r in rows}
    return [
        (
            ChainLink(e.seq, e.kind, e.record_id, e.prev_hash, e.record_hash),
            contents.get(e.kind, {}).get(e.record_id),
        )
        for e in entries
    ]
