"""Participation records in the one hash chain: verify covers statements, objections, reviews
and final plans; editing, deleting or slipping one in outside the chain is caught; they go
through the group-commit writer, their guards seeing the records queued before them in the same
batch. SQLite and PostgreSQL (the ``url`` fixture of test_audit_chain).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from mutasi.cli import app as cli
from mutasi.settings import get_settings
from serving.audit import AuditStore
from serving.audit.export import PARTICIPATION_TABLES, export_period
from serving.audit.participation_records import (
    NewObjection,
    NewPlanFinal,
    NewReview,
    NewStatement,
    ParticipationConflictError,
    UnitChoice,
)
from serving.audit.records import AnswerRecord, ItemRecord, Lineage
from tests.code.test_audit_chain import url  # noqa: F401  (fixture)
from tests.code.test_audit_group_commit import run_locked

NIP = "198503122010011002"
LINEAGE = Lineage("m", "1", "run", "2025.1", "snap")


def _store(db_url: str) -> AuditStore:
    store = AuditStore(db_url)
    store.create_schema()
    return store


def _plan(store: AuditStore, request_id: str) -> None:
    item = ItemRecord(1, NIP, "P1", 4.0, 4.0, 3.5, 4.5, 0.9, {"f": 1.0}, 3.0, {"f": 1.0})
    store.record(
        AnswerRecord(
            request_id,
            "k",
            "hr_system",
            "plan",
            date(2026, 1, 2),
            "{}",
            "{}",
            LINEAGE,
            items=[item],
        )
    )


def _statement(nip: str = NIP) -> NewStatement:
    return NewStatement(
        nip,
        "usulan",
        (UnitChoice("U1", 1, "dekat"),),
        None,
        None,
        None,
        "me",
        date(2026, 1, 2),
        "k",
        "hr_system",
    )


@pytest.fixture
def filled(url: str) -> Iterator[AuditStore]:  # noqa: F811  (the imported fixture)
    store = _store(url)
    _plan(store, "p" * 32)
    store.record_statement(_statement(), lambda latest: None)
    second = store.record_statement(_statement(), lambda latest: None)
    assert second.version == 2
    objection = store.record_objection(
        NewObjection("p" * 32, NIP, "P1", "other", "why", "me", "k", "hr_system"),
        lambda earlier: None,
    )
    store.record_review(
        NewReview(objection.objection_id, "rejected", "boss", "because", "k", "auditor")
    )
    store.record_plan_final(
        NewPlanFinal("p" * 32, "boss", None, "k", "admin"), lambda objections: []
    )
    yield store
    store.dispose()


def test_every_participation_record_is_in_the_chain(filled: AuditStore) -> None:
    report = filled.verify()
    assert report.ok, report.first_broken
    assert report.n_records == 6
    kinds = [link.kind for link, _ in filled.chain_records()]
    assert kinds == ["answer", "usulan", "usulan", "objection", "review", "plan_final"]


def test_mutasi_audit_verify_covers_participation_records(
    filled: AuditStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUTASI_AUDIT_DB_URL", filled.url)
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(cli, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "OK 6 record(s)" in ok.output
        with filled.engine.begin() as connection:
            connection.execute(text("UPDATE audit_reviews SET reviewed_by = 'someone else'"))
        bad = CliRunner().invoke(cli, ["audit", "verify"])
        assert bad.exit_code == 1, bad.output
        assert "seq 5 (review " in bad.output
        assert "edited" in bad.output
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        (
            'UPDATE audit_usulan SET choices = \'[{"unit_id": "U9", "priority": 1}]\' '
            "WHERE version = 2",
            "usulan",
        ),
        ("UPDATE audit_objections SET reason = 'edited'", "objection"),
        ("UPDATE audit_reviews SET outcome = 'upheld'", "review"),
        ("UPDATE audit_plan_finals SET override = true", "plan_final"),
        ("DELETE FROM audit_reviews", "review"),
    ],
)
def test_editing_or_deleting_a_record_breaks_the_chain_there(
    filled: AuditStore, sql: str, kind: str
) -> None:
    with filled.engine.begin() as connection:
        connection.execute(text(sql))
    report = filled.verify()
    assert not report.ok
    assert report.first_broken is not None
    assert report.first_broken.kind == kind


def test_a_record_written_outside_the_chain_is_found(filled: AuditStore) -> None:
    with filled.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_usulan (statement_id, nip, version, kind, choices, "
                "submitted_by, effective_on, received_at, key_id, role) VALUES ('x', :nip, 9, "
                "'usulan', '[]', 'me', '2026-01-02', '2026-01-02 00:00:00', 'k', 'hr_system')"
            ),
            {"nip": NIP},
        )
    report = filled.verify()
    assert not report.ok
    assert report.first_broken is not None
    assert (report.first_broken.kind, report.first_broken.request_id) == ("usulan", "x")


def test_guards_refuse_under_the_lock_and_leave_nothing_behind(filled: AuditStore) -> None:
    head = filled.chain_head()

    def refuse(_: object) -> None:
        raise ParticipationConflictError("no")

    with pytest.raises(ParticipationConflictError):
        filled.record_statement(_statement(), refuse)
    objection = filled.objections()[0]
    with pytest.raises(ParticipationConflictError, match="already reviewed"):
        filled.record_review(NewReview(objection.objection_id, "upheld", "b", "r", "k", "admin"))
    with pytest.raises(ParticipationConflictError, match="already final"):
        filled.record_plan_final(NewPlanFinal("p" * 32, "b", None, "k", "admin"), lambda o: [])
    assert filled.chain_head() == head
    assert filled.verify().ok


def test_reads_filter_and_cite_chain_places(filled: AuditStore) -> None:
    statements = filled.statements(NIP)
    assert [s.version for s in statements] == [1, 2]
    assert all(s.seq is not None for s in statements)
    assert filled.statements(received_before=statements[0].received_at) == []
    assert filled.objections(status="rejected")[0].review is not None
    assert filled.objections(status="open") == []
    final = filled.plan_final("p" * 32)
    assert final is not None
    assert final.seq == 6
    assert [a.request_id for a in filled.answers_of(NIP)] == ["p" * 32]
    count, newest = filled.statements_token()
    assert count == 2
    assert newest


def test_an_export_has_a_table_per_participation_kind_matching_the_chain(
    filled: AuditStore, tmp_path: Path
) -> None:
    today = filled.statements(NIP)[0].received_at.date()
    manifest = export_period(filled, today, today, tmp_path / "out")
    out = tmp_path / "out"
    assert manifest.n_decisions == 0  # participation records are not decisions
    assert manifest.n_participation == {
        "usulan": 2,
        "objections": 1,
        "reviews": 1,
        "plan_finals": 1,
    }
    documents = {
        json.loads(line)["seq"]: json.loads(line)
        for line in (out / "chain.jsonl").read_text("utf-8").splitlines()
    }
    for kind, (name, fields) in PARTICIPATION_TABLES.items():
        with (out / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows, name
        assert name + ".csv" in manifest.files
        for row in rows:
            document = documents[int(row["seq"])]
            assert document["kind"] == kind
            # Every field of the chain document is a column, and nothing else is.
            assert set(fields) == {"seq", "prev_hash", "record_hash", *document["record"]}
            record_id = fields[3]  # the first field after the chain's
            assert row[record_id] == document["record"][record_id]
            assert row["prev_hash"] == document["prev_hash"]


def test_a_batch_chains_participation_records_its_guards_seeing_the_records_before_them(
    url: str,  # noqa: F811
) -> None:
    store = _store(url)
    _plan(store, "q" * 32)
    objection = store.record_objection(
        NewObjection("q" * 32, NIP, "P1", "other", "why", "me", "k", "hr_system"),
        lambda earlier: None,
    )
    seen: list[int | None] = []

    def refuse_a_third(latest: object) -> None:
        seen.append(getattr(latest, "version", None))
        if len(seen) == 3:
            raise ParticipationConflictError("stale")

    review = NewReview(objection.objection_id, "upheld", "boss", "because", "k", "auditor")
    calls: list[Callable[[], object]] = [
        lambda: store.record_statement(_statement(), refuse_a_third),
        lambda: store.record_review(review),
        lambda: store.record_statement(_statement(), refuse_a_third),
        lambda: store.record_review(review),  # the same objection again, in the same batch
        lambda: store.record_statement(_statement(), refuse_a_third),
        lambda: store.record_statement(_statement("199001012015012001"), lambda latest: None),
    ]
    outcome = run_locked(store, url, calls)
    assert [o is None for o in outcome] == [True, True, True, False, False, True]
    assert isinstance(outcome[3], ParticipationConflictError)
    assert "already reviewed" in str(outcome[3])
    assert isinstance(outcome[4], ParticipationConflictError)
    # Each statement's guard saw the one queued before it: versions follow in one commit.
    assert seen == [None, 1, 2]
    assert [s.version for s in store.statements(NIP)] == [1, 2]
    report = store.verify()
    assert report.ok, report.first_broken
    kinds = [link.kind for link, _ in store.chain_records()]
    assert kinds == ["answer", "objection", "usulan", "review", "usulan", "usulan"]
    store.dispose()
