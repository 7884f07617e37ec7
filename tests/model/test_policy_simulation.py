"""The policy simulation, run once in its quick mode (600 employees, one year, one seed, all four
policies, a real model trained in a throw-away MLflow store): the benchmark's table and JSON, a
fair comparison (same seats, same number of moves), and the direction the truth dictates (the
oracle's plan moves people into posts where they do better than the pemda's practice does)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest

from benchmarks import simulate as bench
from planning.simulate import POLICIES, START_YEAR, SimulationConfig

YEAR = START_YEAR + 1


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("simulate") / "simulate.json"
    before = mlflow.get_tracking_uri()
    payload = bench.main(["--quick", "--out", str(out)])
    assert mlflow.get_tracking_uri() == before  # the temporary store does not leak
    return payload, out


@pytest.fixture(scope="module")
def rows(quick: tuple[dict[str, Any], Path]) -> pd.DataFrame:
    return pd.DataFrame(quick[0]["rows"]).set_index(["policy", "year"])


def test_quick_run_writes_every_policy_and_year(quick: tuple[dict[str, Any], Path]) -> None:
    payload, out = quick
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["employees"] == 600
    assert written["quick"] is True
    table = pd.DataFrame(written["table"])
    assert set(table["policy"]) == set(POLICIES)
    assert set(table["year"]) == {START_YEAR, YEAR}
    assert {"train", "continue", "decide_plan", "decide_greedy", "decide_oracle"} <= set(
        written["seconds"]
    )
    assert written["peak_rss_mb"] > 0
    assert "Following the plan for 1 years" in written["headline_text"]
    assert payload["headline"]["plan"]["shortage"]["mean"] == pytest.approx(
        table.set_index(["policy", "year"]).loc[("plan", YEAR), "shortage"]
        - table.set_index(["policy", "year"]).loc[("historical", YEAR), "shortage"]
    )


def test_every_policy_starts_from_the_same_province(rows: pd.DataFrame) -> None:
    start = rows.xs(START_YEAR, level="year")
    for metric in ("all_skp", "shortage", "fit_share", "staff"):
        assert start[metric].nunique() == 1, metric


def test_same_seats_and_moves_for_the_planning_policies(rows: pd.DataFrame) -> None:
    year = rows.xs(YEAR, level="year")
    made = year["moved"] + year["planned_not_made"]
    assert made["plan"] == made["oracle"] == made["greedy"]
    assert 0 < made["plan"] <= year.loc["historical", "moved"]
    assert (year["moved_rated"] <= year["moved"]).all()
    assert (year["moved_rated"] >= 0.8 * year["moved"]).all()


def test_oracle_plan_moves_people_where_they_do_better_than_practice(rows: pd.DataFrame) -> None:
    year = rows.xs(YEAR, level="year")
    assert year.loc["oracle", "moved_expected"] >= year.loc["historical", "moved_expected"]
    assert year.loc["oracle", "moved_uplift"] > year.loc["historical", "moved_uplift"]
    assert year.loc["oracle", "moved_skp"] >= year.loc["historical", "moved_skp"] - 0.05


def test_the_trained_plan_beats_the_practice_on_the_moved(rows: pd.DataFrame) -> None:
    year = rows.xs(YEAR, level="year")
    assert year.loc["plan", "moved_expected"] > year.loc["historical", "moved_expected"]


def test_impact_ratios_are_ratios(rows: pd.DataFrame) -> None:
    year = rows.xs(YEAR, level="year")
    for column in ("impact_gender", "impact_age_band", "impact_region_of_origin"):
        assert ((year[column] >= 0) & (year[column] <= 1)).all(), column


def test_a_config_names_its_mistakes() -> None:
    with pytest.raises(ValueError, match="must include historical"):
        SimulationConfig(policies=("plan",))
    with pytest.raises(ValueError, match="years must be"):
        SimulationConfig(years=0)
