"""The participation records of the audit log (issue 14) as plain values: usulan statements,
objections, their reviews and final plans, what is written and what is read back.

The rows live in :mod:`serving.audit.tables`; :mod:`serving.audit.participation` writes and
reads them through the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from serving.audit.queries import as_utc
from serving.audit.tables import AuditObjection, AuditPlanFinal, AuditReview, AuditUsulan
from serving.errors import ServingError


class ParticipationConflictError(ServingError):
    """The write contradicts what the log holds: a stale version, a second review (409)."""


@dataclass(frozen=True)
class UnitChoice:
    """One unit an employee wishes to move to: 1 = first choice."""

    unit_id: str
    priority: int
    reason: str | None = None


@dataclass(frozen=True)
class NewStatement:
    """An usulan statement to record (``kind`` usulan or withdrawal)."""

    nip: str
    kind: str
    choices: tuple[UnitChoice, ...]
    opt_out_reason: str | None
    opt_out_note: str | None
    note: str | None
    submitted_by: str
    effective_on: date
    key_id: str
    role: str


@dataclass(frozen=True)
class StatementRecord(NewStatement):
    """A statement as stored: its id, version (1, 2, ... per NIP), time and chain place."""

    statement_id: str
    version: int
    received_at: datetime
    seq: int | None


@dataclass(frozen=True)
class NewObjection:
    """An objection to record against an audited answer or plan."""

    request_id: str
    nip: str
    position_id: str | None
    category: str
    reason: str
    submitted_by: str
    key_id: str
    role: str


@dataclass(frozen=True)
class NewReview:
    """A person's review of an objection: upheld or rejected, and why."""

    objection_id: str
    outcome: str
    reviewed_by: str
    reason: str
    key_id: str
    role: str


@dataclass(frozen=True)
class ReviewRecord(NewReview):
    """A review as stored."""

    review_id: str
    reviewed_at: datetime
    seq: int | None


@dataclass(frozen=True)
class ObjectionRecord(NewObjection):
    """An objection as stored, with its review once there is one."""

    objection_id: str
    submitted_at: datetime
    seq: int | None
    review: ReviewRecord | None

    @property
    def status(self) -> str:
        """open, upheld or rejected."""
        return "open" if self.review is None else self.review.outcome


@dataclass(frozen=True)
class NewPlanFinal:
    """A plan to declare final; ``override`` when objections to it were not resolved for it."""

    request_id: str
    finalised_by: str
    override_reason: str | None
    key_id: str
    role: str


@dataclass(frozen=True)
class PlanFinalRecord(NewPlanFinal):
    """A finalisation as stored, with the objections it overrode."""

    final_id: str
    finalised_at: datetime
    override: bool
    overridden: tuple[str, ...]
    seq: int | None


@dataclass(frozen=True)
class AnswerRef:
    """An audited answer that concerns one employee."""

    request_id: str
    created_at: datetime
    endpoint: str
    as_of: date
    position_id: str | None
    subject_nip: str | None


def statement_record(row: AuditUsulan, seq: int | None) -> StatementRecord:
    """The plain record of a statement row."""
    return StatementRecord(
        nip=row.nip,
        kind=row.kind,
        choices=tuple(
            UnitChoice(str(c["unit_id"]), int(c["priority"]), c.get("reason")) for c in row.choices
        ),
        opt_out_reason=row.opt_out_reason,
        opt_out_note=row.opt_out_note,
        note=row.note,
        submitted_by=row.submitted_by,
        effective_on=row.effective_on,
        key_id=row.key_id,
        role=row.role,
        statement_id=row.statement_id,
        version=int(row.version),
        received_at=as_utc(row.received_at),
        seq=seq,
    )


def review_record(row: AuditReview, seq: int | None) -> ReviewRecord:
    """The plain record of a review row."""
    return ReviewRecord(
        objection_id=row.objection_id,
        outcome=row.outcome,
        reviewed_by=row.reviewed_by,
        reason=row.reason,
        key_id=row.key_id,
        role=row.role,
        review_id=row.review_id,
        reviewed_at=as_utc(row.reviewed_at),
        seq=seq,
    )


def objection_record(
    row: AuditObjection, seq: int | None, review: ReviewRecord | None
) -> ObjectionRecord:
    """The plain record of an objection row."""
    return ObjectionRecord(
        request_id=row.request_id,
        nip=row.nip,
        position_id=row.position_id,
        category=row.category,
        reason=row.reason,
        submitted_by=row.submitted_by,
        key_id=row.key_id,
        role=row.role,
        objection_id=row.objection_id,
        submitted_at=as_utc(row.submitted_at),
        seq=seq,
        review=review,
    )


def plan_final_record(row: AuditPlanFinal, seq: int | None) -> PlanFinalRecord:
    """The plain record of a finalisation row."""
    return PlanFinalRecord(
        request_id=row.request_id,
        finalised_by=row.finalised_by,
        override_reason=row.override_reason,
        key_id=row.key_id,
        role=row.role,
        final_id=row.final_id,
        finalised_at=as_utc(row.finalised_at),
        override=bool(row.override),
        overridden=tuple(str(o) for o in row.overridden),
        seq=seq,
    )
