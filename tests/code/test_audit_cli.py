"""``mutasi audit verify | replay | export`` on a real champion and on small hand-made logs."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mutasi.cli import app as cli
from mutasi.settings import get_settings
from serving.api.security import Role
from serving.audit import AuditStore
from serving.audit.export import export_period
from serving.audit.records import AnswerRecord, Lineage
from serving.audit.replay import differences, replay_answer
from tests.code.test_audit_chain import answer, decision
from tests.serving_fixtures import Champion, headers

runner = CliRunner()


def _ranking(client: TestClient) -> dict[str, Any]:
    state = client.app.state.holder.current  # type: ignore[attr-defined]
    position_id = sorted(state.targets)[len(state.targets) // 3]
    response = client.post(
        f"/v1/positions/{position_id}/rankings",
        json={"k": 4, "explain_top": 2, "include_ineligible": True},
        headers=headers(Role.HR_SYSTEM),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- replay -----------------------------------------------------------------------------------


def test_replaying_a_ranking_gives_it_byte_for_byte(api: TestClient) -> None:
    request_id = _ranking(api)["request_id"]
    result = runner.invoke(cli, ["audit", "replay", request_id])
    assert result.exit_code == 0, result.output
    assert "IDENTICAL byte for byte" in result.output
    assert "models:/mutasi-fit/" in result.output


def test_replaying_a_recommendation_gives_it_byte_for_byte(
    api: TestClient, champion: Champion
) -> None:
    nip = _ranking(api)["candidates"][0]["nip"]
    response = api.post(
        f"/v1/employees/{nip}/recommendations", json={"k": 3}, headers=headers(Role.HR_SYSTEM)
    )
    assert response.status_code == 200, response.text
    audit: AuditStore = api.app.state.audit  # type: ignore[attr-defined]
    result = replay_answer(audit, response.json()["request_id"], champion.settings())
    assert result.endpoint == "recommend"
    assert result.byte_identical, result.differences


def test_a_replay_names_what_differs(api: TestClient, champion: Champion, tmp_path: Path) -> None:
    ranking = _ranking(api)
    audit: AuditStore = api.app.state.audit  # type: ignore[attr-defined]
    row = audit.answer(ranking["request_id"])
    assert row is not None
    altered = json.loads(row.response_json)
    altered["candidates"][1]["prediction"]["rating"] = 1.0
    copy = AuditStore(f"sqlite:///{tmp_path / 'copy.db'}")
    copy.create_schema()
    lineage = Lineage(
        row.model_name, row.model_version, row.run_id, row.rule_set_version, row.snapshot_id
    )
    copy.record(
        AnswerRecord(
            row.request_id, row.key_id, row.role, row.endpoint, row.as_of, row.request_json,
            json.dumps(altered), lineage, row.position_id,
        )
    )  # fmt: skip
    result = replay_answer(copy, row.request_id, champion.settings())
    assert not result.identical
    assert not result.byte_identical
    (difference,) = result.differences
    assert difference.path == "candidates[1].prediction.rating"
    assert difference.stored == 1.0
    assert difference.replayed == ranking["candidates"][1]["prediction"]["rating"]
    copy.dispose()


def test_the_comparison_ignores_ids_and_timestamps_only() -> None:
    stored = {"request_id": "a", "loaded_at": "x", "solve_seconds": 1.0, "k": [1, 2], "m": {}}
    replayed = {"request_id": "b", "loaded_at": "y", "solve_seconds": 2.0, "k": [1, 3]}
    assert [(d.path, d.stored, d.replayed) for d in differences(stored, replayed)] == [
        ("k[1]", 2, 3)
    ]


def test_a_replay_refuses_another_snapshot(
    api: TestClient, small_province: Path, tmp_path: Path
) -> None:
    request_id = _ranking(api)["request_id"]
    other = tmp_path / "province"
    shutil.copytree(small_province, other)
    units = other / "units.csv"
    units.write_bytes(b"\xef\xbb\xbf" + units.read_bytes())  # same rows, other bytes (a BOM)
    result = runner.invoke(cli, ["audit", "replay", request_id, "--data-dir", str(other)])
    assert result.exit_code == 2, result.output
    assert "--data-dir pointing to the archived snapshot" in " ".join(result.output.split())


def test_replaying_an_unknown_answer_fails_clearly(api: TestClient) -> None:
    result = runner.invoke(cli, ["audit", "replay", "0" * 32])
    assert result.exit_code == 2
    assert "no answer with request id" in result.output


# --- verify and export on a log of three days -------------------------------------------------


class Clock:
    """A settable clock for the store: records land on the days the test says."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def three_days(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A log with answers on 1, 2 and 3 March 2025 and a decision on the 2nd; the CLI reads it."""
    db = tmp_path / "audit.db"
    clock = Clock()
    store = AuditStore(f"sqlite:///{db}", clock=clock)
    store.create_schema()
    for day, names in ((1, ["d1a", "d1b"]), (2, ["d2a", "d2b", "d2c"]), (3, ["d3a"])):
        clock.now = clock.now.replace(day=day)
        for name in names:
            store.record(answer(name))
        if day == 2:
            clock.now = clock.now.replace(hour=23, minute=59)  # the day's last moment counts
            store.record_decision(decision("d1b"))  # a decision on the 2nd on day-1 work
    store.dispose()
    monkeypatch.setenv("MUTASI_AUDIT_DB_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    yield db
    monkeypatch.undo()
    get_settings.cache_clear()


def test_verify_exits_0_on_an_intact_chain_and_1_naming_the_break(three_days: Path) -> None:
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "OK 7 record(s)" in ok.output
    with closing(sqlite3.connect(three_days)) as connection, connection:
        connection.execute("UPDATE audit_answers SET key_id = 'someone' WHERE request_id = 'd2b'")
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "seq 4 (answer d2b)" in bad.output
    assert "edited" in bad.output


def test_an_export_holds_the_period_and_only_it(three_days: Path, tmp_path: Path) -> None:
    store = AuditStore(f"sqlite:///{three_days}")
    manifest = export_period(store, date(2025, 3, 2), date(2025, 3, 2), tmp_path / "out")
    store.dispose()
    out = tmp_path / "out"
    answers = _csv(out / "answers.csv")
    assert [a["request_id"] for a in answers] == ["d2a", "d2b", "d2c"]
    assert {i["request_id"] for i in _csv(out / "items.csv")} == {"d2a", "d2b", "d2c"}
    (decided,) = _csv(out / "decisions.csv")
    assert (decided["request_id"], decided["seq"]) == ("d1b", "6")
    assert (manifest.n_answers, manifest.n_items, manifest.n_decisions) == (3, 3, 1)
    assert (manifest.first_seq, manifest.last_seq) == (3, 6)
    assert manifest.seq_gaps == manifest.hash_mismatches == manifest.missing_records == []
    _verify_independently(out)


def test_the_cli_exports_json(three_days: Path, tmp_path: Path) -> None:
    out = tmp_path / "json"
    result = runner.invoke(
        cli,
        ["audit", "export", "--from", "2025-03-01", "--to", "2025-03-01", "--out", str(out),
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 answer(s), 2 item(s), 0 decision(s)" in result.output
    answers = json.loads((out / "answers.json").read_text("utf-8"))
    assert [a["request_id"] for a in answers] == ["d1a", "d1b"]
    assert answers[0]["prev_hash"] == "0" * 64
    assert json.loads((out / "decisions.json").read_text("utf-8")) == []
    _verify_independently(out)
    backwards = runner.invoke(
        cli, ["audit", "export", "--from", "2025-03-02", "--to", "2025-03-01", "--out", str(out)]
    )
    assert backwards.exit_code == 2
    assert "before" in backwards.output


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _verify_independently(out: Path) -> None:
    """The check docs/audit.md tells external auditors to run (hashlib and json only)."""
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    previous: tuple[int, str] | None = None
    hashes: dict[int, str] = {}
    for line in (out / "chain.jsonl").read_text("utf-8").splitlines():
        document = json.loads(line)
        record_hash = hashlib.sha256(line.encode("utf-8")).hexdigest()
        if previous is None:
            assert document["prev_hash"] == manifest["first_prev_hash"]
        elif document["seq"] == previous[0] + 1:
            assert document["prev_hash"] == previous[1]
        previous = document["seq"], record_hash
        hashes[document["seq"]] = record_hash
    assert previous is not None
    assert previous[1] == manifest["last_record_hash"]
    suffix = "csv" if (out / "answers.csv").exists() else "json"
    for table in ("answers", "decisions"):
        path = out / f"{table}.{suffix}"
        rows = _csv(path) if suffix == "csv" else json.loads(path.read_text("utf-8"))
        for row in rows:
            assert hashes[int(row["seq"])] == row["record_hash"]
