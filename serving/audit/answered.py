"""What the audit log says was put forward: every answer's lineage, its returned items, and
every decision. Monitoring (``mutasi monitor``) joins these with the moves of a newer export.

Reads summary columns and items only; the response body is read only as far as the first
``interval_level`` (the nominal coverage the answer's intervals were given at).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from serving.audit.queries import DecisionRecord, as_utc, decision_record
from serving.audit.tables import AuditAnswer, AuditDecision, AuditItem

_LEVEL = re.compile(r'"interval_level":\s*([0-9.eE+-]+)')
_PREFIX = 20_000  # characters of the body searched before reading the whole of it


@dataclass(frozen=True)
class AnswerRow:
    """One answer's lineage: endpoint, decision date, target position, model, interval level."""

    request_id: str
    created_at: datetime
    endpoint: str
    as_of: date
    position_id: str | None
    subject_nip: str | None
    model_name: str
    model_version: str
    run_id: str
    snapshot_id: str
    interval_level: float | None


@dataclass(frozen=True)
class ItemRow:
    """One returned candidate / vacancy / planned move of an answer."""

    request_id: str
    rank: int
    nip: str
    position_id: str | None
    prediction: float
    lower: float
    upper: float
    p_baik_or_better: float
    features: dict[str, Any]
    shap_values: dict[str, Any] | None


def _level(session: Session, request_id: str, head: str | None) -> float | None:
    found = _LEVEL.search(head or "")
    if found is None and head is not None and len(head) >= _PREFIX:
        body = session.scalar(
            select(AuditAnswer.response_json).where(AuditAnswer.request_id == request_id)
        )
        found = _LEVEL.search(body or "")
    return None if found is None else float(found.group(1))


def answer_rows(session: Session, since: date | None = None) -> list[AnswerRow]:
    """Every answer whose decision date (``as_of``) is on or after ``since``, oldest first."""
    query = select(
        AuditAnswer.request_id,
        AuditAnswer.created_at,
        AuditAnswer.endpoint,
        AuditAnswer.as_of,
        AuditAnswer.position_id,
        AuditAnswer.subject_nip,
        AuditAnswer.model_name,
        AuditAnswer.model_version,
        AuditAnswer.run_id,
        AuditAnswer.snapshot_id,
        func.substr(AuditAnswer.response_json, 1, _PREFIX),
    )
    if since is not None:
        query = query.where(AuditAnswer.as_of >= since)
    rows = session.execute(query.order_by(AuditAnswer.created_at, AuditAnswer.request_id)).all()
    return [
        AnswerRow(
            request_id=r[0],
            created_at=as_utc(r[1]),
            endpoint=r[2],
            as_of=r[3],
            position_id=r[4],
            subject_nip=r[5],
            model_name=r[6],
            model_version=r[7],
            run_id=r[8],
            snapshot_id=r[9],
            interval_level=_level(session, r[0], r[10]),
        )
        for r in rows
    ]


def item_rows(session: Session, since: date | None = None) -> list[ItemRow]:
    """Every item of the answers :func:`answer_rows` returns for ``since``."""
    query = select(AuditItem).join(AuditAnswer, AuditItem.request_id == AuditAnswer.request_id)
    if since is not None:
        query = query.where(AuditAnswer.as_of >= since)
    return [
        ItemRow(
            request_id=i.request_id,
            rank=int(i.rank),
            nip=i.nip,
            position_id=i.position_id,
            prediction=float(i.prediction),
            lower=float(i.lower),
            upper=float(i.upper),
            p_baik_or_better=float(i.p_baik_or_better),
            features=dict(i.features or {}),
            shap_values=None if i.shap_values is None else dict(i.shap_values),
        )
        for i in session.scalars(query.order_by(AuditItem.request_id, AuditItem.rank))
    ]


def decision_rows(session: Session) -> list[DecisionRecord]:
    """Every recorded decision, oldest first (without chain positions: not needed here)."""
    query = select(AuditDecision).order_by(AuditDecision.decided_at)
    return [decision_record(d, None) for d in session.scalars(query)]


@dataclass(frozen=True)
class Answered:
    """The audit log as monitoring reads it."""

    answers: list[AnswerRow]
    items: list[ItemRow]
    decisions: list[DecisionRecord]


def read_answered(session: Session, since: date | None = None) -> Answered:
    """Answers and items from ``since`` on, and every decision."""
    return Answered(answer_rows(session, since), item_rows(session, since), decision_rows(session))
