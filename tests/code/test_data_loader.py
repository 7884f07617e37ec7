"""features.data: reading CSV/Parquet as text, unusable input, typed frames, export date, hash."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from features.contract import COLUMNS, Dataset, Table, dtype_of
from features.data import (
    RejectedRowsError,
    UnusableInputError,
    load_dataset,
    read_raw_tables,
)
from features.validation import validate_tables
from tests.data.minimal_dataset import set_cell, valid_tables, write_dataset


def assert_same_dataset(a: Dataset, b: Dataset) -> None:
    for table in Table:
        left, right = a.table(table), b.table(table)
        assert (left is None) == (right is None), table
        if left is not None:
            pd.testing.assert_frame_equal(left, right, obj=table.value)


def test_typed_frames_follow_the_contract_dtypes(tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path))

    for table in Table:
        frame = dataset.table(table)
        assert frame is not None
        assert list(frame.columns) == [c.name for c in COLUMNS[table]]
        assert frame.index.equals(pd.RangeIndex(len(frame)))
        for col in COLUMNS[table]:
            assert frame[col.name].dtype == dtype_of(col), (table, col.name)
    positions = dataset.positions
    assert positions["is_active"].tolist() == [True, True, True, False]
    assert positions["abk_need"].tolist() == [1, 4, 10, 0]
    assert dataset.employees["birth_date"].iloc[0] == pd.Timestamp("1985-03-12")
    assert pd.isna(dataset.performance["score"].iloc[2])


def test_absent_optional_column_is_missing_and_is_active_defaults_true(tmp_path: Path) -> None:
    tables = valid_tables()
    for row in tables["positions"]:
        del row["is_active"]
    for row in tables["employees"]:
        del row["potential"]

    result = validate_tables(read_raw_tables(write_dataset(tmp_path, tables)))

    assert result.dataset.positions["is_active"].all()
    assert result.dataset.employees["potential"].isna().all()
    absent = result.issues[result.issues["rule"] == "absent_column"]
    assert set(zip(absent["table"], absent["column"], strict=True)) == {
        ("positions", "is_active"),
        ("employees", "potential"),
    }


def test_extra_columns_are_ignored_and_reported(tmp_path: Path) -> None:
    tables = valid_tables()
    for row in tables["units"]:
        row["kode_satker"] = "X"

    result = validate_tables(read_raw_tables(write_dataset(tmp_path, tables)))

    assert "kode_satker" not in result.dataset.units.columns
    extra = result.issues[result.issues["rule"] == "unknown_column"]
    assert extra[["table", "column", "severity"]].values.tolist() == [
        ["units", "kode_satker", "info"]
    ]


def test_parquet_loads_like_csv(tmp_path: Path) -> None:
    from_csv = load_dataset(write_dataset(tmp_path / "csv"))
    from_parquet = load_dataset(write_dataset(tmp_path / "parquet", fmt="parquet"))

    assert_same_dataset(from_csv, from_parquet)


def test_typed_parquet_round_trips(tmp_path: Path) -> None:
    """Parquet written from typed frames (dates, ints, bools, categoricals) reads back equal."""
    dataset = load_dataset(write_dataset(tmp_path / "csv"))
    typed_dir = tmp_path / "typed"
    typed_dir.mkdir()
    for table in dataset.present_tables():
        frame = dataset.table(table)
        assert frame is not None
        frame.to_parquet(typed_dir / f"{table.value}.parquet", index=False)
    shutil.copy(tmp_path / "csv" / "manifest.json", typed_dir)

    assert_same_dataset(dataset, load_dataset(typed_dir))


def test_row_numbers_count_data_lines_including_blank_ones(tmp_path: Path) -> None:
    data = write_dataset(tmp_path, set_cell(valid_tables(), "units", 2, "sector", "bad"))
    lines = (data / "units.csv").read_text().splitlines()
    lines.insert(2, "")  # a blank line before the second data row
    (data / "units.csv").write_text("\n".join(lines) + "\n")

    result = validate_tables(read_raw_tables(data))

    units = result.issues[result.issues["table"] == "units"]
    assert set(zip(units["row"], units["rule"], strict=True)) >= {(2, "required"), (4, "code")}


def test_export_date_from_manifest_timestamp(tmp_path: Path) -> None:
    manifest = {"contract_version": "1", "exported_at": "2025-01-31T10:00:00+07:00"}

    dataset = load_dataset(write_dataset(tmp_path, manifest=manifest))

    assert dataset.export_date == pd.Timestamp("2025-01-31")
    assert dataset.manifest == manifest


def test_export_date_without_manifest_is_latest_past_event(tmp_path: Path) -> None:
    """Sanction ends and freeze periods lie in the future and do not count."""
    dataset = load_dataset(write_dataset(tmp_path, manifest={}))

    assert dataset.export_date == pd.Timestamp("2024-08-01")  # the latest preference
    assert dataset.manifest == {}


def test_snapshot_id_hashes_content(tmp_path: Path) -> None:
    first = read_raw_tables(write_dataset(tmp_path / "a")).snapshot_id
    same = read_raw_tables(write_dataset(tmp_path / "b")).snapshot_id
    changed = read_raw_tables(
        write_dataset(tmp_path / "c", set_cell(valid_tables(), "units", 0, "name", "Setda"))
    ).snapshot_id

    assert len(first) == 12
    assert int(first, 16) >= 0
    assert first == same != changed


def test_strict_load_raises_on_rejected_rows(tmp_path: Path) -> None:
    data = write_dataset(tmp_path, set_cell(valid_tables(), "performance", 0, "score", "x"))

    with pytest.raises(RejectedRowsError, match=r"1 rows rejected \(performance 1\)"):
        load_dataset(data, strict=True)
    assert len(load_dataset(data).performance) == 4


def test_empty_required_table_is_usable_with_a_warning(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    (data / "transfers.csv").write_text(
        "transfer_id,nip,effective_date,from_position_id,to_position_id,kind\n"
    )

    result = validate_tables(read_raw_tables(data))

    assert result.dataset.transfers.empty
    assert "empty_table" in set(result.issues["rule"])
    assert result.n_rejected == 0


Breakage = Callable[[Path], object]


def _both_formats(d: Path) -> None:
    pd.read_csv(d / "units.csv", dtype=str).to_parquet(d / "units.parquet")


UNUSABLE: list[tuple[Breakage, str]] = [
    (lambda d: (d / "units.csv").unlink(), "missing required table(s): units"),
    (
        lambda d: (d / "employees.csv").write_text("nip,name\n1,A\n"),
        "employees.csv: table employees is missing required column(s): birth_date",
    ),
    (_both_formats, "both units.csv and units.parquet present"),
    (
        lambda d: (d / "performance.csv").write_bytes(b"nip,year\n\xe9\n"),
        "performance.csv: not UTF-8",
    ),
    (lambda d: (d / "units.csv").write_text(""), "units.csv: empty file"),
    (lambda d: (d / "units.csv").write_text('unit_id,name\n"U1,x\n'), "units.csv: malformed CSV"),
    (lambda d: (d / "manifest.json").write_text("{"), "manifest.json: not valid JSON"),
    (
        lambda d: (d / "manifest.json").write_text(json.dumps({"contract_version": "2"})),
        "contract_version '2' is not supported",
    ),
    (
        lambda d: (d / "manifest.json").write_text(json.dumps({"exported_at": "kemarin"})),
        "exported_at 'kemarin' is not a date",
    ),
]


@pytest.mark.parametrize(("breakage", "message"), UNUSABLE)
def test_unusable_input_names_the_culprit(tmp_path: Path, breakage: Breakage, message: str) -> None:
    data = write_dataset(tmp_path)
    breakage(data)

    with pytest.raises(UnusableInputError, match=re.escape(message)):
        read_raw_tables(data)


def test_unreadable_parquet_names_the_file(tmp_path: Path) -> None:
    data = write_dataset(tmp_path, omit=("freeze_periods",))
    (data / "freeze_periods.parquet").write_bytes(b"PAR1 this is not parquet")

    with pytest.raises(UnusableInputError, match=r"freeze_periods\.parquet: unreadable Parquet"):
        read_raw_tables(data)


def test_not_a_directory_or_empty(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="not a directory"):
        read_raw_tables(tmp_path / "missing")
    with pytest.raises(UnusableInputError, match="no contract table files"):
        read_raw_tables(tmp_path)
