"""The audit log: every answer the service gives, exactly as given, with its lineage.

One row per answer (``audit_answers``) holds who asked, what, the response body byte for byte,
and which model / rule set / HR snapshot produced it; one row per returned candidate or position
(``audit_items``) holds the model's inputs and outputs for it: feature values, prediction and
SHAP values. The record is committed before the answer leaves the service (``record`` raises
:class:`~serving.errors.AuditWriteError` otherwise), so an answer that is not in the log was
never given. SQLite by default, any SQLAlchemy URL (e.g. PostgreSQL) otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from serving.errors import AuditError, AuditWriteError


class Base(DeclarativeBase):
    """Declarative base of the audit tables."""


class AuditAnswer(Base):
    """One answer of a decision endpoint."""

    __tablename__ = "audit_answers"

    request_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
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


@dataclass(frozen=True)
class Lineage:
    """What produced an answer: model, rule set and HR snapshot."""

    model_name: str
    model_version: str
    run_id: str
    rule_set_version: str
    snapshot_id: str


@dataclass(frozen=True)
class ItemRecord:
    """Model inputs and outputs for one returned candidate/position.

    ``prediction`` is the rating as answered (clipped to 1..5), ``raw_prediction`` the
    regressor's output, which ``shap_base_value`` plus the ``shap_values`` add up to;
    ``shap_values`` is None for rows that were returned but not explained.
    """

    rank: int
    nip: str
    position_id: str | None
    prediction: float
    raw_prediction: float
    lower: float
    upper: float
    p_baik_or_better: float
    features: Mapping[str, float | None]
    shap_base_value: float | None = None
    shap_values: Mapping[str, float] | None = None


@dataclass(frozen=True)
class AnswerRecord:
    """Everything written for one answer."""

    request_id: str
    key_id: str
    role: str
    endpoint: str
    as_of: date
    request_json: str
    response_json: str
    lineage: Lineage
    position_id: str | None = None
    subject_nip: str | None = None
    items: Sequence[ItemRecord] = field(default_factory=tuple)


def _finite(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """JSON has no NaN: missing feature values are stored as null."""
    out: dict[str, float | None] = {}
    for name, value in values.items():
        out[name] = None if value is None or not math.isfinite(value) else float(value)
    return out


def _enable_sqlite_wal(engine: Engine) -> None:
    """WAL lets readers (auditors) run while a ranking commits its record."""

    @event.listens_for(engine, "connect")
    def _pragma(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


class AuditStore:
    """Writes and reads audit records through SQLAlchemy."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            _enable_sqlite_wal(self.engine)

    def create_schema(self) -> None:
        """Create the audit tables if they do not exist."""
        try:
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise AuditError(f"audit store {self.safe_url}: cannot create tables: {exc}") from exc

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def record(self, answer: AnswerRecord) -> None:
        """Commit one answer and its items; raises :class:`AuditWriteError` if it cannot."""
        row = AuditAnswer(
            request_id=answer.request_id,
            created_at=datetime.now(UTC),
            key_id=answer.key_id,
            role=answer.role,
            endpoint=answer.endpoint,
            as_of=answer.as_of,
            position_id=answer.position_id,
            subject_nip=answer.subject_nip,
            model_name=answer.lineage.model_name,
            model_version=answer.lineage.model_version,
            run_id=answer.lineage.run_id,
            rule_set_version=answer.lineage.rule_set_version,
            snapshot_id=answer.lineage.snapshot_id,
            request_json=answer.request_json,
            response_json=answer.response_json,
            items=[
                AuditItem(
                    rank=item.rank,
                    nip=item.nip,
                    position_id=item.position_id,
                    prediction=item.prediction,
                    raw_prediction=item.raw_prediction,
                    lower=item.lower,
                    upper=item.upper,
                    p_baik_or_better=item.p_baik_or_better,
                    features=_finite(item.features),
                    shap_base_value=item.shap_base_value,
                    shap_values=None if item.shap_values is None else _finite(item.shap_values),
                )
                for item in answer.items
            ],
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
        except SQLAlchemyError as exc:
            raise AuditWriteError(
                f"audit store {self.safe_url}: cannot record {answer.request_id}: "
                f"{type(exc).__name__}"
            ) from exc

    def response_body(self, request_id: str) -> str | None:
        """The stored response body of an answer, or None if there is no such answer."""
        try:
            with Session(self.engine) as session:
                return session.scalar(
                    select(AuditAnswer.response_json).where(AuditAnswer.request_id == request_id)
                )
        except SQLAlchemyError as exc:
            raise AuditError(f"audit store {self.safe_url}: {type(exc).__name__}") from exc

    def answer(self, request_id: str) -> AuditAnswer | None:
        """The full stored answer with its items (detached, read-only use)."""
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(AuditAnswer, request_id)
            if row is not None:
                _ = row.items  # load before the session closes
            return row

    def dispose(self) -> None:
        """Close pooled connections (on shutdown)."""
        self.engine.dispose()


def dumps_request(payload: Mapping[str, Any]) -> str:
    """Canonical JSON of a request (sorted keys) for the log."""
    return json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
