"""The outcome join on a hand-made audit log against the tiny dataset: every move and every
proposal lands in exactly one category, with the basis, prediction and outcome it should have.

Tiny dataset moves (tests/factories.py): T1 E1 2012 (outside the window), T2 E1 -> P1
2021-07-01 (outcome 2022: baik), T3 E2 -> P4 2016-01-01 (2016 unrated), T4 E4 -> P6 2020-01-01
(2020: sangat_baik), T5 E6 -> P4 2016-06-01 (2017 unrated), T6 E6 -> P3 2024-01-02 (2025 unrated).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from monitoring.outcomes import Window, join_outcomes, proposals
from serving.audit.answered import Answered, AnswerRow, ItemRow
from serving.audit.queries import DecisionRecord
from tests.factories import E1, E2, E3, E4, E5, E6, make_dataset

WINDOW = Window(since=date(2016, 1, 1), until=date(2025, 12, 31), match_days=730)


def _answer(request_id: str, endpoint: str, as_of: str, position_id: str | None) -> AnswerRow:
    day = date.fromisoformat(as_of)
    return AnswerRow(
        request_id=request_id,
        created_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        endpoint=endpoint,
        as_of=day,
        position_id=position_id,
        subject_nip=None,
        model_name="mutasi-fit",
        model_version="3",
        run_id="run3",
        snapshot_id="snap",
        interval_level=0.8,
    )


def _item(request_id: str, rank: int, nip: str, position_id: str | None, pred: float) -> ItemRow:
    return ItemRow(request_id, rank, nip, position_id, pred, pred - 0.5, pred + 0.5, 0.7, {}, None)


def _decision(request_id: str, nip: str, rank: int | None) -> DecisionRecord:
    return DecisionRecord(
        request_id=request_id,
        key_id="hr",
        role="hr_system",
        note=None,
        decision_id=f"D{request_id}",
        seq=None,
        decided_at=datetime(2025, 1, 1, tzinfo=UTC),
        chosen_nip=nip,
        chosen_rank=rank,
        override=rank != 1,
        override_kind=None if rank == 1 else ("ineligible" if rank is None else "not_ranked_first"),
        reason_code="best_ranked" if rank == 1 else "other",
        decided_by="Kepala BKPSDM",
    )


def audit_log() -> Answered:
    answers = [
        _answer("A1", "rank_position", "2021-06-01", "P1"),
        _answer("A2", "rank_position", "2023-12-01", "P3"),
        _answer("A3", "plan", "2022-01-01", None),
        _answer("A4", "rank_position", "2020-01-01", "P6"),
        _answer("A5", "recommend", "2016-01-01", None),
        _answer("A6", "rank_inline", "2024-06-01", None),
        _answer("A7", "rank_position", "2025-06-01", "P2"),
    ]
    items = [
        _item("A1", 1, E1, "P1", 4.2), _item("A1", 2, E2, "P1", 3.9),
        _item("A2", 1, E2, "P3", 4.4), _item("A2", 2, E6, "P3", 4.1),
        _item("A3", 1, E5, "P2", 3.8),
        _item("A4", 1, E4, "P6", 4.6),
        _item("A5", 1, E2, "P3", 4.0), _item("A5", 2, E2, "P4", 3.7),
        _item("A6", 1, E3, None, 4.0),
        _item("A7", 1, E1, "P2", 4.3),
    ]  # fmt: skip
    decisions = [_decision("A1", E1, 1), _decision("A2", E6, 2), _decision("A7", E3, None)]
    return Answered(answers, items, decisions)


def test_every_move_and_proposal_is_counted_once_and_the_counts_reconcile() -> None:
    joined = join_outcomes(audit_log(), make_dataset(), WINDOW)
    counts = joined.reconciliation
    assert counts.n_moves == 5  # T1 (2012) is before the window
    assert counts.recommended_and_moved == {"total": 3, "rated": 2, "unrated": 1, "superseded": 0}
    assert counts.moved_only == {"total": 2, "rated": 0, "unrated": 2, "superseded": 0}
    assert counts.n_proposals == 6
    assert counts.recommended_only["total"] == 3
    assert counts.by_basis == {
        "decision": 1, "override": 1, "override_ineligible": 0, "plan": 0, "ranking_top": 1,
        "recommendation_top": 0,
    }  # fmt: skip
    assert counts.moved_only_listed == 1
    assert counts.n_inline_items == 1
    assert counts.consistent


def test_moves_carry_their_proposal_prediction_and_realised_rating() -> None:
    moves = join_outcomes(audit_log(), make_dataset(), WINDOW).moves.set_index("transfer_id")
    assert moves.loc["T2", ["basis", "request_id", "prediction", "rating", "status"]].tolist() == [
        "decision", "A1", 4.2, 4.0, "rated",
    ]  # fmt: skip
    assert moves.loc["T4", ["basis", "prediction", "rating"]].tolist() == ["ranking_top", 4.6, 5.0]
    override = moves.loc["T6"]
    assert (override["basis"], override["status"]) == ("override", "unrated")
    assert (override["model_pick_nip"], override["model_pick_prediction"]) == (E2, 4.4)
    listed = moves.loc["T3"]
    assert (listed["category"], listed["basis"], listed["prediction"]) == (
        "moved_only",
        "listed",
        3.7,
    )
    assert moves.loc["T5", "basis"] == "none"
    assert pd.isna(moves.loc["T5", "prediction"])
    assert moves.loc["T2", "sector"] == "kesehatan"


def test_proposals_not_moved_say_why() -> None:
    rest = join_outcomes(audit_log(), make_dataset(), WINDOW).not_moved.set_index("nip")
    assert set(rest.index) == {E5, E2, E3}
    assert rest.loc[E5, "basis"] == "plan"
    assert not rest.loc[E5, ["left_service", "moved_elsewhere", "filled_by_other"]].any()
    assert rest.loc[E2, "basis"] == "recommendation_top"
    assert rest.loc[E2, "moved_elsewhere"]
    assert rest.loc[E2, "filled_by_other"]
    assert rest.loc[E3, "basis"] == "override_ineligible"
    assert rest.loc[E3, "window_open"]
    assert not rest.loc[E5, "window_open"]


def test_a_pair_put_forward_twice_keeps_the_strongest_basis() -> None:
    log = audit_log()
    extra = Answered(
        [*log.answers, _answer("A8", "plan", "2021-05-01", None)],
        [*log.items, _item("A8", 1, E1, "P1", 3.0)],
        log.decisions,
    )
    proposed, _, counts = proposals(extra)
    row = proposed.set_index(["nip", "position_id"]).loc[(E1, "P1")]
    assert (row["basis"], row["request_id"], row["n_answers"]) == ("decision", "A1", 2)
    assert counts.n_proposals == 6
    assert counts.n_proposal_rows == 7


@pytest.mark.parametrize("match_days", [0, 29])
def test_a_move_after_the_match_window_does_not_follow_the_proposal(match_days: int) -> None:
    window = Window(WINDOW.since, WINDOW.until, match_days)
    joined = join_outcomes(audit_log(), make_dataset(), window)
    assert joined.moves.set_index("transfer_id").loc["T2", "category"] == "moved_only"
    assert joined.reconciliation.consistent


def test_an_empty_audit_log_makes_every_move_moved_only() -> None:
    joined = join_outcomes(Answered([], [], []), make_dataset(), WINDOW)
    assert joined.reconciliation.moved_only["total"] == 5
    assert joined.reconciliation.n_proposals == 0
    assert joined.reconciliation.consistent
