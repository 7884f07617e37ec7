"""Waiting for the group commit on an event loop (``AuditStore.record_async``): the same commit,
order and errors as the threaded ``record``, a batch's rows inserted with one statement per
table, and a writer that outlives the loops it wakes.

SQLite always, and PostgreSQL through the ``url`` fixture of test_audit_chain.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from serving.audit import AuditStore, _release_soon, answer_pending
from serving.errors import AuditWriteError
from tests.code.test_audit_chain import answer, url  # noqa: F401  (fixture)
from tests.code.test_audit_group_commit import chain_locked, commits_of

N = 10


@pytest.fixture
def store(url: str) -> AuditStore:  # noqa: F811  (the imported fixture)
    audit = AuditStore(url)
    audit.create_schema()
    return audit


async def _queued(store: AuditStore, n: int) -> None:
    """Until ``n`` records wait for the writer (the chain is locked, so they wait)."""
    for _ in range(2000):
        if store.pending_writes() >= n:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{store.pending_writes()} of {n} records queued")


def test_answers_awaited_on_the_loop_share_commits_and_return_once_durable(
    store: AuditStore,
    url: str,  # noqa: F811
) -> None:
    commits = commits_of(store)
    stored: dict[str, str | None] = {}

    async def one(i: int) -> None:
        await store.record_async(answer_pending(answer(f"a{i}")))
        stored[f"a{i}"] = store.response_body(f"a{i}")  # readable as soon as it returns

    async def main() -> None:
        with chain_locked(url):
            tasks = []
            for i in range(N):  # one after the other, so that the chain order is known
                tasks.append(asyncio.create_task(one(i)))
                await _queued(store, i + 1)
            assert store.chain_head()[0] == 0, "nothing is committed while the chain is locked"
            assert not stored, "no answer returned before its commit"
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert all(stored[f"a{i}"] is not None for i in range(N))
    assert len(commits) < N  # the ten shared a commit (create_schema's came before the listener)
    report = store.verify()
    assert report.ok, report.first_broken
    assert [link.record_id for link, _ in store.chain_records()] == [f"a{i}" for i in range(N)]
    store.dispose()


def test_a_batch_inserts_its_rows_with_one_statement_per_table(
    store: AuditStore,
    url: str,  # noqa: F811
) -> None:
    """Every row its own statement meant a GIL release and re-acquisition per row on the
    writer thread (issue 16): a batch's answers, items and chain entries go in one each."""
    inserts: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement.split("(")[0].split()[-1])

    async def main() -> None:
        with chain_locked(url):
            tasks = [asyncio.create_task(store.record_async(answer_pending(answer("b0"))))]
            await _queued(store, 1)
            tasks += [
                asyncio.create_task(store.record_async(answer_pending(answer(f"b{i}"))))
                for i in range(1, N)
            ]
            await _queued(store, N)
        await asyncio.gather(*tasks)

    asyncio.run(main())
    items = sum(len(answer("b").items) for _ in range(N))
    assert items > 2
    # The first answer committed alone, the other nine together: two statements per table.
    assert inserts.count("audit_items") == 2, inserts
    assert inserts.count("audit_answers") == 2, inserts
    assert inserts.count("audit_chain") == 2, inserts
    assert store.verify().ok
    store.dispose()


def test_a_failed_commit_is_a_write_error_on_the_loop_too(tmp_path: Path) -> None:
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}")
    audit.create_schema()
    with sqlite3.connect(tmp_path / "audit.db") as connection:
        connection.execute("DROP TABLE audit_items")
    with pytest.raises(AuditWriteError, match="cannot record f0: OperationalError"):
        asyncio.run(audit.record_async(answer_pending(answer("f0"))))
    assert audit.chain_head()[0] == 0
    audit.dispose()


def test_no_commit_in_time_is_a_write_error_and_never_acknowledged(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'audit.db'}"
    audit = AuditStore(db_url)
    audit.create_schema()
    audit._writer.wait_seconds = 0.3
    with chain_locked(db_url), pytest.raises(AuditWriteError, match="cannot record late") as e:
        asyncio.run(audit.record_async(answer_pending(answer("late"))))
    assert "no commit within 0 s" in str(e.value.__cause__)
    audit.record(answer("next"))  # the writer goes on; the late record may land before it
    assert audit.verify().ok
    audit.dispose()


def test_a_closed_loop_does_not_stop_the_writer(tmp_path: Path) -> None:
    """A request whose loop has gone (shutdown) must not take the writer thread down with it."""
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}")
    audit.create_schema()
    loop = asyncio.new_event_loop()
    committed: asyncio.Future[None] = loop.create_future()
    loop.close()
    pending = answer_pending(answer("orphan"))
    pending.on_done = lambda: _release_soon(loop, committed)
    audit._writer.submit(pending)
    assert pending.done.wait(30)
    assert pending.error is None
    audit.record(answer("after"))
    assert [link.record_id for link, _ in audit.chain_records()] == ["orphan", "after"]
    assert audit._writer._thread is not None
    assert audit._writer._thread.is_alive()
    audit.dispose()


def test_the_loop_is_woken_from_the_writer_thread() -> None:
    """The writer finishes records on its own thread: the wake-up goes through the loop."""

    async def main() -> bool:
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()
        threading.Thread(target=_release_soon, args=(loop, committed)).start()
        await asyncio.wait_for(committed, 10)
        _release_soon(loop, committed)  # a second wake-up (or a given-up wait) is harmless
        await asyncio.sleep(0.01)
        return committed.done()

    assert asyncio.run(main())
