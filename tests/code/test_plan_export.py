"""Plan export: the Excel workbook has one sheet per view with every row; CSVs match."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from planning import (
    SHEETS,
    PlanPolicy,
    PlanResult,
    result_frames,
    solve_plan,
    write_csv,
    write_workbook,
)
from tests.code.plan_cases import random_frames


def _result() -> PlanResult:
    f = random_frames(11, n_units=4, n_vacancies=9, n_candidates=40, density=0.3)
    pin = (f.pairs.iloc[0]["nip"], f.pairs.iloc[0]["position_id"])
    return solve_plan(f.problem(PlanPolicy(max_moves_out=2, pins_in=(pin,))))


def test_workbook_has_a_sheet_per_view_with_every_row(tmp_path: Path) -> None:
    result = _result()
    path = tmp_path / "rencana.xlsx"
    write_workbook(result, path)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == list(SHEETS)
    for name, frame in result_frames(result).items():
        rows = list(book[name].iter_rows(values_only=True))
        assert list(rows[0]) == list(frame.columns), name
        assert len(rows) == len(frame) + 1, name
    assignments = list(book["assignments"].iter_rows(values_only=True))
    header = assignments[0]
    first = dict(zip(header, assignments[1], strict=True))
    expected = result.assignments.iloc[0]
    assert first["nip"] == expected["nip"]
    assert first["score"] == expected["score"]
    assert len(result.assignments) > 0
    assert len(result.alternatives) > 0
    units = list(book["units"].iter_rows(values_only=True))
    assert "bezetting_after" in units[0]
    assert len(units) == len(result.units) + 1
    parameters = {r[0]: r[1] for r in book["parameters"].iter_rows(min_row=2, values_only=True)}
    assert parameters["max_moves_out"] == 2
    assert json.loads(parameters["pins_in"]) == [list(p) for p in result.parameters["pins_in"]]


def test_workbook_writes_to_a_stream_for_downloads() -> None:
    buffer = io.BytesIO()
    write_workbook(_result(), buffer)
    assert load_workbook(io.BytesIO(buffer.getvalue())).sheetnames == list(SHEETS)


def test_csv_files_hold_the_same_frames(tmp_path: Path) -> None:
    result = _result()
    paths = write_csv(result, tmp_path / "out")
    assert [p.name for p in paths] == [f"plan_{name}.csv" for name in SHEETS]
    back = pd.read_csv(tmp_path / "out" / "plan_assignments.csv", dtype={"nip": str})
    assert back["nip"].tolist() == result.assignments["nip"].tolist()
    units = pd.read_csv(tmp_path / "out" / "plan_units.csv")
    assert units["bezetting_after"].tolist() == result.units["bezetting_after"].tolist()
