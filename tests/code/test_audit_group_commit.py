"""Group commit of the audit log: concurrent answers share a commit, keep their order in the
chain, and a bad record fails alone; several processes still write one chain.

SQLite always, and PostgreSQL through the ``postgres_urls`` fixture (tests/conftest.py; the
``url`` fixture of test_audit_chain).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from serving.audit import AuditStore
from serving.audit.records import DecisionExistsError
from serving.audit.tables import Base
from serving.errors import AuditWriteError
from tests.code.test_audit_chain import ROOT, answer, decision, url  # noqa: F401  (fixture)

N = 12


@contextmanager
def chain_locked(db_url: str) -> Iterator[None]:
    """Hold the chain's write lock from another connection, as a writer of another process."""
    if db_url.startswith("sqlite"):
        locker = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        return
    engine = create_engine(db_url)
    with engine.connect() as connection:
        connection.execute(text("SELECT seq FROM audit_chain_head WHERE id = 1 FOR UPDATE"))
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()


def commits_of(store: AuditStore) -> list[int]:
    """Counts the transactions the database commits (not what the writer says it did)."""
    commits: list[int] = []
    event.listen(store.engine, "commit", lambda _connection: commits.append(1))
    return commits


def in_threads(store: AuditStore, calls: list[Callable[[], object]]) -> list[BaseException | None]:
    """Start each call in its own thread once the previous one is queued; their outcomes.

    The chain's lock is held meanwhile (by the caller), so the calls queue up in a known order.
    """
    outcomes: list[BaseException | None] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            calls[i]()
        except BaseException as exc:  # reported to the test, not lost in the thread
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for i, thread in enumerate(threads):
        thread.start()
        deadline = time.monotonic() + 10
        while store.pending_writes() < i + 1 and time.monotonic() < deadline:
            time.sleep(0.002)
        assert store.pending_writes() == i + 1, "the call did not queue"
    return outcomes if not threads else _joined(threads, outcomes)


def run_locked(
    store: AuditStore, db_url: str, calls: list[Callable[[], object]]
) -> list[BaseException | None]:
    """Queue ``calls`` one after the other while the chain is locked, then let them commit;
    their outcomes. Nothing is committed while the lock is held."""
    outcome: list[BaseException | None] = []
    head = store.chain_head()
    with chain_locked(db_url):
        queuing = threading.Thread(target=lambda: outcome.extend(in_threads(store, calls)))
        queuing.start()
        deadline = time.monotonic() + 30
        while store.pending_writes() < len(calls) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert store.pending_writes() == len(calls)
        assert store.chain_head() == head, "nothing is committed while the chain is locked"
    queuing.join(timeout=60)
    return outcome


def _joined(
    threads: list[threading.Thread], outcomes: list[BaseException | None]
) -> list[BaseException | None]:
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def store(url: str) -> Iterator[AuditStore]:  # noqa: F811  (the imported fixture)
    audit = AuditStore(url)
    audit.create_schema()
    yield audit
    audit.dispose()


def test_concurrent_answers_share_commits_in_the_order_they_came(
    store: AuditStore,
    url: str,  # noqa: F811
) -> None:
    commits = commits_of(store)
    calls: list[Callable[[], object]] = [
        (lambda i=i: store.record(answer(f"g{i}"))) for i in range(N)
    ]
    outcomes = run_locked(store, url, calls)
    assert outcomes == [None] * N
    # The first answer waited alone for the lock; the other eleven shared one commit.
    assert 1 < len(commits) < N
    report = store.verify()
    assert report.ok, report.first_broken
    links = [link for link, _ in store.chain_records()]
    assert [link.record_id for link in links] == [f"g{i}" for i in range(N)]
    times = [content["created_at"] for _, content in store.chain_records() if content]
    assert times == sorted(times)


def test_one_bad_record_fails_alone_and_the_rest_of_its_batch_commits(
    store: AuditStore,
    url: str,  # noqa: F811
) -> None:
    store.record(answer("taken"))
    nan = answer("nan")
    nan = replace(nan, items=[replace(nan.items[0], prediction=float("nan"))])
    calls: list[Callable[[], object]] = [
        lambda: store.record(answer("a")),
        lambda: store.record(answer("taken")),  # a second answer with the same request id
        lambda: store.record(nan),  # JSON has no NaN: it cannot be hashed
        lambda: store.record(answer("b")),
    ]
    outcome = run_locked(store, url, calls)
    assert outcome[0] is None
    assert outcome[3] is None
    assert isinstance(outcome[1], AuditWriteError)
    assert isinstance(outcome[2], AuditWriteError)
    report = store.verify()
    assert report.ok, report.first_broken
    assert [link.record_id for link, _ in store.chain_records()] == ["taken", "a", "b"]


def test_a_second_decision_in_the_same_batch_is_refused(
    store: AuditStore,
    url: str,  # noqa: F811
) -> None:
    store.record(answer("r1"))
    calls: list[Callable[[], object]] = [
        lambda: store.record_decision(decision("r1")),
        lambda: store.record(answer("r2")),
        lambda: store.record_decision(decision("r1")),
    ]
    outcome = run_locked(store, url, calls)
    assert outcome[:2] == [None, None]
    assert isinstance(outcome[2], DecisionExistsError)
    assert "already has a decision" in str(outcome[2])
    assert store.verify().n_records == 3


def test_a_failed_commit_fails_its_answer_and_commits_nothing(tmp_path: Path) -> None:
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}")
    audit.create_schema()
    with sqlite3.connect(tmp_path / "audit.db") as connection:
        connection.execute("DROP TABLE audit_items")
    with pytest.raises(AuditWriteError, match="cannot record g0"):
        audit.record(answer("g0"))
    assert audit.chain_head()[0] == 0
    audit.dispose()


PROCESS = """
import sys, threading
from tests.code.test_audit_chain import answer
from serving.audit import AuditStore
store = AuditStore(sys.argv[1])
store.create_schema()
name = sys.argv[2]
def write(t):
    for i in range(10):
        store.record(answer(f"{name}-{t}-{i}"))
threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
for t in threads: t.start()
for t in threads: t.join()
store.dispose()
"""


def test_several_processes_write_one_chain(url: str) -> None:  # noqa: F811
    first = AuditStore(url)
    first.create_schema()
    writers = [
        subprocess.Popen([sys.executable, "-c", PROCESS, url, f"p{n}"], cwd=ROOT) for n in range(3)
    ]
    for writer in writers:
        assert writer.wait(timeout=300) == 0
    report = first.verify()
    assert report.ok, report.first_broken
    assert report.n_records == 3 * 4 * 10
    first.dispose()


def test_the_writer_reconnects_when_the_database_dropped_its_connection(
    postgres_urls: dict[str, str],
) -> None:
    """PostgreSQL only: a server that can drop connections (as a restart does)."""
    pg_url = postgres_urls["audit"]
    engine = create_engine(pg_url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    audit = AuditStore(pg_url)
    audit.create_schema()
    audit.record(answer("before"))
    engine = create_engine(pg_url)
    with engine.begin() as admin:  # what a server restart does to the writer's connection
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    engine.dispose()
    audit.record(answer("after"))
    assert [link.record_id for link, _ in audit.chain_records()] == ["before", "after"]
    assert audit.verify().ok
    audit.dispose()


CREATOR = """
import sys, time
from pathlib import Path
from serving.audit import AuditStore
url, start = sys.argv[1], Path(sys.argv[2])
store = AuditStore(url)
while not start.exists():
    time.sleep(0.001)
store.create_schema()
store.dispose()
"""


def test_workers_starting_at_once_all_create_the_schema(
    url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Ten tables are created in one transaction; on SQLite a deferred one lost the race at its
    # first CREATE, twice in a row, and a uvicorn worker failed to start (seen in test_workers).
    start = tmp_path / "go"
    creators = [
        subprocess.Popen([sys.executable, "-c", CREATOR, url, str(start)], cwd=ROOT)
        for _ in range(3)
    ]
    time.sleep(2.0)  # all have imported the store
    start.touch()
    assert [c.wait(timeout=120) for c in creators] == [0, 0, 0]
    store = AuditStore(url)
    assert store.verify().ok
    store.dispose()
