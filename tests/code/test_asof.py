"""Employee state as of a date: only records dated strictly before as_of, per history table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.asof import degradation_report, employee_state, employee_state_rows
from features.codes import FeatureInputError
from features.data import load_dataset
from features.dated_index import DatedIndex, to_days
from features.history import EmployeeHistory
from tests.factories import (
    E1,
    E2,
    E3,
    E4,
    E5,
    E6,
    EDUCATION_HISTORY,
    EMPLOYEES,
    EXPORT_DATE,
    make_dataset,
)

# The columns features.eligibility reads (its brief), plus the ones this module adds.
STATE_COLUMNS = [
    "nip",
    "as_of",
    "employment_type",
    "gender",
    "birth_date",
    "age_years",
    "status",
    "discipline_level",
    "discipline_until",
    "golongan",
    "golongan_rank",
    "education_level",
    "education_rank",
    "education_field",
    "position_id",
    "position_start_date",
    "unit_id",
    "sector",
    "region_code",
    "jabatan_type",
    "years_in_position",
    "years_of_service",
    "home_region_code",
    "in_service",
    "tmt_cpns",
    "years_in_grade",
    "n_past_moves",
]


def state_of(nip: str, as_of: str, **overrides: object) -> pd.Series:
    frame = employee_state(make_dataset(**overrides), [nip], as_of)
    assert len(frame) == 1
    return frame.iloc[0]


def years(later: str, earlier: str) -> float:
    return (pd.Timestamp(later) - pd.Timestamp(earlier)).days / 365.25


def test_dated_index_lookups() -> None:
    keys = np.array([2, 0, 2, 2, 5])
    days = np.array([10, 3, 30, 20, 1])
    index = DatedIndex.build(keys, days)
    # Strictly before: a record dated on the query day is not known yet.
    found = index.last_before(np.array([2, 2, 2, 2, 1, 9]), np.array([10, 11, 21, 99, 5, 5]))
    assert list(found) == [-1, 1, 2, 3, -1, -1]
    assert list(index.days[[1, 2, 3]]) == [10, 20, 30]
    assert list(index.count_before(np.array([2, 2, 0, 7]), np.array([21, 10, 4, 4]))) == [
        2,
        0,
        1,
        0,
    ]
    assert list(index.first_of(np.array([0, 2, 3, 5]))) == [0, 1, -1, 4]
    assert list(index.order[[1, 2, 3]]) == [0, 3, 2]


def test_dated_index_skips_missing_dates_and_breaks_ties() -> None:
    missing = to_days(pd.Series([pd.NaT]))[0]
    index = DatedIndex.build(
        np.array([1, 1, 1]), np.array([5, 5, missing]), np.array([3.0, 1.0, 0])
    )
    assert len(index) == 2
    assert index.order[index.last_before(np.array([1]), np.array([6]))[0]] == 0  # largest tiebreak


def test_state_has_the_columns_eligibility_reads() -> None:
    frame = employee_state(make_dataset(), None, "2022-06-01")
    assert set(STATE_COLUMNS) <= set(frame.columns)
    assert frame["nip"].is_unique
    assert (frame["as_of"] == pd.Timestamp("2022-06-01")).all()
    assert str(frame["golongan"].dtype) == "category"
    assert frame["golongan"].cat.ordered


def test_default_rows_are_the_employees_in_service() -> None:
    before_e3 = employee_state(make_dataset(), None, "2022-02-01")  # E3 starts that very day
    assert E3 not in set(before_e3["nip"])
    assert E3 in set(employee_state(make_dataset(), None, "2022-02-02")["nip"])
    explicit = employee_state(make_dataset(), [E3], "2022-01-01")
    assert not explicit["in_service"].iloc[0]


@pytest.mark.parametrize(
    ("as_of", "position", "start"),
    [
        ("2008-01-01", "P2", "2005-03-01"),  # before the first transfer: its from_position
        ("2012-01-01", "P2", "2005-03-01"),  # a transfer dated as_of is not known yet
        ("2012-01-02", "P5", "2012-01-01"),
        ("2021-07-02", "P1", "2021-07-01"),
    ],
)
def test_position_follows_the_transfers(as_of: str, position: str, start: str) -> None:
    row = state_of(E1, as_of)
    assert row["position_id"] == position
    assert row["position_start_date"] == pd.Timestamp(start)
    assert row["years_in_position"] == pytest.approx(years(as_of, start))
    unit = {"P1": "U1", "P2": "U1", "P5": "U3"}[position]
    assert row["unit_id"] == unit
    assert row["sector"] == {"U1": "kesehatan", "U3": "umum"}[unit]
    assert row["region_code"] == "7571"


def test_without_transfers_the_snapshot_position_since_its_start_date() -> None:
    employees = [e if e[0] != E3 else (*e[:10], "2023-01-01", *e[11:]) for e in EMPLOYEES]
    later = state_of(E3, "2024-01-01", employees=employees)
    assert later["position_id"] == "P2"
    assert later["position_start_date"] == pd.Timestamp("2023-01-01")
    # A start date on/after as_of is future information: the post is assumed since TMT CPNS.
    early = state_of(E3, "2022-06-01", employees=employees)
    assert early["position_id"] == "P2"
    assert early["position_start_date"] == pd.Timestamp("2022-02-01")


def test_golongan_as_of_rank_history() -> None:
    assert state_of(E1, "2019-04-01")["golongan"] == "III/c"
    row = state_of(E1, "2019-04-02")
    assert row["golongan"] == "III/d"
    assert row["golongan_rank"] == 11
    assert row["years_in_grade"] == pytest.approx(years("2019-04-02", "2019-04-01"))


def test_pppk_keep_their_grade_without_a_pns_rank() -> None:
    row = state_of(E3, "2023-01-01")
    assert row["golongan"] == "IX"
    assert np.isnan(row["golongan_rank"])
    assert row["years_in_grade"] == pytest.approx(years("2023-01-01", "2022-02-01"))


def test_golongan_falls_back_to_the_snapshot_without_rank_history() -> None:
    row = state_of(E1, "2010-01-01", rank_history=None)
    assert row["golongan"] == "III/d"
    assert np.isnan(row["years_in_grade"])


def test_education_as_of_graduation() -> None:
    assert state_of(E5, "2024-09-01")["education_level"] == "SMA"
    row = state_of(E5, "2024-09-02")
    assert (row["education_level"], row["education_field"], row["education_rank"]) == (
        "S1", "administrasi_publik", 6,
    )  # fmt: skip
    assert state_of(E1, "2018-01-01")["education_field"] == "keperawatan_kebidanan"


def test_a_lower_later_degree_does_not_lower_the_level() -> None:
    extra = [*EDUCATION_HISTORY, (E1, "D3", "manajemen", "2020-01-01")]
    row = state_of(E1, "2021-01-01", education_history=extra)
    assert (row["education_level"], row["education_field"]) == ("S2", "kesehatan_masyarakat")


def test_education_falls_back_to_the_snapshot_without_history() -> None:
    row = state_of(E5, "2021-01-01", education_history=None)
    assert row["education_level"] == "S1"


def test_ages_moves_and_service() -> None:
    row = state_of(E6, "2025-01-01")
    assert row["age_years"] == pytest.approx(years("2025-01-01", "1985-07-07"))
    assert row["age_band"] == "30-39"
    assert row["years_of_service"] == pytest.approx(years("2025-01-01", "2010-04-01"))
    assert row["n_past_moves"] == 2
    assert row["last_move_date"] == pd.Timestamp("2024-01-02")
    assert row["jabatan_type"] == "jpt_pratama"
    assert state_of(E5, "2025-01-01")["n_past_moves"] == 0


def test_rows_variant_gives_each_row_its_own_date() -> None:
    dataset = make_dataset()
    nips = pd.Series([E1, E2, E1, E6], index=[10, 11, 12, 13])
    dates = pd.Series(pd.to_datetime(["2012-06-01", "2020-01-01", "2023-01-01", "2016-06-01"]))
    rows = employee_state_rows(dataset, nips, dates)
    assert list(rows.index) == [10, 11, 12, 13]
    assert list(rows["position_id"]) == ["P5", "P4", "P1", "P7"]
    for (_, row), date in zip(rows.iterrows(), dates, strict=True):
        single = employee_state(dataset, [row["nip"]], date).iloc[0]
        pd.testing.assert_series_equal(row, single, check_names=False)


def test_a_fitted_history_can_be_reused() -> None:
    dataset = make_dataset()
    history = EmployeeHistory(dataset)
    pd.testing.assert_frame_equal(
        employee_state(history, None, "2023-05-05"), employee_state(dataset, None, "2023-05-05")
    )


def test_unknown_nip_and_bad_date_are_clear_errors() -> None:
    with pytest.raises(FeatureInputError, match="nip: unknown id '123'"):
        employee_state(make_dataset(), [E1, "123"], "2023-01-01")
    with pytest.raises(ValueError, match="as_of"):
        employee_state(make_dataset(), None, None)
    with pytest.raises(ValueError, match="as_of"):
        employee_state_rows(make_dataset(), [E1], pd.Series([pd.NaT]))


def test_headcount_after_export_equals_bezetting() -> None:
    dataset = make_dataset()
    history = EmployeeHistory(dataset)
    day = to_days(EXPORT_DATE + pd.Timedelta(days=1))[0]
    counts = history.timeline.by_position.headcount(np.arange(len(history.positions)), day)
    bezetting = dataset.employees["position_id"].value_counts()
    expected = [bezetting.get(p, 0) for p in history.positions]
    assert list(counts) == expected


def test_degradation_report_names_tables_and_features() -> None:
    assert not degradation_report(make_dataset()).degraded
    report = degradation_report(make_dataset(rank_history=None, preferences=None))
    assert report.missing_tables == ("rank_history", "preferences")
    assert set(report.nan_features) == {"years_in_grade", "asked_for_unit", "preference_priority"}
    assert report.snapshot_features == ("golongan_gap",)
    assert any("rank_history" in note for note in report.notes)
    assert set(report.to_frame()["degradation"]) == {"nan", "snapshot"}


def test_generated_province_at_export_matches_its_snapshot(small_province: Path) -> None:
    """End to end: at the export date the as-of state and headcounts equal the snapshot."""
    dataset = load_dataset(small_province)
    day_after = (dataset.export_date or EXPORT_DATE) + pd.Timedelta(days=1)
    history = EmployeeHistory(dataset)
    state = employee_state(history, list(dataset.employees["nip"]), day_after)
    for column in ("position_id", "position_start_date", "golongan", "education_level"):
        assert (state[column].astype(str) == dataset.employees[column].astype(str)).all(), column
    counts = history.timeline.by_position.headcount(
        np.arange(len(history.positions)), to_days(day_after)[0]
    )
    bezetting = dataset.employees["position_id"].value_counts()
    assert list(counts) == [bezetting.get(p, 0) for p in history.positions]


def test_every_employee_of_the_factory_is_covered() -> None:
    frame = employee_state(make_dataset(), None, EXPORT_DATE + pd.Timedelta(days=1))
    assert set(frame["nip"]) == {E1, E2, E3, E4, E5, E6}
    snapshot = make_dataset().employees.set_index("nip")
    # At the export date the as-of state agrees with the snapshot columns.
    for column in ("position_id", "golongan", "education_level", "education_field"):
        assert list(frame.set_index("nip")[column].astype(str)) == list(
            snapshot.loc[frame["nip"], column].astype(str)
        ), column
