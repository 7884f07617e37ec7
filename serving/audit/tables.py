"""The audit log's tables: answers and their items, human decisions, and the hash chain.

``audit_answers`` / ``audit_items`` hold every answer as given; ``audit_decisions`` the
decision an official took on a ranking; ``audit_usulan``, ``audit_objections``,
``audit_reviews`` and ``audit_plan_finals`` the participation records (issue 14);
``audit_chain`` one entry per record of any of them in insertion order (``seq``), each with the
hash of the previous entry and of its own record, and ``audit_chain_head`` the one row appends
lock to extend the chain one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The chain kinds: which table a chain entry's record lives in.
ANSWER = "answer"
DECISION = "decision"
# ASN participation (issue 14): usulan statements, objections, their reviews, final plans.
USULAN = "usulan"
OBJECTION = "objection"
REVIEW = "review"
PLAN_FINAL = "plan_final"


class Base(DeclarativeBase):
    """Declarative base of the audit tables."""


class AuditAnswer(Base):
    """One answer of a decision endpoint."""

    __tablename__ = "audit_answers"

    request_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    endpoint: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date] = mapped_column(Date)
    position_id: Mapped[str | None] = mapped_column(String(64), index=True)
    subject_nip: Mapped[str | None] = mapped_column(String(18), index=True)
    model_name: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[str] = mapped_column(String(64))
    rule_set_version: Mapped[str] = mapped_column(String(64))
    snapshot_id: Mapped[str] = mapped_column(String(128))
    request_json: Mapped[str] = mapped_column(Text)
    # Text, not JSON: the body must come back byte-identical, and JSON columns re-serialise.
    response_json: Mapped[str] = mapped_column(Text)
    items: Mapped[list[AuditItem]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", order_by="AuditItem.rank"
    )


class AuditItem(Base):
    """One returned candidate (rankings) or position (recommendations) of an answer."""

    __tablename__ = "audit_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("audit_answers.request_id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    nip: Mapped[str] = mapped_column(String(18), index=True)
    position_id: Mapped[str | None] = mapped_column(String(64))
    prediction: Mapped[float] = mapped_column(Float)
    raw_prediction: Mapped[float] = mapped_column(Float)
    lower: Mapped[float] = mapped_column(Float)
    upper: Mapped[float] = mapped_column(Float)
    p_baik_or_better: Mapped[float] = mapped_column(Float)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    shap_base_value: Mapped[float | None] = mapped_column(Float)
    shap_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answer: Mapped[AuditAnswer] = relationship(back_populates="items")


class AuditDecision(Base):
    """The decision an official took on a ranking: who was chosen, by whom, and why.

    One per answer (``request_id`` is unique): a decision is final, like every audit record.
    """

    __tablename__ = "audit_decisions"

    decision_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("audit_answers.request_id"), unique=True, index=True
    )
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    chosen_nip: Mapped[str] = mapped_column(String(18), index=True)
    decided_by: Mapped[str] = mapped_column(String(200))
    reason_code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    override: Mapped[bool] = mapped_column(Boolean, index=True)
    override_kind: Mapped[str | None] = mapped_column(String(32))
    chosen_rank: Mapped[int | None] = mapped_column(Integer)


class ChainEntry(Base):
    """A record's place in the hash chain (see :mod:`serving.audit.chain`)."""

    __tablename__ = "audit_chain"
    __table_args__ = (UniqueConstraint("kind", "record_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The last entry of the chain: the row every append locks, reads and moves on."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    record_hash: Mapped[str] = mapped_column(String(64))


# --- ASN participation (issue 14) ------------------------------------------------------------


class AuditUsulan(Base):
    """One version of an employee's usulan mutasi: up to three units wished for, or an opt-out
    from being moved this cycle, or (``kind`` withdrawal) taking the earlier version back.

    Versions are never changed: a change is the next version, so every statement a ranking or
    plan used stays readable. ``effective_on`` is the service's "today" when it was received.
    """

    __tablename__ = "audit_usulan"
    __table_args__ = (UniqueConstraint("nip", "version"),)

    statement_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    opt_out_reason: Mapped[str | None] = mapped_column(String(32))
    opt_out_note: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(200))
    effective_on: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))


class AuditObjection(Base):
    """An employee's objection (keberatan) to an audited answer or plan, asking a person to
    review it."""

    __tablename__ = "audit_objections"

    objection_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("audit_answers.request_id"), index=True)
    nip: Mapped[str] = mapped_column(String(18), index=True)
    position_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))


class AuditReview(Base):
    """The human review of an objection: upheld or rejected, by whom and why. One per objection
    (final, like every audit record)."""

    __tablename__ = "audit_reviews"

    review_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    objection_id: Mapped[str] = mapped_column(
        ForeignKey("audit_objections.objection_id"), unique=True, index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    reviewed_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))


class AuditPlanFinal(Base):
    """A plan declared final (one per plan), and whether an admin overrode objections to do it."""

    __tablename__ = "audit_plan_finals"

    final_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("audit_answers.request_id"), unique=True, index=True
    )
    finalised_by: Mapped[str] = mapped_column(String(200))
    finalised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    override: Mapped[bool] = mapped_column(Boolean)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden: Mapped[list[str]] = mapped_column(JSON)  # objection ids not resolved for it
    key_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))


# The same tables for SQLAlchemy Core: the audit writer inserts through these (no ORM unit of
# work on the answer path) and the verifier reads through them.
ANSWERS = cast(Table, AuditAnswer.__table__)
ITEMS = cast(Table, AuditItem.__table__)
DECISIONS = cast(Table, AuditDecision.__table__)
CHAIN = cast(Table, ChainEntry.__table__)
HEAD = cast(Table, ChainHead.__table__)
USULANS = cast(Table, AuditUsulan.__table__)
OBJECTIONS = cast(Table, AuditObjection.__table__)
REVIEWS = cast(Table, AuditReview.__table__)
PLAN_FINALS = cast(Table, AuditPlanFinal.__table__)


@dataclass(frozen=True)
class ChainedTable:
    """Where the records of one chain kind live: the table, its id and its time column."""

    table: Table
    record_id: str
    written_at: str


# Every chain kind, in the order the writer inserts them (a review after its objection, for
# foreign keys); verify and export walk them all.
CHAINED: dict[str, ChainedTable] = {
    ANSWER: ChainedTable(ANSWERS, "request_id", "created_at"),
    DECISION: ChainedTable(DECISIONS, "decision_id", "decided_at"),
    USULAN: ChainedTable(USULANS, "statement_id", "received_at"),
    OBJECTION: ChainedTable(OBJECTIONS, "objection_id", "submitted_at"),
    REVIEW: ChainedTable(REVIEWS, "review_id", "reviewed_at"),
    PLAN_FINAL: ChainedTable(PLAN_FINALS, "final_id", "finalised_at"),
}
