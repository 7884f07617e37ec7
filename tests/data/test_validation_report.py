"""The report files and the ``mutasi validate`` command: output, exit codes, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from features.contract import Table
from features.data import read_raw_tables
from features.validate_cli import validate_command
from features.validation import DEGRADED_FEATURES, ISSUE_COLUMNS, validate_tables
from tests.data.minimal_dataset import set_cell, valid_tables, write_dataset

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(validate_command)
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def broken_dir(tmp_path: Path) -> Path:
    tables = set_cell(valid_tables(), "employees", 0, "birth_date", "1985/03/12")
    return write_dataset(tmp_path / "data", tables)


def test_write_produces_issues_summary_and_rejected_rows(tmp_path: Path) -> None:
    result = validate_tables(read_raw_tables(broken_dir(tmp_path)))

    written = result.write(tmp_path / "out")

    report = pd.read_csv(tmp_path / "out" / "report.csv", dtype=str)
    assert tuple(report.columns) == ISSUE_COLUMNS
    assert len(report) == len(result.issues)
    summary = json.loads((tmp_path / "out" / "report.json").read_text())
    assert summary["ok"] is False
    assert summary["export_date"] == "2025-01-31"
    assert summary["tables"]["employees"]["rejected"] == 1
    assert summary["snapshot_id"] == result.dataset.snapshot_id
    rejected = pd.read_csv(tmp_path / "out" / "rejected" / "employees.csv", dtype=str)
    assert rejected.loc[0, "_row"] == "1"
    assert rejected.loc[0, "birth_date"] == "1985/03/12"  # the value as exported
    assert "birth_date: date_format" in rejected.loc[0, "_reasons"]
    assert {p.name for p in written} >= {"report.csv", "report.json", "employees.csv"}


def test_rewrite_removes_stale_rejected_files(tmp_path: Path) -> None:
    validate_tables(read_raw_tables(broken_dir(tmp_path))).write(tmp_path / "out")
    clean = write_dataset(tmp_path / "clean")

    validate_tables(read_raw_tables(clean)).write(tmp_path / "out")

    assert not (tmp_path / "out" / "rejected" / "employees.csv").exists()


def test_missing_optional_tables_are_reported_with_degraded_features(tmp_path: Path) -> None:
    omitted = ("rank_history", "preferences")
    result = validate_tables(read_raw_tables(write_dataset(tmp_path, omit=omitted)))

    assert result.missing_optional_tables == [Table.RANK_HISTORY, Table.PREFERENCES]
    assert result.degraded_features == {
        Table.RANK_HISTORY: "grade-as-of features",
        Table.PREFERENCES: "preference features",
    }
    assert result.dataset.rank_history is None
    assert result.dataset.preferences is None
    info = result.issues[result.issues["rule"] == "missing_optional_table"]
    assert set(info["table"]) == set(omitted)
    assert result.n_rejected == 0


def test_degraded_features_cover_every_optional_table() -> None:
    from features.contract import OPTIONAL_TABLES

    assert set(DEGRADED_FEATURES) == set(OPTIONAL_TABLES)


def test_cli_clean_directory_exits_zero(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")

    code, out, _ = run(str(data))

    assert code == 0
    assert "all rows accepted" in out
    assert (data / "_validation" / "report.json").is_file()


def test_cli_rejections_exit_one_and_print_issues(tmp_path: Path) -> None:
    code, out, _ = run(str(broken_dir(tmp_path)), "--out", str(tmp_path / "report"))

    assert code == 1
    assert "date_format" in out
    assert "1985/03/12" in out
    assert "rows rejected (employees 1, performance 2," in out.replace("\n", " ")
    assert (tmp_path / "report" / "rejected" / "employees.csv").is_file()


def test_cli_as_of_option(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")

    code, out, _ = run(str(data), "--as-of", "2022-12-31")

    assert code == 1  # 2023 ratings are after the export year
    assert "export date 2022-12-31 (from as_of)" in out


def _remove(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda d: _remove(d / "employees.csv"), "missing required table(s): employees"),
        (
            lambda d: (d / "units.csv").write_text("unit_id,name,sector\nU1,Setda,umum\n"),
            "table units is missing required column(s): region_code",
        ),
        (lambda d: (d / "transfers.parquet").write_bytes(b"PAR1 not parquet"), "both"),
        (lambda d: (d / "performance.csv").write_bytes(b"nip,year\n\xff\xfe\n"), "not UTF-8"),
    ],
)
def test_cli_unusable_input_exits_two_with_one_line(
    tmp_path: Path, breakage: object, expected: str
) -> None:
    data = write_dataset(tmp_path / "data")
    breakage(data)  # type: ignore[operator]

    code, out, err = run(str(data))

    assert code == 2
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert expected in lines[0]


def test_cli_empty_directory_exits_two(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path))

    assert code == 2
    assert "no contract table files" in err
