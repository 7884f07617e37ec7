"""Records waiting for their place in the audit chain, and what the writer checks of them under
the chain's lock (:mod:`serving.audit.writer`): one decision per answer, and the guards of
participation records, which read the log as it stands in the writer's own transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from serving.audit.chain import ROW_CONTENT, ChainLink, TableRow, answer_content
from serving.audit.records import DecisionExistsError
from serving.audit.tables import ANSWER, DECISION, DECISIONS


@dataclass(eq=False)
class PendingRecord:
    """A record waiting for its place in the chain: its table row and, for answers, items.

    The writer sets the row's time (``created_at``, ``decided_at``, ...: its kind's time column)
    when it chains it, then ``link`` or ``error``, then ``done``, then calls ``on_done``.
    ``guard``, if given, runs under the chain's lock just before: it reads the log as it stands
    (earlier records of the same batch included) through the writer's transaction, may complete
    the row (a version number) and raises to refuse the record (the request gets that error).
    """

    kind: str
    record_id: str
    row: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)
    guard: Callable[[Session], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    link: ChainLink | None = None
    error: BaseException | None = None
    # Called (by the writer thread) once done is set: wakes a request waiting in an event loop.
    on_done: Callable[[], None] | None = None

    def finish(self, link: ChainLink | None = None, error: BaseException | None = None) -> None:
        """Release the waiting request with its link or its error."""
        self.link, self.error = link, error
        self.done.set()
        if self.on_done is not None:
            self.on_done()


def guarded(connection: Connection, guard: Callable[[Session], None]) -> BaseException | None:
    """Run a record's guard in the writer's transaction; what it raised (None: accepted).

    A database error is not a refusal: it fails the batch like any other.
    """
    with Session(bind=connection) as session:
        try:
            guard(session)
        except SQLAlchemyError:
            raise
        except Exception as exc:
            return exc
    return None


def content(record: PendingRecord) -> dict[str, Any]:
    """What of a record is hashed into the chain."""
    if record.kind == ANSWER:
        return answer_content(record.row, record.items)
    return ROW_CONTENT[record.kind](record.row)


def refuse_second_decisions(
    connection: Connection, batch: Iterable[PendingRecord]
) -> list[PendingRecord]:
    """The batch without decisions on answers that already have one (those get their error).

    Runs under the head lock, so no other writer can record a decision meanwhile.
    """
    records = list(batch)
    asked = [r.row["request_id"] for r in records if r.kind == DECISION]
    if not asked:
        return records
    decided: dict[str, TableRow] = {
        row["request_id"]: row
        for row in connection.execute(
            select(DECISIONS.c.request_id, DECISIONS.c.chosen_nip, DECISIONS.c.decided_by).where(
                DECISIONS.c.request_id.in_(asked)
            )
        ).mappings()
    }
    accepted = []
    for record in records:
        if record.kind == DECISION:
            existing = decided.get(record.row["request_id"])
            if existing is not None:
                record.finish(
                    error=DecisionExistsError(
                        f"request {record.row['request_id']} already has a decision (chose "
                        f"{existing['chosen_nip']}, by {existing['decided_by']}); decisions "
                        "are final"
                    )
                )
                continue
            decided[record.row["request_id"]] = record.row
        accepted.append(record)
    return accepted
