"""Training path (transform, each row its own date) == serving path (snapshot.pair_features)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.contract import Dataset
from features.data import load_dataset
from features.fit import FitFeatureBuilder
from tests.factories import E1, E4, E6, make_dataset

DATES = ("2012-01-01", "2016-06-01", "2019-04-02", "2022-03-15", "2024-03-02", "2026-01-01")


def assert_paths_agree(dataset: Dataset, dates: tuple[str, ...], positions: list[str]) -> int:
    """Compare both paths for every in-service employee x position x date; returns pairs seen."""
    builder = FitFeatureBuilder().fit(dataset)
    served, triples = [], []
    for date in dates:
        snapshot = builder.snapshot(date)
        for position in positions:
            served.append(snapshot.pair_features(position))
            triples.append(
                pd.DataFrame({"nip": snapshot.nips, "position_id": position, "as_of": date})
            )
    serving = pd.concat(served).reset_index(drop=True)
    # One transform call with every date mixed: each row must still use its own date.
    training = builder.transform(
        pd.concat(triples, ignore_index=True).sample(frac=1.0, random_state=0)
    )
    pd.testing.assert_frame_equal(training.sort_index(), serving, check_exact=True)
    return len(serving)


def test_paths_agree_on_the_factory() -> None:
    assert assert_paths_agree(make_dataset(), DATES, [f"P{i}" for i in range(1, 8)]) > 100


@pytest.mark.parametrize("table", ["preferences", "rank_history", "competency_assessments"])
def test_paths_agree_without_an_optional_table(table: str) -> None:
    assert_paths_agree(make_dataset(**{table: None}), DATES[2:4], ["P1", "P3"])


def test_candidate_subsets_keep_their_order() -> None:
    snapshot = FitFeatureBuilder().fit(make_dataset()).snapshot("2024-06-01")
    everyone = snapshot.pair_features("P4")
    subset = snapshot.pair_features("P4", nips=[E6, E1, E4])
    assert list(subset.index) == [E6, E1, E4]
    pd.testing.assert_frame_equal(subset, everyone.loc[[E6, E1, E4]])
    side = snapshot.protected([E6, E1])
    assert list(side.index) == [E6, E1]
    assert list(side["gender"]) == ["L", "P"]
    np.testing.assert_array_equal(snapshot.pair_array("P4"), everyone.to_numpy())


def test_snapshot_state_is_the_as_of_state() -> None:
    from features.asof import employee_state

    dataset = make_dataset()
    snapshot = FitFeatureBuilder().fit(dataset).snapshot("2022-03-15")
    pd.testing.assert_frame_equal(snapshot.state, employee_state(dataset, None, "2022-03-15"))


def test_paths_agree_on_a_generated_province(request: pytest.FixtureRequest) -> None:
    dataset = load_dataset(request.getfixturevalue("small_province"))
    positions = list(dataset.positions.loc[dataset.positions["is_active"], "position_id"][:25])
    export = pd.Timestamp(dataset.export_date or "2025-12-31")
    dates = tuple(str((export - pd.Timedelta(days=d)).date()) for d in (1, 700, 2000))
    assert assert_paths_agree(dataset, dates, positions) > 1000
