"""``mutasi plan``: a plan of the small province with its champion, written to files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from features.data import load_dataset
from mutasi.cli import app
from planning.export import SHEETS
from tests.serving_fixtures import Champion


def _run(*args: str | Path | float) -> Any:
    return CliRunner().invoke(app, ["plan", *map(str, args)], env={"COLUMNS": "160"})


def _vacancies(champion: Champion, path: Path) -> Path:
    """Eight active posts short of staff at the export date; the first with an explicit count.

    Short by two or more in the employees table, so that a move out on the export date itself
    (which the plan, using records before the date, still counts) leaves them short."""
    dataset = load_dataset(champion.province)
    positions = dataset.positions.loc[dataset.positions["is_active"].astype(bool)]
    held = dataset.employees["position_id"].value_counts()
    need = positions.set_index("position_id")["abk_need"]
    short = need[need >= held.reindex(need.index, fill_value=0) + 2].index[:8]
    counts = ["1", *[""] * (len(short) - 1)]
    pd.DataFrame({"position_id": short, "count": counts}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def planned(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """One run of the command and the directory it wrote."""
    base = tmp_path_factory.mktemp("plan_cli")
    out = base / "out"
    vacancies = _vacancies(champion, base / "vacancies.csv")
    result = _run(champion.province, "--vacancies", vacancies, "--out", out, "--max-moves-out", 2)
    return result, out


def test_the_plan_is_printed_and_written(planned: tuple[Any, Path]) -> None:
    result, out = planned
    assert result.exit_code == 0, result.output
    assert "Transfer plan" in result.output
    assert "optimal" in result.output
    for view in SHEETS:
        assert (out / f"plan_{view}.csv").exists()
    assert load_workbook(out / "plan.xlsx", read_only=True).sheetnames == list(SHEETS)
    answer = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assignments = pd.read_csv(out / "plan_assignments.csv", dtype={"nip": "str"})
    moves = [
        (v["position"]["position_id"], m["nip"])
        for v in answer["vacancies"]
        for m in v["assignments"]
    ]
    assert moves, "eight open posts give some moves"
    assert sorted(moves) == sorted(zip(assignments["position_id"], assignments["nip"], strict=True))
    assert assignments["nip"].is_unique
    vacancies = pd.read_csv(out / "plan_vacancies.csv")
    assert vacancies["open_headcount"].iloc[0] == 1  # the explicit count
    assert (vacancies["filled"] <= vacancies["open_headcount"]).all()
    units = pd.read_csv(out / "plan_units.csv")
    assert (units["departures"] <= 2).all()
    assert np.array_equal(
        units["bezetting_after"],
        units["bezetting_before"] + units["arrivals"] - units["departures"],
    )


def test_group_floors_are_an_option_and_recorded_in_the_plan(
    champion: Champion, planned: tuple[Any, Path], tmp_path: Path
) -> None:
    vacancies = _vacancies(champion, tmp_path / "vacancies.csv")
    out = tmp_path / "out"
    result = _run(
        champion.province, "--vacancies", vacancies, "--out", out, "--max-moves-out", 2,
        "--fair-floor", "--fair-alpha", 0.5,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    groups = {g["group"].split("=")[0] for g in answer["fairness"]}
    assert groups <= {"gender", "age_band", "region_of_origin"}
    assert "gender" in groups
    assert all(g["moves"] >= g["floor"] - 1e-6 for g in answer["fairness"])
    plain = json.loads((planned[1] / "plan.json").read_text(encoding="utf-8"))
    assert plain["fairness"] is None
    assert answer["objective"]["total"] <= plain["objective"]["total"] + 1e-6


def test_an_infeasible_plan_exits_1_naming_the_constraint(
    champion: Champion, planned: tuple[Any, Path], tmp_path: Path
) -> None:
    _, out = planned
    assignments = pd.read_csv(out / "plan_assignments.csv", dtype={"nip": "str"})
    move = assignments.loc[assignments["cross_unit"]].iloc[0]
    pins = tmp_path / "pins.csv"
    pd.DataFrame(
        {"nip": [move["nip"]], "position_id": [move["position_id"]], "pin": ["in"]}
    ).to_csv(pins, index=False)
    vacancies = _vacancies(champion, tmp_path / "vacancies.csv")
    result = _run(
        champion.province, "--vacancies", vacancies, "--pins", pins,
        "--min-unit-share", 0, "--max-moves-out", 0, "--out", tmp_path / "out",
    )  # fmt: skip
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "max_moves_out" in message
    assert not (tmp_path / "out").exists()


def test_a_bad_input_file_is_named(champion: Champion, tmp_path: Path) -> None:
    vacancies = tmp_path / "vacancies.csv"
    vacancies.write_text("post,count\nJ1,1\n", encoding="utf-8")
    result = _run(champion.province, "--vacancies", vacancies)
    assert result.exit_code == 1
    assert "vacancies.csv: missing column(s) ['position_id']" in result.stderr
    vacancies.write_text("position_id,count\nJ1,two\n", encoding="utf-8")
    result = _run(champion.province, "--vacancies", vacancies)
    assert result.exit_code == 1
    assert "line 2: count" in result.stderr
    vacancies.write_text("position_id\nNO-SUCH-POST\n", encoding="utf-8")
    result = _run(champion.province, "--vacancies", vacancies)
    assert result.exit_code == 1
    assert "vacancies.csv, line 2, position_id: position 'NO-SUCH-POST'" in result.stderr
    pins = tmp_path / "pins.csv"
    pins.write_text("nip,position_id,pin\n198503122010011002,J1,maybe\n", encoding="utf-8")
    result = _run(champion.province, "--vacancies", _vacancies(champion, vacancies), "--pins", pins)
    assert result.exit_code == 1
    assert "pins.csv, line 2: pin" in result.stderr
