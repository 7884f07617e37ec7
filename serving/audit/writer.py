"""Group commit: one writer thread appends every waiting record to the chain in one transaction.

Every answer must be durable before it is returned, and a durable commit costs an fsync (a few
milliseconds on SQLite, a WAL flush on PostgreSQL) whether it carries one record or fifty. So
request threads do not commit themselves: :meth:`GroupCommitWriter.append` queues the record and
waits. The writer thread takes everything queued (up to ``max_batch``), locks the chain head
(``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` elsewhere, so writers in other
processes take turns), stamps and chains the records in queue order, inserts them with
SQLAlchemy Core ``executemany`` and commits once; only then is each waiting request released.
A crash before that commit loses the whole batch and acknowledges none of it; a failed commit
fails every record in it (the routes answer 503). While one batch commits, the next one queues.
A participation record's guard (:mod:`serving.audit.pending`) reads the log under the same
lock: the records of the batch before it are inserted first, so that it sees them too.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from serving.audit.chain import ChainLink, chain_document, document_hash
from serving.audit.pending import PendingRecord, content, guarded, refuse_second_decisions
from serving.audit.tables import ANSWER, CHAIN, CHAINED, HEAD, ITEMS
from serving.errors import AuditError

HEAD_ID = 1


_STOP = object()


class GroupCommitWriter:
    """The one thread of this process that appends to the audit chain.

    ``engine`` must begin its transactions with the write lock (the store passes its
    ``BEGIN IMMEDIATE`` engine on SQLite). ``on_commit(n)`` is told the size of each committed
    batch (metrics, tests).
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime],
        describe: str,
        *,
        max_batch: int = 64,
        wait_seconds: float = 60.0,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.describe = describe
        self.max_batch = max_batch
        self.wait_seconds = wait_seconds
        self.on_commit = on_commit
        self._queue: queue.SimpleQueue[PendingRecord | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()
        self._in_flight = 0  # records of the batch being committed
        self._connection: Connection | None = None  # the writer thread's own, kept open

    # --- the request side ------------------------------------------------------------------

    def submit(self, record: PendingRecord) -> None:
        """Queue a record without waiting: its ``done`` (and ``on_done``) tell when it is
        committed or failed."""
        self._ensure_running()
        self._queue.put(record)

    def append(self, record: PendingRecord) -> ChainLink:
        """Queue a record and wait until it is committed; raise what failed it otherwise."""
        self.submit(record)
        if not record.done.wait(self.wait_seconds):
            raise self.overdue()
        if record.error is not None:
            raise record.error
        assert record.link is not None
        return record.link

    def overdue(self) -> AuditError:
        """What a request gets that waited ``wait_seconds`` for its commit in vain."""
        # It may still be committed later; it is never acknowledged, so nothing is lost.
        return AuditError(
            f"audit store {self.describe}: no commit within {self.wait_seconds:.0f} s"
        )

    def _ensure_running(self) -> None:
        """Start the thread on first use, and again in a forked child (threads do not fork)."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                if self._pid != os.getpid():  # a forked child: the parent's queue is not ours
                    self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="mutasi-audit-writer", daemon=True
                )
                self._thread.start()

    def pending(self) -> int:
        """Records queued or being committed (what requests of this process wait for)."""
        return self._queue.qsize() + self._in_flight

    def stop(self) -> None:
        """Commit what is queued, then end the thread (on shutdown)."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            self._queue.put(_STOP)
            thread.join(timeout=self.wait_seconds)
        self._thread = None

    # --- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[PendingRecord] = []
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stopping = True
                elif isinstance(item, PendingRecord):
                    batch.append(item)
                if stopping or len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._in_flight = len(batch)
                self._commit_batch(batch)
                self._in_flight = 0
        self._disconnect()

    def _connected(self) -> Connection:
        """The writer's connection: checked out once, not per batch (no pool ping each time)."""
        if self._connection is None:
            self._connection = self.engine.connect()
        return self._connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _commit_batch(self, batch: list[PendingRecord]) -> None:
        """Commit a batch; if a record breaks it (a constraint), commit the others alone."""
        try:
            links, refused = self._commit_reconnecting(batch)
        except IntegrityError as exc:
            if len(batch) == 1:
                batch[0].finish(error=exc)
                return
            for record in batch:  # one bad record must not cost the others their answer
                if not record.done.is_set():
                    self._commit_batch([record])
            return
        except Exception as exc:  # the requests get the error; the thread goes on
            self._disconnect()  # a broken connection must not fail the next batch too
            for record in batch:
                if not record.done.is_set():
                    record.finish(error=exc)
            return
        if self.on_commit is not None and links:
            self.on_commit(len(links))
        for record, link in links.items():
            record.finish(link=link)
        for record, error in refused:
            record.finish(error=error)

    def _commit_reconnecting(self, batch: list[PendingRecord]) -> _Committed:
        """:meth:`_commit`, once more on a new connection if the kept one was found dead (the
        database restarted); nothing of the failed attempt was committed."""
        try:
            return self._commit(batch)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            self._disconnect()
            return self._commit(batch)

    def _commit(self, batch: list[PendingRecord]) -> _Committed:
        """One transaction: lock the head, chain the batch in order, insert, move the head.

        Returns the links of the committed records and the records their guards refused; those
        are told only after the commit (were it rolled back, their guards saw records that
        never were, and they are tried again).
        """
        links: dict[PendingRecord, ChainLink] = {}
        refused: list[tuple[PendingRecord, BaseException]] = []
        inserted = 0  # records of ``links`` already inserted (before a guard reads the log)
        connection = self._connected()
        with connection.begin():
            head = connection.execute(
                select(HEAD.c.seq, HEAD.c.record_hash).where(HEAD.c.id == HEAD_ID).with_for_update()
            ).one_or_none()
            if head is None:
                raise AuditError(f"audit store {self.describe}: no chain head; create the schema")
            seq, prev_hash = int(head.seq), str(head.record_hash)
            accepted = refuse_second_decisions(connection, batch)
            for record in accepted:
                if record.guard is not None:
                    # The guard must see this batch's records before it: insert them first.
                    _insert(connection, list(links)[inserted:], list(links.values())[inserted:])
                    inserted = len(links)
                    error = guarded(connection, record.guard)
                    if error is not None:
                        refused.append((record, error))
                        continue
                # The time is taken under the lock, in chain order: time order is chain order.
                record.row[CHAINED[record.kind].written_at] = self.clock()
                try:
                    record_content = content(record)
                    record_hash = document_hash(
                        chain_document(seq + 1, record.kind, prev_hash, record_content)
                    )
                except ValueError as exc:  # e.g. NaN where JSON has none: this record only
                    record.finish(error=exc)
                    continue
                seq += 1
                links[record] = ChainLink(
                    seq, record.kind, record.record_id, prev_hash, record_hash
                )
                prev_hash = record_hash
            if not links:
                return links, refused
            _insert(connection, list(links)[inserted:], list(links.values())[inserted:])
            connection.execute(
                update(HEAD).where(HEAD.c.id == HEAD_ID).values(seq=seq, record_hash=prev_hash)
            )
        return links, refused


_Committed = tuple[dict[PendingRecord, ChainLink], list[tuple[PendingRecord, BaseException]]]


def _insert(connection: Connection, records: list[PendingRecord], links: list[ChainLink]) -> None:
    """Insert the records and their chain entries: one ``executemany`` per table."""
    if not records:
        return
    for kind, chained in CHAINED.items():
        rows = [r.row for r in records if r.kind == kind]
        if rows:
            connection.execute(insert(chained.table), rows)
        if kind == ANSWER:
            items = [item for r in records if r.kind == ANSWER for item in r.items]
            if items:
                connection.execute(insert(ITEMS), items)
    connection.execute(
        insert(CHAIN),
        [
            {
                "seq": link.seq,
                "kind": link.kind,
                "record_id": link.record_id,
                "prev_hash": link.prev_hash,
                "record_hash": link.record_hash,
            }
            for link in links
        ],
    )
