"""The audit hash chain: tampering with rows directly in the database is detected; appends from
many threads, two stores and a killed process leave a chain that verifies.

SQLite always, and PostgreSQL: the scratch server of the ``postgres_urls`` fixture
(tests/conftest.py: ``MUTASI_TEST_POSTGRES_URL`` as ``.ci/run`` exports it, or a throw-away
cluster of the session; under CI a missing server fails). Its audit tables are dropped before
each test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from serving.audit import AuditStore
from serving.audit.chain import ChainReport, chain_document, document_hash, verify_chain
from serving.audit.records import AnswerRecord, ItemRecord, Lineage, NewDecision
from serving.audit.tables import Base
from serving.errors import AuditError

ROOT = Path(__file__).resolve().parents[2]
LINEAGE = Lineage("mutasi-fit", "3", "run123", "2025.1", "abc123def456")
NIP = "198503122010011002"


def answer(request_id: str, rating: float = 4.2) -> AnswerRecord:
    item = ItemRecord(
        rank=1,
        nip=NIP,
        position_id="P1",
        prediction=rating,
        raw_prediction=rating,
        lower=rating - 0.5,
        upper=rating + 0.5,
        p_baik_or_better=0.8,
        features={"field_sector_fit": 1.0, "years_in_grade": float("nan")},
        shap_base_value=3.9,
        shap_values={"field_sector_fit": rating - 3.9, "years_in_grade": 0.0},
    )
    return AnswerRecord(
        request_id=request_id,
        key_id="hr",
        role="hr_system",
        endpoint="rank_position",
        as_of=date(2025, 1, 31),
        request_json=json.dumps({"position_id": "P1"}),
        response_json=json.dumps({"request_id": request_id, "rating": rating}),
        lineage=LINEAGE,
        position_id="P1",
        items=[item],
    )


def decision(request_id: str) -> NewDecision:
    return NewDecision(
        request_id, "hr", "hr_system", NIP, "Kepala BKD", "best_ranked", None, False, None, 1
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty audit database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.db'}"
    postgres: str = request.getfixturevalue("postgres_urls")["audit"]
    engine = create_engine(postgres)
    Base.metadata.drop_all(engine)
    engine.dispose()
    return postgres


@pytest.fixture
def store(url: str) -> Iterator[AuditStore]:
    """A log of five answers (seq 1..5) and a decision on the second (seq 6)."""
    audit = AuditStore(url)
    audit.create_schema()
    for i in range(1, 6):
        audit.record(answer(f"r{i}", 3.0 + i / 10))
    audit.record_decision(decision("r2"))
    yield audit
    audit.dispose()


def sql(url: str, *statements: str) -> None:
    """Tamper with the database the way someone with direct access would: plain SQL."""
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def broken(report: ChainReport) -> tuple[int | None, str | None, str]:
    assert not report.ok
    assert report.first_broken is not None
    return report.first_broken.seq, report.first_broken.request_id, report.first_broken.reason


def test_an_untouched_chain_verifies(store: AuditStore) -> None:
    report = store.verify()
    assert report.ok
    assert (report.n_records, report.head_seq) == (6, 6)
    assert report.first_broken is None
    assert [link.seq for link, _ in store.chain_records(batch_size=4)] == [1, 2, 3, 4, 5, 6]


def test_verify_chain_walks_links_without_a_store(store: AuditStore) -> None:
    """The verifier needs links and the head, not a database: an exported or copied chain
    checks the same way, and a link altered in memory is caught."""
    links = list(store.chain_records())
    head = store.chain_head()
    assert verify_chain(iter(links), lambda: head).ok
    link, content = links[2]
    assert content is not None
    edited = {**content, "endpoint": "edited"}
    seq, _, reason = broken(verify_chain([*links[:2], (link, edited), *links[3:]], lambda: head))
    assert seq == 3
    assert "edited" in reason
    seq, _, reason = broken(verify_chain(links[:-1], lambda: head))
    assert "head" in reason


def test_an_edited_response_is_detected(store: AuditStore, url: str) -> None:
    sql(url, "UPDATE audit_answers SET response_json = '{\"rating\": 5.0}' WHERE request_id = 'r3'")
    seq, request_id, reason = broken(store.verify())
    assert (seq, request_id) == (3, "r3")
    assert "edited" in reason


def test_an_edited_item_is_detected(store: AuditStore, url: str) -> None:
    sql(url, "UPDATE audit_items SET prediction = 4.9 WHERE request_id = 'r4'")
    assert broken(store.verify())[:2] == (4, "r4")


def test_an_edited_decision_is_detected(store: AuditStore, url: str) -> None:
    sql(url, "UPDATE audit_decisions SET reason_code = 'operational_need'")
    seq, request_id, reason = broken(store.verify())
    assert (seq, request_id) == (6, "r2")
    assert "edited" in reason


def test_rehashing_an_edited_record_breaks_the_next_link(store: AuditStore, url: str) -> None:
    sql(url, "UPDATE audit_answers SET response_json = '{}' WHERE request_id = 'r3'")
    link, content = next((lk, c) for lk, c in store.chain_records() if lk.seq == 3)
    assert content is not None
    forged = document_hash(chain_document(3, link.kind, link.prev_hash, content))
    sql(url, f"UPDATE audit_chain SET record_hash = '{forged}' WHERE seq = 3")
    seq, request_id, reason = broken(store.verify())
    assert (seq, request_id) == (4, "r4")
    assert "prev_hash" in reason


def test_a_deleted_record_leaves_a_gap(store: AuditStore, url: str) -> None:
    sql(
        url,
        "DELETE FROM audit_items WHERE request_id = 'r3'",
        "DELETE FROM audit_answers WHERE request_id = 'r3'",
        "DELETE FROM audit_chain WHERE seq = 3",
    )
    seq, request_id, reason = broken(store.verify())
    assert (seq, request_id) == (4, "r4")
    assert "seq gap" in reason


def test_a_deleted_and_renumbered_record_breaks_the_link(store: AuditStore, url: str) -> None:
    sql(
        url,
        "DELETE FROM audit_items WHERE request_id = 'r3'",
        "DELETE FROM audit_answers WHERE request_id = 'r3'",
        "DELETE FROM audit_chain WHERE seq = 3",
        "UPDATE audit_chain SET seq = -seq WHERE seq > 3",  # via negatives: seq stays unique
        "UPDATE audit_chain SET seq = -seq - 1 WHERE seq < 0",
        "UPDATE audit_chain_head SET seq = seq - 1",
    )
    seq, request_id, reason = broken(store.verify())
    assert (seq, request_id) == (3, "r4")
    assert "prev_hash" in reason


def test_a_record_deleted_from_its_table_only_is_missing(store: AuditStore, url: str) -> None:
    sql(
        url,
        "DELETE FROM audit_items WHERE request_id = 'r5'",
        "DELETE FROM audit_answers WHERE request_id = 'r5'",
    )
    seq, _, reason = broken(store.verify())
    assert seq == 5
    assert "missing" in reason


def test_reordered_records_are_detected(store: AuditStore, url: str) -> None:
    sql(
        url,
        "UPDATE audit_chain SET seq = -1 WHERE seq = 2",
        "UPDATE audit_chain SET seq = 2 WHERE seq = 3",
        "UPDATE audit_chain SET seq = 3 WHERE seq = -1",
    )
    seq, request_id, reason = broken(store.verify())
    assert (seq, request_id) == (2, "r3")
    assert "reordered" in reason


def test_dropping_the_newest_records_disagrees_with_the_head(store: AuditStore, url: str) -> None:
    sql(url, "DELETE FROM audit_decisions", "DELETE FROM audit_chain WHERE seq = 6")
    seq, _, reason = broken(store.verify())
    assert seq == 6
    assert "head" in reason


def test_a_record_written_outside_the_log_is_detected(store: AuditStore, url: str) -> None:
    sql(
        url,
        "INSERT INTO audit_answers SELECT 'forged', created_at, key_id, role, endpoint, as_of, "
        "position_id, subject_nip, model_name, model_version, run_id, rule_set_version, "
        "snapshot_id, request_json, response_json FROM audit_answers WHERE request_id = 'r1'",
    )
    seq, request_id, reason = broken(store.verify())
    assert (seq, request_id) == (None, "forged")
    assert "not in the chain" in reason


def test_an_anchor_catches_a_rewritten_chain(store: AuditStore, url: str) -> None:
    (link, _) = next(iter(store.chain_records()))
    assert store.verify(anchor=(1, link.record_hash)).ok
    seq, _, reason = broken(store.verify(anchor=(1, "0" * 64)))
    assert seq == 1
    assert "anchor" in reason
    assert not store.verify(anchor=(99, link.record_hash)).ok


def test_concurrent_appends_from_threads_and_stores_keep_one_chain(url: str) -> None:
    first = AuditStore(url)
    first.create_schema()
    second = AuditStore(url)  # its own pool and lock: only the database orders it
    second.create_schema()
    errors: list[BaseException] = []

    def append(audit: AuditStore, worker: int) -> None:
        try:
            for i in range(15):
                audit.record(answer(f"w{worker}-{i}"))
                if i % 5 == 0:
                    audit.record_decision(decision(f"w{worker}-{i}"))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [
        threading.Thread(target=append, args=(s, w)) for w, s in enumerate([first, second] * 3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = first.verify()
    assert report.ok, report.first_broken
    assert report.n_records == 6 * (15 + 3)
    first.dispose()
    second.dispose()


# A writer process under load: it reports each committed batch and each acknowledged answer
# (the writer thread and the answering threads or loop both print: one lock for stdout).
_REPORTING_STORE = """
import asyncio, sys, threading
from tests.code.test_audit_chain import answer
from serving.audit import AuditStore, answer_pending
say = threading.Lock()
def tell(line):
    with say:
        sys.stdout.write(line + "\\n")
        sys.stdout.flush()
store = AuditStore(sys.argv[1], on_commit=lambda n: tell(f"batch {n}"))
store.create_schema()
"""

WRITER = (
    _REPORTING_STORE
    + """
def write(t):
    i = 0
    while True:
        store.record(answer(f"crash-{t}-{i}"))
        tell(f"ack crash-{t}-{i}")  # acknowledged: the answer would now be returned
        i += 1
for t in range(8):
    threading.Thread(target=write, args=(t,)).start()
"""
)

# The same on one event loop, as the API answers: requests await their commit, no thread each.
LOOP_WRITER = (
    _REPORTING_STORE
    + """
async def write(t):
    i = 0
    while True:
        await store.record_async(answer_pending(answer(f"crash-{t}-{i}")))
        tell(f"ack crash-{t}-{i}")  # acknowledged: the answer would now be returned
        i += 1
async def main():
    await asyncio.gather(*(write(t) for t in range(8)))
asyncio.run(main())
"""
)


@pytest.mark.parametrize("script", [WRITER, LOOP_WRITER], ids=["threads", "event-loop"])
def test_a_writer_killed_mid_batch_loses_no_acknowledged_answer(url: str, script: str) -> None:
    """Eight threads (or eight requests on one event loop) answer through one group-committing
    writer until it is killed: every answer acknowledged before the kill is in the chain, and
    the chain verifies."""
    writer = subprocess.Popen(
        [sys.executable, "-c", script, url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    acked: list[str] = []
    batches: list[int] = []
    assert writer.stdout is not None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (len(acked) < 200 or max(batches, default=0) < 2):
            line = writer.stdout.readline()
            if not line:
                break
            kind, value = line.split()
            if kind == "ack":
                acked.append(value)
            else:
                batches.append(int(value))
        assert writer.poll() is None, "the writer died on its own"
    finally:
        os.kill(writer.pid, signal.SIGKILL)  # while the next batches are being committed
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    assert max(batches, default=0) > 1, "answers never shared a commit"
    store = AuditStore(url)
    report = store.verify()
    assert report.ok, report.first_broken
    chained = {link.record_id for link, _ in store.chain_records()}
    assert set(acked) <= chained, sorted(set(acked) - chained)[:5]
    store.record(answer("after-the-crash"))  # the log goes on where it stopped
    assert store.verify().n_records == report.n_records + 1
    store.dispose()


def _head(store: AuditStore) -> int:
    try:
        return store.chain_head()[0]
    except AuditError:  # the writer has not created the tables yet
        return 0
