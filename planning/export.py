"""Writing a plan for people: CSV files and an Excel workbook with one sheet per view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from planning.report import PlanResult

SHEETS: tuple[str, ...] = (
    "summary", "assignments", "vacancies", "alternatives", "units", "binding", "parameters",
)  # fmt: skip
_MAX_WIDTH = 60


def result_frames(result: PlanResult) -> dict[str, pd.DataFrame]:
    """Every view of the plan as a frame, keyed by sheet name (in :data:`SHEETS` order)."""
    summary = result.summary()
    return {
        "summary": pd.DataFrame({
            "item": list(summary),
            "value": [_cell(v) for v in summary.values()],
        }),
        "assignments": result.assignments,
        "vacancies": result.vacancies,
        "alternatives": result.alternatives,
        "units": result.units,
        "binding": pd.DataFrame(
            [(b.family, b.count, b.detail) for b in result.binding],
            columns=["family", "count", "detail"],
        ),
        "parameters": pd.DataFrame({
            "parameter": list(result.parameters),
            "value": [_cell(v) for v in result.parameters.values()],
        }),
    }  # fmt: skip


def _cell(value: Any) -> Any:
    """Scalars as they are; lists and dicts as JSON text so that one cell holds them."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, default=str)


def write_csv(result: PlanResult, directory: Path) -> list[Path]:
    """One ``plan_<view>.csv`` per view in ``directory`` (created); returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in result_frames(result).items():
        path = directory / f"plan_{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def write_workbook(result: PlanResult, target: Path | IO[bytes]) -> None:
    """An .xlsx workbook with one sheet per view, bold headers, frozen header row."""
    book = Workbook()
    for default in book.worksheets:  # a new workbook comes with an empty sheet
        book.remove(default)
    for name, frame in result_frames(result).items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([_excel_value(v) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for i, column in enumerate(frame.columns, start=1):
            longest = max([len(str(column)), *(len(str(v)) for v in frame[column].iloc[:200])])
            sheet.column_dimensions[get_column_letter(i)].width = min(longest + 2, _MAX_WIDTH)
    book.save(target)


def _excel_value(value: Any) -> Any:
    """openpyxl takes Python scalars; pandas NA and numpy scalars are converted."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
