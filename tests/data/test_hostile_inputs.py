"""Hostile input files never crash validation or training: a clear refusal or a true report.

Properties over the breakages of ``tests.data.hostile`` (encodings, BOMs, delimiters, ragged
rows, huge cells, repeated rows, shuffled headers, NUL bytes, wrong formats, directories):

- ``read_raw_tables`` either refuses with :class:`UnusableInputError`, one line naming the
  broken table, or returns tables that ``validate_tables`` judges without raising;
- then per table ``read == accepted + rejected``, and ``read`` of the broken table is the number
  of data records Python's csv module sees in the file;
- ``mutasi validate`` exits 0, 1 or 2, never with a traceback: 2 with one ``error:`` line naming
  the table, 0/1 with a report whose counts reconcile (1 exactly when rows were rejected).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

from features.contract import Table
from features.data import UnusableInputError, read_raw_tables
from features.validation import ValidationResult, validate_tables
from mutasi.cli import app
from mutasi.settings import get_settings
from tests.data.hostile import Breakage, breakages, csv_records, write_base
from training.pipeline_inputs import load_inputs

runner = CliRunner()


def assert_counts_reconcile(counts: pd.DataFrame) -> None:
    assert (counts["read"] == counts["accepted"] + counts["rejected"]).all(), counts
    assert (counts["cascaded"] <= counts["rejected"]).all(), counts


def assert_one_line_naming(message: str, breakage: Breakage) -> None:
    assert "\n" not in message.strip(), message
    assert breakage.table in message, message


def check_result(result: ValidationResult, breakage: Breakage, path: Path) -> None:
    assert_counts_reconcile(result.counts)
    for table, frame in result.rejected.items():
        accepted = result.dataset.table(table)
        assert accepted is not None
        assert len(frame) == result.counts.loc[table.value, "rejected"]
        assert len(accepted) == result.counts.loc[table.value, "accepted"]
    if path.suffix == ".csv":
        assert result.counts.loc[breakage.table, "read"] == csv_records(path)


@settings(max_examples=40, deadline=None)
@given(breakage=breakages)
def test_validation_refuses_clearly_or_reports_truly(breakage: Breakage) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = write_base(Path(tmp) / "data")
        path = breakage.apply(data)
        try:
            raw = read_raw_tables(data)
        except UnusableInputError as exc:
            refusal = str(exc)
        else:
            assert breakage.expect != "unusable"
            check_result(validate_tables(raw), breakage, path)
            return
    assert breakage.expect != "usable", refusal
    assert_one_line_naming(refusal, breakage)


@settings(max_examples=20, deadline=None)
@given(breakage=breakages)
def test_validate_command_exits_cleanly(breakage: Breakage) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = write_base(Path(tmp) / "data")
        path = breakage.apply(data)
        out = Path(tmp) / "report"

        result = runner.invoke(app, ["validate", str(data), "--out", str(out)])

        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1, 2)
        if result.exit_code == 2:
            assert breakage.expect != "usable", result.stderr
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            assert len(lines) == 1, result.stderr
            assert lines[0].startswith("error:")
            assert_one_line_naming(lines[0], breakage)
            return
        assert breakage.expect != "unusable", result.output
        summary = json.loads((out / "report.json").read_text())
        counts = pd.DataFrame(summary["tables"]).T.drop(columns="file").astype("int64")
        assert_counts_reconcile(counts)
        assert (result.exit_code == 1) == (int(counts["rejected"].sum()) > 0)
        if path.suffix == ".csv":
            assert counts.loc[breakage.table, "read"] == csv_records(path)


# --- training on hostile input: a few representative cases, through the real command ----------


@pytest.fixture
def province(
    small_province: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A writable copy of the small province, with a throw-away MLflow store."""
    monkeypatch.setenv("MUTASI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MUTASI_MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    copy = Path(shutil.copytree(small_province, tmp_path / "province"))
    yield copy
    get_settings.cache_clear()


def _semicolons(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")


def _windows_1252(path: Path) -> None:
    """Smart quotes saved by a Windows program into the first data row."""
    text = path.read_text(encoding="utf-8")
    cut = text.index(",", text.index("\n"))
    path.write_bytes(text[:cut].encode() + "\u201cx\u201d".encode("cp1252") + text[cut:].encode())


def _directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize(
    ("breakage", "hint"),
    [
        (_semicolons, "looks semicolon-separated"),
        (_windows_1252, "looks like Windows-1252"),
        (_directory, "not a file"),
    ],
)
def test_train_refuses_unusable_input_with_one_clear_message(
    province: Path, breakage: object, hint: str
) -> None:
    breakage(province / "employees.csv")  # type: ignore[operator]

    result = runner.invoke(app, ["train", str(province)], env={"COLUMNS": "300"})

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "error:" in result.output
    assert "employees.csv" in result.output
    assert hint in result.output


def test_training_inputs_are_the_accepted_rows(province: Path) -> None:
    """pipeline_inputs validates without ``strict``: rejected rows are left out, not fatal."""
    employees = pd.read_csv(province / "employees.csv", dtype=str, keep_default_na=False)
    broken = employees["nip"].iloc[:3].tolist()
    employees.loc[:2, "birth_date"] = "31/12/1980"
    employees.loc[3, "name"] = "x" * 5_000
    employees.to_csv(province / "employees.csv", index=False)

    inputs = load_inputs(province, get_settings())

    counts = inputs.validation.counts.loc[Table.EMPLOYEES.value]
    assert counts["rejected"] == 4
    assert len(inputs.dataset.employees) == len(employees) - 4
    assert not inputs.dataset.employees["nip"].isin(broken).any()
    assert not inputs.dataset.performance["nip"].isin(broken).any()


def test_train_refuses_when_a_required_table_lost_every_row(province: Path) -> None:
    """Every employee rejected: the message names the table, not a later symptom."""
    employees = pd.read_csv(province / "employees.csv", dtype=str, keep_default_na=False)
    employees["gender"] = "X"
    employees.to_csv(province / "employees.csv", index=False)

    result = runner.invoke(app, ["train", str(province)], env={"COLUMNS": "300"})

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "rejected every row of employees" in result.output
