"""Usulan statements over the export's preferences: the same feature path, newest wins, no leaks.

On the hand-made dataset: E1 asked for U1 (2020, first choice) and U2 (2024, second choice) in
the export. Statements received through the service are overlaid by
:func:`serving.domain.participation.usulan.overlay_preferences` and read by the builder's own
as-of lookup (``with_preferences``), both on the training path (``transform``) and the serving
path (``snapshot().pair_features``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from features.fit import FitFeatureBuilder
from serving.audit.participation_records import StatementRecord, UnitChoice
from serving.domain.participation.usulan import overlay_preferences
from tests.factories import E1, E2, make_dataset

DAY = date(2026, 1, 10)


def statement(
    nip: str,
    version: int,
    units: list[tuple[str, int]],
    *,
    kind: str = "usulan",
    on: date = DAY,
    opt_out: str | None = None,
) -> StatementRecord:
    return StatementRecord(
        nip=nip,
        kind=kind,
        choices=tuple(UnitChoice(u, p) for u, p in units),
        opt_out_reason=opt_out,
        opt_out_note=None,
        note=None,
        submitted_by="test",
        effective_on=on,
        key_id="k",
        role="hr_system",
        statement_id=f"s{nip[-3:]}{version}",
        version=version,
        received_at=datetime(on.year, on.month, on.day, 9, version, tzinfo=UTC),
        seq=None,
    )


@pytest.fixture(scope="module")
def builder() -> FitFeatureBuilder:
    return FitFeatureBuilder().fit(make_dataset())


def overlaid(builder: FitFeatureBuilder, *statements: StatementRecord) -> FitFeatureBuilder:
    history = builder.history_
    dataset = make_dataset()
    overlay = overlay_preferences(dataset.preferences, statements, history.nips, history.units)
    return builder.with_preferences(overlay.preferences)


def asked(builder: FitFeatureBuilder, nip: str, position: str, as_of: date) -> tuple[float, float]:
    """(asked_for_unit, preference_priority) on both paths; they must agree."""
    triples = pd.DataFrame(
        {"nip": [nip], "position_id": [position], "as_of": [pd.Timestamp(as_of)]}
    )
    trained = builder.transform(triples).iloc[0]
    served = builder.snapshot(as_of).pair_features(position, [nip]).iloc[0]
    for name in ("asked_for_unit", "preference_priority"):
        assert np.isclose(trained[name], served[name], equal_nan=True), name
    return float(trained["asked_for_unit"]), float(trained["preference_priority"])


def test_a_statement_reaches_the_features_from_its_day_on(builder: FitFeatureBuilder) -> None:
    # P5 is in U3, which E2 never asked for.
    assert asked(builder, E2, "P5", DAY) == (0.0, pytest.approx(np.nan, nan_ok=True))
    with_usulan = overlaid(builder, statement(E2, 1, [("U3", 1)]))
    assert asked(with_usulan, E2, "P5", DAY) == (1.0, 1.0)  # the same day it arrived
    # A decision dated before the statement does not see it.
    assert asked(with_usulan, E2, "P5", date(2026, 1, 9))[0] == 0.0
    # The builder it was made from is untouched.
    assert asked(builder, E2, "P5", DAY)[0] == 0.0


def test_the_newest_statement_wins_over_the_export_and_earlier_versions(
    builder: FitFeatureBuilder,
) -> None:
    # Export: E1 asked for U1 (P1, P2) first and U2 (P3, P4) second.
    assert asked(builder, E1, "P1", DAY) == (1.0, 1.0)
    assert asked(builder, E1, "P4", DAY) == (1.0, 2.0)
    first = statement(E1, 1, [("U3", 1), ("U2", 3)])
    changed = overlaid(builder, first)
    assert asked(changed, E1, "P1", DAY)[0] == 0.0  # U1 left out: withdrawn
    assert asked(changed, E1, "P4", DAY) == (1.0, 3.0)
    assert asked(changed, E1, "P5", DAY) == (1.0, 1.0)
    # Before the statement, the export as it was (both are kept).
    assert asked(changed, E1, "P1", date(2026, 1, 1)) == (1.0, 1.0)
    second = statement(E1, 2, [("U1", 2)], on=date(2026, 2, 1))
    again = overlaid(builder, first, second)
    assert asked(again, E1, "P1", date(2026, 2, 1)) == (1.0, 2.0)
    assert asked(again, E1, "P5", date(2026, 2, 1))[0] == 0.0
    assert asked(again, E1, "P5", date(2026, 1, 20)) == (1.0, 1.0)  # version 1 in effect then


def test_two_statements_on_one_day_the_later_one_wins(builder: FitFeatureBuilder) -> None:
    both = overlaid(builder, statement(E2, 1, [("U3", 1)]), statement(E2, 2, [("U3", 3)]))
    assert asked(both, E2, "P5", DAY) == (1.0, 3.0)


def test_a_withdrawal_takes_every_wish_back(builder: FitFeatureBuilder) -> None:
    gone = overlaid(builder, statement(E1, 1, [], kind="withdrawal"))
    for position in ("P1", "P4"):
        assert asked(gone, E1, position, DAY)[0] == 0.0
    assert asked(gone, E1, "P1", date(2025, 12, 1))[0] == 1.0


def test_statements_the_snapshot_cannot_apply_are_listed_not_lost(
    builder: FitFeatureBuilder,
) -> None:
    history = builder.history_
    unknown = statement("199901012020011001", 1, [("U1", 1)])
    gone_unit = statement(E2, 1, [("U9", 1), ("U3", 2)])
    overlay = overlay_preferences(
        make_dataset().preferences, [unknown, gone_unit], history.nips, history.units
    )
    assert len(overlay.statements) == 1
    assert any("199901012020011001" in s for s in overlay.not_applied)
    assert any("unit U9" in s for s in overlay.not_applied)
    applied = builder.with_preferences(overlay.preferences)
    assert asked(applied, E2, "P5", DAY) == (1.0, 2.0)


def test_opt_outs_and_citations_follow_the_version_in_effect(builder: FitFeatureBuilder) -> None:
    history = builder.history_
    records = [
        statement(E2, 1, [], opt_out="health"),
        statement(E2, 2, [("U3", 1)], on=date(2026, 3, 1)),
    ]
    overlay = overlay_preferences(None, records, history.nips, history.units)
    statements = overlay.statements
    assert set(statements.opt_outs(DAY)) == {E2}
    assert statements.opt_outs(date(2026, 3, 1)) == {}
    active = statements.active(E2, date(2026, 3, 2))
    assert active is not None
    assert active.version == 2
    assert statements.active(E2, date(2026, 1, 1)) is None
    # No export preferences table at all: the statements alone make one.
    assert overlay.preferences is not None
    assert set(overlay.preferences["unit_id"]) == {"U3"}
