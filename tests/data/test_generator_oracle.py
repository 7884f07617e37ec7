"""The oracle returns exactly what the simulation used, and the outcome model makes fit matter."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.contract import RATING_VALUE
from features.synth import Oracle
from features.synth.corrupt import corrupt_dataset
from features.synth.outcome import OutcomeInputs, StructuralModel


@pytest.fixture(scope="module")
def oracle(small_province: Path) -> Oracle:
    return Oracle.load(small_province)


@pytest.fixture(scope="module")
def skp(small_province: Path) -> pd.DataFrame:
    """Every SKP the simulation drew: nip, year, post held on 1 July, noise-free index, rating."""
    return pd.read_parquet(small_province / "_oracle" / "skp.parquet")


def july_first(years: pd.Series) -> np.ndarray:
    return pd.to_datetime(years.astype(str) + "-07-01").to_numpy()


def test_truth_index_is_the_index_the_simulation_drew_from(
    oracle: Oracle, skp: pd.DataFrame
) -> None:
    index = oracle.truth_index(skp["nip"], skp["position_id"], july_first(skp["year"]))
    np.testing.assert_allclose(index, skp["index"].to_numpy(), atol=1e-9)


def test_mean_realised_rating_matches_truth(oracle: Oracle, skp: pd.DataFrame) -> None:
    truth = oracle.model.expected_rating(skp["index"].to_numpy())
    realised = skp["rating"].map(RATING_VALUE).to_numpy()
    assert abs(realised.mean() - truth.mean()) < 0.03
    bins = pd.qcut(truth, 5, labels=False)
    by_bin = pd.DataFrame({"truth": truth, "realised": realised}).groupby(bins).mean()
    assert (by_bin["truth"] - by_bin["realised"]).abs().max() < 0.12


def test_first_year_after_a_move_follows_truth(small_province: Path, oracle: Oracle) -> None:
    moves = pd.read_csv(small_province / "transfers.csv", dtype=str)
    perf = pd.read_csv(small_province / "performance.csv", dtype=str)
    moves["year"] = (pd.to_datetime(moves["effective_date"]).dt.year + 1).astype(str)
    rated = moves.merge(perf, on=["nip", "year"])
    truth = oracle.truth(rated["nip"], rated["to_position_id"], july_first(rated["year"]))
    assert np.corrcoef(truth, rated["rating"].map(RATING_VALUE))[0, 1] > 0.5


def test_truth_is_an_expected_rating_of_any_pair(small_province: Path, oracle: Oracle) -> None:
    emp = pd.read_csv(small_province / "employees.csv", dtype=str)
    positions = pd.read_csv(small_province / "positions.csv", dtype=str)
    rng = np.random.default_rng(0)
    nips = rng.choice(emp["nip"], 2000)
    posts = rng.choice(positions["position_id"], 2000)
    truth = oracle.truth(nips, posts, pd.Timestamp("2025-12-31"))
    assert truth.shape == (2000,)
    assert ((truth > 1) & (truth < 5)).all()
    again = oracle.truth(list(nips), list(posts), "2025-12-31")
    np.testing.assert_array_equal(truth, again)
    earlier = oracle.truth(nips, posts, pd.Timestamp("2018-07-01"))
    assert not np.allclose(truth, earlier)  # experience, degrees and assessments change


def test_fit_beats_talent_in_the_wrong_room() -> None:
    """An average person well placed outscores a strong one in a post that does not fit them."""
    model = StructuralModel()

    def person(
        ability: float, fit: float, years: float, shortfall: float, away: float
    ) -> OutcomeInputs:
        one = np.ones(1)
        return OutcomeInputs(
            ability * one,
            fit * one,
            6 * one,
            6 * one,
            shortfall * one,
            years * one,
            away * one,
            away * 120 * one,
            0 * one,
        )

    fitted_average = model.index(person(0.0, 1.0, 6.0, 0.0, 0.0))
    misfit_talent = model.index(person(1.0, 0.0, 0.0, 1.0, 1.0))
    assert fitted_average[0] > misfit_talent[0]
    assert model.expected_rating(fitted_average)[0] > model.expected_rating(misfit_talent)[0]


def test_expected_rating_is_monotone_and_bounded() -> None:
    model = StructuralModel()
    grid = np.linspace(-6, 6, 101)
    expected = model.expected_rating(grid)
    assert (np.diff(expected) > 0).all()
    assert expected[0] > 1
    assert expected[-1] < 5
    assert (np.diff(model.score(grid)) >= 0).all()
    assert list(model.rating_value(np.array(model.thresholds) + 1e-9)) == [2, 3, 4, 5]


def test_oracle_reads_only_its_own_directory(
    small_province: Path, tmp_path: Path, oracle: Oracle
) -> None:
    corrupt_dataset(small_province, tmp_path, rate=0.05, seed=1)
    emp = pd.read_csv(small_province / "employees.csv", dtype=str).head(50)
    again = Oracle.load(tmp_path).truth(emp["nip"], emp["position_id"], "2025-12-31")
    np.testing.assert_array_equal(again, oracle.truth(emp["nip"], emp["position_id"], "2025-12-31"))


def test_oracle_errors_name_the_problem(
    small_province: Path, tmp_path: Path, oracle: Oracle
) -> None:
    with pytest.raises(FileNotFoundError, match="no oracle"):
        Oracle.load(tmp_path)
    emp = pd.read_csv(small_province / "employees.csv", dtype=str)
    with pytest.raises(KeyError, match="unknown nip"):
        oracle.truth(["000"], [emp["position_id"].iloc[0]], "2025-12-31")
    with pytest.raises(KeyError, match="unknown position_id"):
        oracle.truth([emp["nip"].iloc[0]], ["J-none"], "2025-12-31")
    with pytest.raises(ValueError, match="position_ids"):
        oracle.truth(emp["nip"].head(2), emp["position_id"].head(3), "2025-12-31")
    shutil.copytree(small_province / "_oracle", tmp_path / "_oracle")
    (tmp_path / "_oracle" / "stints.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="stints"):
        Oracle.load(tmp_path)
