"""The auditors' read side: answer summaries with filters and paging, and decisions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from serving.audit import AuditStore
from tests.code.test_audit_chain import answer, decision


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AuditStore]:
    """Answers on 1..4 March 2025 for two positions and two keys; decisions on two of them."""
    moments = iter(datetime(2025, 3, day, 10, tzinfo=UTC) for day in (1, 2, 3, 4, 4, 4))
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", clock=lambda: next(moments))
    audit.create_schema()
    for request_id, position_id, key_id in (
        ("a1", "P1", "hr"),
        ("a2", "P2", "hr"),
        ("a3", "P1", "hr2"),
        ("a4", "P1", "hr"),
    ):
        audit.record(replace(answer(request_id), position_id=position_id, key_id=key_id))
    audit.record_decision(decision("a1"))
    audit.record_decision(
        replace(
            decision("a3"),
            reason_code="legal_obligation",
            override=True,
            override_kind="ineligible",
            chosen_rank=None,
        )
    )
    yield audit
    audit.dispose()


def _ids(store: AuditStore, **filters: object) -> list[str]:
    return [s.request_id for s in store.list_answers(**filters)]  # type: ignore[arg-type]


def test_answers_come_newest_first_with_their_decision(store: AuditStore) -> None:
    summaries = store.list_answers()
    assert [s.request_id for s in summaries] == ["a4", "a3", "a2", "a1"]
    by_id = {s.request_id: s for s in summaries}
    assert by_id["a3"].override
    assert by_id["a3"].decision is not None
    assert by_id["a3"].decision.override_kind == "ineligible"
    assert not by_id["a1"].override
    assert by_id["a1"].decision == store.decision("a1")
    assert by_id["a2"].decision is None
    assert (by_id["a2"].n_candidates, by_id["a2"].seq) == (1, 2)
    assert by_id["a4"].created_at == datetime(2025, 3, 4, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"position_id": "P1"}, ["a4", "a3", "a1"]),
        ({"key_id": "hr2"}, ["a3"]),
        ({"date_from": date(2025, 3, 2), "date_to": date(2025, 3, 3)}, ["a3", "a2"]),
        ({"date_to": date(2025, 3, 1)}, ["a1"]),
        ({"overrides_only": True}, ["a3"]),
        ({"position_id": "P1", "overrides_only": True, "key_id": "hr"}, []),
        ({"limit": 2, "offset": 1}, ["a3", "a2"]),
    ],
)
def test_filters_and_pages(
    store: AuditStore, filters: dict[str, object], expected: list[str]
) -> None:
    assert _ids(store, **filters) == expected
    counted = {k: v for k, v in filters.items() if k not in ("limit", "offset")}
    total = store.count_answers(**counted)  # type: ignore[arg-type]
    assert total == (4 if "limit" in filters else len(expected))


def test_a_decision_is_read_back_with_its_place_in_the_chain(store: AuditStore) -> None:
    found = store.decision("a3")
    assert found is not None
    assert (found.reason_code, found.override, found.chosen_rank) == (
        "legal_obligation",
        True,
        None,
    )
    assert found.seq == 6
    assert found.decided_at == datetime(2025, 3, 4, 10, tzinfo=UTC)
    assert store.decision("a2") is None
    assert store.decision("unknown") is None
