"""No leakage: records dated on or after as_of never change a feature or the employee state.

Two kinds of edits, per history table and all together: CHANGE every record dated on/after
as_of (values, and dates moved later), plus ADD new future records; and DELETE them (the dataset
as it was known at as_of, with the employees snapshot rolled back where a deleted transfer had
moved someone). The as_of dates sit exactly on record dates, so the strict ``< as_of`` boundary
is tested. A last test edits a PAST record to show the harness does detect a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache

import numpy as np
import pandas as pd
import pytest

from features.asof import employee_state
from features.contract import Dataset
from features.data import load_dataset
from features.fit import FitFeatureBuilder
from tests.factories import E1, make_dataset

# Each date is some record's date: T2 / rank tmt / assessment / preference / graduation / T6.
DATES = ("2012-01-01", "2019-04-01", "2021-07-01", "2022-01-01", "2023-06-01", "2024-01-02",
         "2024-03-01", "2024-09-01")  # fmt: skip
HISTORY = ("transfers", "performance", "rank_history", "education_history",
           "competency_assessments", "preferences", "freeze_periods")  # fmt: skip
DATE_COLUMN = {
    "transfers": "effective_date", "rank_history": "tmt", "education_history": "graduation_date",
    "competency_assessments": "assessed_on", "preferences": "submitted_on",
    "freeze_periods": "start_date",
}  # fmt: skip
Edit = Callable[[Dataset, pd.Timestamp], Dataset]


def _future(frame: pd.DataFrame, table: str, as_of: pd.Timestamp) -> pd.Series:
    if table == "performance":
        return frame["year"] >= as_of.year  # a year's SKP is known only after it ends
    return frame[DATE_COLUMN[table]] >= as_of


def _set(frame: pd.DataFrame, mask: pd.Series, **values: object) -> pd.DataFrame:
    out = frame.copy()
    for column, value in values.items():
        out.loc[mask, column] = value
    return out


def _later(frame: pd.DataFrame, mask: pd.Series, column: str, days: int = 400) -> pd.DataFrame:
    out = frame.copy()
    out.loc[mask, column] = out.loc[mask, column] + pd.Timedelta(days=days)
    return out


def change_future(dataset: Dataset, table: str, as_of: pd.Timestamp) -> Dataset:
    """Every record of ``table`` dated on/after as_of changed, plus one new future record."""
    frame = dataset.table(table)
    assert frame is not None
    future = _future(frame, table, as_of)
    nip = dataset.employees["nip"].iloc[0]
    if table == "transfers":
        # Only from_position_id is kept: it says where the employee was BEFORE the move.
        positions = list(dataset.positions["position_id"])
        other = frame["from_position_id"].map(lambda p: positions[positions.index(p) - 1])
        frame = _later(frame, future, "effective_date")
        frame = _set(frame, future, kind="promosi")
        frame.loc[future, "to_position_id"] = other[future]
    elif table == "performance":
        frame = _set(frame, future, rating="sangat_kurang", score=1.0)
    elif table == "rank_history":
        frame = _set(_later(frame, future, "tmt"), future, golongan="I/a")
        frame = _append(frame, {"nip": nip, "golongan": "IV/e", "tmt": as_of})
    elif table == "education_history":
        frame = _set(frame, future, education_level="S3", education_field="hukum")
        frame = _append(
            frame, {"nip": nip, "education_level": "S3", "education_field": "hukum",
                    "graduation_date": as_of},
        )  # fmt: skip
    elif table == "competency_assessments":
        frame = _set(_later(frame, future, "assessed_on", 10), future, level=1)
        frame = _append(frame, {"nip": nip, "assessed_on": as_of, "code": "manajerial", "level": 1})
    elif table == "preferences":
        units = dataset.units["unit_id"]
        frame = _set(frame, future, unit_id=units.iloc[-1], priority=3)
        frame = _append(
            frame, {"nip": nip, "submitted_on": as_of, "unit_id": units.iloc[0], "priority": 1}
        )
    elif table == "freeze_periods":
        frame = _later(frame, future, "start_date")
    return replace(dataset, **{table: frame})


def _append(frame: pd.DataFrame, row: dict[str, object]) -> pd.DataFrame:
    extra = pd.DataFrame([row]).astype({c: frame[c].dtype for c in row})
    return pd.concat([frame, extra], ignore_index=True)


def delete_future(dataset: Dataset, table: str, as_of: pd.Timestamp) -> Dataset:
    """Every record of ``table`` dated on/after as_of deleted (snapshot rolled back)."""
    frame = dataset.table(table)
    assert frame is not None
    future = _future(frame, table, as_of)
    changes: dict[str, pd.DataFrame] = {table: frame.loc[~future].reset_index(drop=True)}
    if table == "transfers":
        changes["employees"] = _roll_back(dataset.employees, frame, future)
    return replace(dataset, **changes)


def _roll_back(employees: pd.DataFrame, transfers: pd.DataFrame, future: pd.Series) -> pd.DataFrame:
    """Each employee's snapshot position as it was before the first deleted transfer."""
    first = transfers.loc[future].sort_values("effective_date").groupby("nip").first()
    last_kept = transfers.loc[~future].groupby("nip")["effective_date"].max()
    out = employees.copy()
    moved = out["nip"].isin(first.index)
    out.loc[moved, "position_id"] = out.loc[moved, "nip"].map(first["from_position_id"])
    # reindex, not map: mapping through an empty datetime Series fails in pandas 3.1
    kept = pd.Series(last_kept.reindex(out["nip"]).to_numpy(), index=out.index)
    start = kept.fillna(out["tmt_cpns"])
    out.loc[moved, "position_start_date"] = start[moved]
    return out


def everything(edit: Callable[[Dataset, str, pd.Timestamp], Dataset]) -> Edit:
    def all_tables(dataset: Dataset, as_of: pd.Timestamp) -> Dataset:
        for table in HISTORY:
            dataset = edit(dataset, table, as_of)
        return dataset

    return all_tables


def features_at(
    dataset: Dataset, as_of: pd.Timestamp, positions: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training-path features of every in-service employee x position at as_of, and the state."""
    builder = FitFeatureBuilder().fit(dataset)
    state = employee_state(builder.history_, None, as_of)
    triples = pd.DataFrame(
        [(n, p, as_of) for n in state["nip"] for p in positions],
        columns=["nip", "position_id", "as_of"],
    )
    frame = builder.transform(triples)
    return frame.set_index(pd.MultiIndex.from_frame(triples[["nip", "position_id"]])), state


@cache
def factory_features(date: str, positions: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features of the unedited factory dataset (computed once per date)."""
    return features_at(make_dataset(), pd.Timestamp(date), positions)


def assert_no_leak(
    dataset: Dataset | None, edit: Edit, dates: tuple[str, ...], positions: tuple[str, ...]
) -> None:
    """Features and state after ``edit`` equal those before (``dataset=None``: the factory)."""
    for date in dates:
        as_of = pd.Timestamp(date)
        if dataset is None:
            original, edited = factory_features(date, positions), make_dataset()
        else:
            original, edited = features_at(dataset, as_of, positions), dataset
        after = features_at(edit(edited, as_of), as_of, positions)
        pd.testing.assert_frame_equal(
            after[0], original[0], check_exact=True, obj=f"features as of {date}"
        )
        pd.testing.assert_frame_equal(
            after[1], original[1], check_exact=True, obj=f"employee state as of {date}"
        )


POSITIONS = tuple(f"P{i}" for i in range(1, 8))


@pytest.mark.parametrize("table", HISTORY)
def test_changing_future_records_changes_nothing(table: str) -> None:
    assert_no_leak(None, lambda d, a: change_future(d, table, a), DATES, POSITIONS)


@pytest.mark.parametrize("table", HISTORY)
def test_deleting_future_records_changes_nothing(table: str) -> None:
    assert_no_leak(None, lambda d, a: delete_future(d, table, a), DATES, POSITIONS)


def test_all_tables_at_once() -> None:
    assert_no_leak(None, everything(change_future), DATES, POSITIONS)
    assert_no_leak(None, everything(delete_future), DATES, POSITIONS)


def test_the_harness_detects_a_past_change() -> None:
    """Control: lowering E1's 2019 manajerial assessment must show up on 2022-01-01."""
    dataset = make_dataset()
    frame = dataset.competency_assessments
    assert frame is not None
    past = (frame["nip"] == E1) & (frame["assessed_on"] == pd.Timestamp("2019-06-01"))
    edited = replace(dataset, competency_assessments=_set(frame, past, level=1))
    with pytest.raises(AssertionError, match="2022-01-01"):
        assert_no_leak(dataset, lambda d, a: edited, ("2022-01-01",), ("P1",))
    rating = dataset.performance
    edited = replace(dataset, performance=_set(rating, rating["year"] == 2021, rating="kurang"))
    with pytest.raises(AssertionError, match="2022-01-01"):
        assert_no_leak(dataset, lambda d, a: edited, ("2022-01-01",), ("P1",))


def test_no_leak_on_a_generated_province(request: pytest.FixtureRequest) -> None:
    dataset = load_dataset(request.getfixturevalue("small_province"))
    rng = np.random.default_rng(0)
    active = dataset.positions.loc[dataset.positions["is_active"], "position_id"].to_numpy()
    positions = tuple(rng.choice(active, size=min(8, len(active)), replace=False))
    export = pd.Timestamp(dataset.export_date or "2025-12-31")
    dates = tuple(str((export - pd.Timedelta(days=d)).date()) for d in (500, 1500))
    assert_no_leak(dataset, everything(change_future), dates, positions)
    assert_no_leak(dataset, everything(delete_future), dates, positions)
