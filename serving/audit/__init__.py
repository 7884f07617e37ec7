"""The audit log: every answer the service gives, exactly as given, with its lineage, and the
decisions officials took on them, all in one tamper-evident hash chain.

One row per answer (``audit_answers``) holds who asked, what, the response body byte for byte,
and which model / rule set / HR snapshot produced it; one row per returned candidate or position
(``audit_items``) holds the model's inputs and outputs for it: feature values, prediction and
SHAP values; ``audit_decisions`` holds who was chosen, by whom and why. The record is committed
before the answer leaves the service (``record`` raises :class:`~serving.errors.AuditWriteError`
otherwise), so an answer that is not in the log was never given. Each record and its chain
entry (:mod:`serving.audit.chain`) are committed in the same transaction.
SQLite by default, any SQLAlchemy URL (e.g. PostgreSQL) otherwise.
Concurrent answers share one commit: :mod:`serving.audit.writer` chains and commits everything
waiting in one transaction and releases each request once its record is durable. The
participation records (usulan statements, objections, reviews, final plans:
:mod:`serving.audit.participation`) go through the same writer into the same chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pydantic_core
from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, make_url, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from serving.audit import queries
from serving.audit.answered import Answered, read_answered
from serving.audit.chain import GENESIS, ChainLink, ChainReport, verify_chain
from serving.audit.participation import ParticipationLog
from serving.audit.pending import PendingRecord
from serving.audit.queries import AnswerFilter, AnswerSummary, DecisionRecord, decision_record
from serving.audit.records import AnswerRecord, NewDecision, finite
from serving.audit.tables import (
    ANSWER,
    DECISION,
    HEAD,
    AuditAnswer,
    AuditDecision,
    Base,
    ChainEntry,
    ChainHead,
)
from serving.audit.writer import HEAD_ID, GroupCommitWriter
from serving.errors import AuditError, AuditWriteError

_BEGIN = "mutasi_sqlite_begin"  # execution option: how an SQLite transaction begins


def _sqlite_transactions(engine: Engine) -> None:
    """WAL, a busy timeout, and transactions that begin when and how we say.

    WAL lets readers (auditors) run while a ranking commits its record. The sqlite3 module
    would otherwise begin a transaction only at the first write, so an append could read the
    chain head before another process moves it; we issue ``BEGIN`` ourselves, ``IMMEDIATE``
    (take the write lock first) for appends.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        # Every commit reaches the disk (fsync of the WAL): an acknowledged answer survives a
        # power cut, not only a crash of the process. Group commit pays this once per batch.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(f"BEGIN {connection.get_execution_options().get(_BEGIN, '')}")


# What a failed append raises that becomes AuditWriteError (503); anything else propagates.
_WRITE_ERRORS = (SQLAlchemyError, ValueError, AuditError)


def answer_pending(answer: AnswerRecord) -> PendingRecord:
    """An answer as the writer chains it: its table row and its items' rows (plain work, done
    by the request's own thread before it waits)."""
    row = {
        "request_id": answer.request_id,
        "key_id": answer.key_id,
        "role": answer.role,
        "endpoint": answer.endpoint,
        "as_of": answer.as_of,
        "position_id": answer.position_id,
        "subject_nip": answer.subject_nip,
        "model_name": answer.lineage.model_name,
        "model_version": answer.lineage.model_version,
        "run_id": answer.lineage.run_id,
        "rule_set_version": answer.lineage.rule_set_version,
        "snapshot_id": answer.lineage.snapshot_id,
        "request_json": answer.request_json,
        "response_json": answer.response_json,
    }
    items = [
        {
            "request_id": answer.request_id,
            "rank": item.rank,
            "nip": item.nip,
            "position_id": item.position_id,
            "prediction": item.prediction,
            "raw_prediction": item.raw_prediction,
            "lower": item.lower,
            "upper": item.upper,
            "p_baik_or_better": item.p_baik_or_better,
            "features": finite(item.features),
            "shap_base_value": item.shap_base_value,
            "shap_values": None if item.shap_values is None else finite(item.shap_values),
        }
        for item in answer.items
    ]
    return PendingRecord(ANSWER, answer.request_id, row, items)


def _release_soon(loop: asyncio.AbstractEventLoop, committed: asyncio.Future[None]) -> None:
    """From the writer thread: wake the request waiting on ``committed`` in its loop."""
    with contextlib.suppress(RuntimeError):  # the loop is closed (shutdown): nobody waits
        loop.call_soon_threadsafe(_release, committed)


def _release(committed: asyncio.Future[None]) -> None:
    if not committed.done():  # not given up (timed out, or the client went away)
        committed.set_result(None)


class AuditStore(ParticipationLog):
    """Writes and reads audit records through SQLAlchemy (participation records: see
    :class:`~serving.audit.participation.ParticipationLog`).

    ``max_batch`` bounds how many records one group commit carries; ``on_commit(n)`` hears
    the size of every committed batch.
    """

    def __init__(
        self,
        url: str,
        clock: Callable[[], datetime] | None = None,
        *,
        max_batch: int = 64,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self.url = url
        self.clock = clock or (lambda: datetime.now(UTC))  # when records are written (tests)
        # Item features and SHAP values go to JSON columns: pydantic-core's serialiser writes
        # them several times faster than the json module (they are read back as values).
        # A server may drop idle connections: ping on checkout. A SQLite file cannot, and the
        # ping was one more statement on every ranking's statements-token read.
        ping = make_url(url).get_backend_name() != "sqlite"
        self.engine = create_engine(url, pool_pre_ping=ping, json_serializer=_json_column)
        if self.engine.dialect.name == "sqlite":
            _sqlite_transactions(self.engine)
        # A batch's rows as multi-row INSERTs, not one statement per row: pysqlite releases the
        # GIL around every step, and under load each release cost the writer thread ~0.5 ms to
        # get it back from the ranking threads (the writer, not the fsync, limited throughput).
        self.engine.dialect.use_insertmanyvalues_wo_returning = True
        self._locking = self.engine.execution_options(**{_BEGIN: "IMMEDIATE"})
        # One writer thread per process appends; the database lock orders processes.
        self._writer = GroupCommitWriter(
            self._locking,
            lambda: self.clock(),
            self.safe_url,
            max_batch=max_batch,
            on_commit=on_commit,
        )

    def create_schema(self) -> None:
        """Create the audit tables (and the chain's head row) if they do not exist.

        Several workers starting at once may race to create them: the loser of the race
        tries once more, and then finds them.
        """
        for attempt in (1, 2):
            try:
                self._create_schema()
                return
            except SQLAlchemyError as exc:
                if attempt == 2:
                    raise AuditError(
                        f"audit store {self.safe_url}: cannot create tables: {exc}"
                    ) from exc

    def _create_schema(self) -> None:
        # Under the write lock (BEGIN IMMEDIATE on SQLite): a worker that finds another creating
        # the tables waits for it (busy timeout) and then finds them, where a deferred
        # transaction would fail at once on its first CREATE and lose the race again on retry.
        Base.metadata.create_all(self._locking)
        try:
            with self._locking.begin() as connection:
                found = connection.execute(select(HEAD.c.id).where(HEAD.c.id == HEAD_ID)).first()
                if found is None:
                    connection.execute(insert(HEAD).values(id=HEAD_ID, seq=0, record_hash=GENESIS))
        except IntegrityError:
            pass  # another process created the head row at the same moment

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    # --- writing --------------------------------------------------------------------------

    def record(self, answer: AnswerRecord) -> None:
        """Commit one answer and its items; raises :class:`AuditWriteError` if it cannot.

        Returns once the record is durable; concurrent answers share one commit
        (:mod:`serving.audit.writer`).
        """
        pending = answer_pending(answer)
        try:
            self._writer.append(pending)
        except _WRITE_ERRORS as exc:
            raise self._write_error(pending, exc) from exc

    async def record_async(self, pending: PendingRecord) -> None:
        """:meth:`record` for an event loop: the same commit and errors, but the request waits
        for its record without holding a thread (``pending``: :func:`answer_pending`)."""
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()
        pending.on_done = lambda: _release_soon(loop, committed)
        self._writer.submit(pending)
        try:
            await asyncio.wait_for(committed, self._writer.wait_seconds)
        except TimeoutError:
            error = self._writer.overdue()
            raise self._write_error(pending, error) from error
        if pending.error is not None:
            if not isinstance(pending.error, _WRITE_ERRORS):
                raise pending.error
            raise self._write_error(pending, pending.error) from pending.error

    def _write_error(self, pending: PendingRecord, exc: BaseException) -> AuditWriteError:
        return AuditWriteError(
            f"audit store {self.safe_url}: cannot record {pending.record_id}: {type(exc).__name__}"
        )

    def pending_writes(self) -> int:
        """Records of this process waiting for their commit (queued or being committed)."""
        return self._writer.pending()

    def record_decision(self, decision: NewDecision) -> DecisionRecord:
        """Commit a decision on an answer; :class:`DecisionExistsError` if it has one."""
        row: dict[str, Any] = {
            "decision_id": uuid.uuid4().hex,
            "request_id": decision.request_id,
            "key_id": decision.key_id,
            "role": decision.role,
            "chosen_nip": decision.chosen_nip,
            "decided_by": decision.decided_by,
            "reason_code": decision.reason_code,
            "note": decision.note,
            "override": decision.override,
            "override_kind": decision.override_kind,
            "chosen_rank": decision.chosen_rank,
        }
        try:
            link = self._writer.append(PendingRecord(DECISION, row["decision_id"], row))
        except (SQLAlchemyError, AuditError) as exc:
            raise AuditWriteError(
                f"audit store {self.safe_url}: cannot record the decision on "
                f"{decision.request_id}: {type(exc).__name__}"
            ) from exc
        return decision_record(AuditDecision(**row), link.seq)

    def _append(
        self,
        kind: str,
        record_id: str,
        row: dict[str, Any],
        guard: Callable[[Session], None] | None = None,
    ) -> ChainLink:
        """Append one record through the group-commit writer (``guard``: see
        :class:`~serving.audit.writer.PendingRecord`); returns once it is durable."""
        return self._writer.append(PendingRecord(kind, record_id, row, guard=guard))

    # --- reading --------------------------------------------------------------------------

    def response_body(self, request_id: str) -> str | None:
        """The stored response body of an answer, or None if there is no such answer."""
        with self._reading() as session:
            return session.scalar(
                select(AuditAnswer.response_json).where(AuditAnswer.request_id == request_id)
            )

    def answer(self, request_id: str) -> AuditAnswer | None:
        """The full stored answer with its items (detached, read-only use)."""
        with self._reading() as session:
            row = session.get(AuditAnswer, request_id)
            if row is not None:
                _ = row.items  # load before the session closes
            return row

    def decision(self, request_id: str) -> DecisionRecord | None:
        """The decision taken on an answer, or None."""
        with self._reading() as session:
            found = session.execute(
                select(AuditDecision, ChainEntry.seq)
                .outerjoin(
                    ChainEntry,
                    (ChainEntry.kind == DECISION)
                    & (ChainEntry.record_id == AuditDecision.decision_id),
                )
                .where(AuditDecision.request_id == request_id)
            ).first()
            return None if found is None else decision_record(found[0], found[1])

    def list_answers(
        self,
        *,
        position_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        key_id: str | None = None,
        overrides_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[AnswerSummary]:
        """Answers newest first, with their decision; dates are inclusive, in UTC."""
        where = AnswerFilter(position_id, date_from, date_to, key_id, overrides_only)
        with self._reading() as session:
            return queries.list_answers(session, where, limit, offset)

    def count_answers(
        self,
        *,
        position_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        key_id: str | None = None,
        overrides_only: bool = False,
    ) -> int:
        """How many answers :meth:`list_answers` pages through with the same filters."""
        where = AnswerFilter(position_id, date_from, date_to, key_id, overrides_only)
        with self._reading() as session:
            return queries.count_answers(session, where)

    def exists(self) -> bool:
        """Whether the audit tables exist (a store nobody wrote to has none)."""
        try:
            return inspect(self.engine).has_table(AuditAnswer.__tablename__)
        except SQLAlchemyError as exc:
            raise AuditError(f"audit store {self.safe_url}: cannot read: {exc}") from exc

    def answered(self, since: date | None = None) -> Answered:
        """Answers (decision date on or after ``since``), their items and every decision, for
        monitoring (:mod:`serving.audit.answered`)."""
        with self._reading() as session:
            return read_answered(session, since)

    # --- the chain ------------------------------------------------------------------------

    def chain_head(self) -> tuple[int, str]:
        """``(seq, record_hash)`` of the head row (``(0, GENESIS)`` for an empty log)."""
        with self._reading() as session:
            head = session.get(ChainHead, HEAD_ID)
            return (0, GENESIS) if head is None else (head.seq, head.record_hash)

    def chain_records(
        self, period: tuple[datetime, datetime] | None = None, batch_size: int = 500
    ) -> Iterator[tuple[ChainLink, dict[str, Any] | None]]:
        """Chain entries in ``seq`` order with their record's content (None if it is gone).

        ``period`` keeps only the records written in ``[start, end)`` (UTC).
        """
        after = 0
        while True:
            with self._reading() as session:
                batch = queries.chain_batch(session, after, period, batch_size)
            yield from batch
            if len(batch) < batch_size:
                return
            after = batch[-1][0].seq

    def verify(self, anchor: tuple[int, str] | None = None) -> ChainReport:
        """Verify the whole chain (:func:`~serving.audit.chain.verify_chain`) of this store."""
        return verify_chain(self.chain_records(), self.chain_head, self.first_unchained, anchor)

    def first_unchained(self) -> tuple[str, str] | None:
        """``(kind, id)`` of a record (of any chained table) that has no chain entry, or None."""
        with self._reading() as session:
            return queries.unchained(session)

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        """A read-only session; database errors become :class:`AuditError`."""
        with self._read_errors(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def _connected(self) -> Iterator[Connection]:
        """A Core connection for a hot read; database errors become :class:`AuditError`."""
        with self._read_errors(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _read_errors(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise AuditError(
                f"audit store {self.safe_url}: cannot read: {type(exc).__name__}: {reason}"
            ) from exc

    def dispose(self) -> None:
        """Commit what is queued, stop the writer and close pooled connections (on shutdown)."""
        self._writer.stop()
        self.engine.dispose()


def _json_column(value: Any) -> str:
    return pydantic_core.to_json(value).decode("utf-8")


def dumps_request(payload: Mapping[str, Any]) -> str:
    """Canonical JSON of a request (sorted keys) for the log."""
    return json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
