"""Training-set outcomes and the time split, on hand-made moves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.contract import Dataset
from training.evaluate import ranking_setup
from training.training_set import (
    Part,
    TimeSplit,
    check_chronological,
    moves_with_outcomes,
    outcome_year,
)


def _dataset(transfers: list[tuple[str, str, str]], ratings: list[tuple[str, int, str]]) -> Dataset:
    moves = pd.DataFrame(
        [
            (f"T{i}", nip, pd.Timestamp(date), "P0", f"P{i + 1}", "mutasi")
            for i, (nip, date, _) in enumerate(transfers)
        ],
        columns=[
            "transfer_id",
            "nip",
            "effective_date",
            "from_position_id",
            "to_position_id",
            "kind",
        ],
    )
    perf = pd.DataFrame(ratings, columns=["nip", "year", "rating"]).assign(score=np.nan)
    empty = pd.DataFrame()
    return Dataset(units=empty, positions=empty, employees=empty, performance=perf, transfers=moves)


def test_outcome_year_is_the_first_full_calendar_year() -> None:
    dates = pd.Series(pd.to_datetime(["2021-03-01", "2021-01-01", "2021-12-31"]))
    assert outcome_year(dates).tolist() == [2022, 2021, 2022]


def test_unrated_and_superseded_moves_are_excluded_and_counted() -> None:
    dataset = _dataset(
        [
            ("A", "2019-03-01", ""),  # outcome 2020: rated -> kept
            ("A", "2021-06-01", ""),  # outcome 2022: moved again in 2022 -> superseded
            ("A", "2022-04-01", ""),  # outcome 2023: not rated -> excluded
            ("B", "2020-01-01", ""),  # outcome 2020 (starts the year): rated -> kept
        ],
        [
            ("A", 2020, "baik"),
            ("A", 2022, "sangat_baik"),
            ("B", 2020, "kurang"),
            ("B", 2021, "baik"),
        ],
    )
    moves, counts = moves_with_outcomes(dataset)
    assert counts.as_dict() == {
        "moves_total": 4,
        "moves_excluded_unrated": 1,
        "moves_excluded_superseded": 1,
        "moves_used": 2,
    }
    assert moves[["nip", "outcome_year", "rating"]].values.tolist() == [
        ["A", 2020, 4.0],
        ["B", 2020, 2.0],
    ]
    assert moves["as_of"].is_monotonic_increasing


def test_time_split_fractions_and_order() -> None:
    dates = pd.Series(pd.date_range("2015-01-01", periods=100, freq="MS"))
    split = TimeSplit.from_fractions(dates)
    names = split.assign(dates)
    assert (names == "train").sum() == 70
    assert (names == "valid").sum() == 15
    assert (names == "test").sum() == 15
    assert dates[names == "train"].max() < dates[names == "valid"].min()
    assert dates[names == "valid"].max() < dates[names == "test"].min()
    assert TimeSplit.from_dict(split.as_dict()) == split


def test_time_split_keeps_every_split_non_empty_with_heavy_ties() -> None:
    dates = pd.Series(pd.to_datetime(["2020-01-01"] * 90 + ["2021-01-01"] * 5 + ["2022-01-01"] * 5))
    names = TimeSplit.from_fractions(dates).assign(dates)
    assert set(names) == {"train", "valid", "test"}
    with pytest.raises(ValueError, match="3 distinct dates"):
        TimeSplit.from_fractions(pd.Series(pd.to_datetime(["2020-01-01", "2021-01-01"])))


def test_chronology_guard_catches_overlap() -> None:
    def part(dates: list[str]) -> Part:
        moves = pd.DataFrame({"as_of": pd.to_datetime(dates)})
        return Part(moves, pd.DataFrame(index=moves.index), np.zeros(len(dates)))

    check_chronological({"train": part(["2020-01-01"]), "valid": part(["2021-01-01"]),
                         "test": part(["2022-01-01"])})  # fmt: skip
    with pytest.raises(AssertionError, match="train"):
        check_chronological({"train": part(["2021-01-01"]), "valid": part(["2021-01-01"]),
                             "test": part(["2022-01-01"])})  # fmt: skip


def test_ranking_against_truth_is_skipped_without_an_oracle(tmp_path: Path) -> None:
    setup = ranking_setup(None, tmp_path, None, None, None, max_vacancies=10)  # type: ignore[arg-type]
    assert setup.pools is None
    assert "skipped" in setup.note
    assert "_oracle" in setup.note
