"""Primary keys, foreign keys and the cascade of rejections to dependent rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.contract import FOREIGN_KEYS, Table
from features.data import read_raw_tables
from features.validation import CASCADE, ERROR, ValidationResult, validate_tables
from tests.data.minimal_dataset import Tables, valid_tables, write_dataset


def validate(tmp_path: Path, tables: Tables) -> ValidationResult:
    return validate_tables(read_raw_tables(write_dataset(tmp_path, tables)))


def errors(result: ValidationResult, table: str, rule: str) -> pd.DataFrame:
    issues = result.issues
    return issues[
        (issues["table"] == table) & (issues["rule"] == rule) & (issues["severity"] == ERROR)
    ]


def assert_reconciled(result: ValidationResult) -> None:
    """Nothing dropped silently: every rejected row has an error, every row is counted."""
    counts = result.counts
    assert (counts["read"] == counts["accepted"] + counts["rejected"]).all()
    for table, rejected in result.rejected.items():
        assert len(rejected) == counts.loc[table.value, "rejected"]
        accepted = result.dataset.table(table)
        assert accepted is not None
        assert len(accepted) == counts.loc[table.value, "accepted"]
        with_error = errors_rows(result, table.value)
        assert set(rejected["_row"]) == with_error
        assert rejected["_reasons"].str.len().gt(0).all()


def errors_rows(result: ValidationResult, table: str) -> set[int]:
    issues = result.issues
    mine = issues[(issues["table"] == table) & (issues["severity"] == ERROR)]
    return set(mine["row"].dropna().astype(int))


@pytest.mark.parametrize(
    ("table", "index", "changes", "key_value"),
    [
        ("employees", 0, {"name": "Andi (duplikat)"}, "198503122010011001"),
        ("performance", 1, {"rating": "baik"}, "198503122010011001, 2023"),
        ("transfers", 0, {"nip": "199007252015032002"}, "T1"),
        ("units", 2, {"name": "Dinas Pendidikan II"}, "U3"),
    ],
)
def test_duplicate_key_keeps_the_first_row(
    tmp_path: Path, table: str, index: int, changes: dict[str, str], key_value: str
) -> None:
    tables = valid_tables()
    tables[table].append({**tables[table][index], **changes})
    duplicate_row = len(tables[table])

    result = validate(tmp_path, tables)

    found = errors(result, table, "duplicate_key")
    assert list(found["row"]) == [duplicate_row]
    assert list(found["value"]) == [key_value]
    assert list(found["message"]) == [f"duplicates row {index + 1}"]
    assert result.counts.loc[table, "rejected"] == 1
    assert_reconciled(result)


@pytest.mark.parametrize(
    ("table", "index", "column", "value"),
    [
        ("units", 1, "parent_unit_id", "U9"),
        ("positions", 0, "unit_id", "U9"),
        ("employees", 2, "position_id", "P9"),
        ("performance", 4, "nip", "199901012020011009"),
        ("transfers", 1, "from_position_id", "P9"),
        ("transfers", 1, "to_position_id", "P9"),
        ("rank_history", 2, "nip", "199901012020011009"),
        ("preferences", 0, "unit_id", "U9"),
    ],
)
def test_missing_reference_is_rejected(
    tmp_path: Path, table: str, index: int, column: str, value: str
) -> None:
    tables = valid_tables()
    tables[table][index][column] = value

    result = validate(tmp_path, tables)

    found = errors(result, table, "foreign_key")
    assert list(zip(found["row"], found["column"], found["value"], strict=True)) == [
        (index + 1, column, value)
    ]
    assert_reconciled(result)


def test_every_foreign_key_is_checked(tmp_path: Path) -> None:
    """One broken reference per foreign key of the contract, all found."""
    tables = valid_tables()
    for (child, column), _ in FOREIGN_KEYS.items():
        tables[child.value][-1][column] = "missing-key"

    result = validate(tmp_path, tables)

    found = result.issues[result.issues["rule"] == "foreign_key"]
    assert set(zip(found["table"], found["column"], strict=True)) == {
        (child.value, column) for child, column in FOREIGN_KEYS
    }


def test_rejected_unit_cascades_to_positions_employees_and_histories(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["units"][1]["sector"] = "not_a_sector"  # U2 holds P2 and P4

    result = validate(tmp_path, tables)

    cascaded = result.issues[result.issues["rule"] == CASCADE]
    by_table = cascaded.groupby("table")["row"].apply(lambda r: sorted(set(r)))
    assert by_table["positions"] == [2, 4]
    assert by_table["employees"] == [2]  # Sri holds P2
    assert by_table["performance"] == [3]
    assert by_table["transfers"] == [1, 2]  # both moved out of P4
    assert by_table["rank_history"] == [3]
    assert by_table["competency_assessments"] == [2]
    assert by_table["preferences"] == [1, 2]
    assert "units" not in by_table
    assert "education_history" not in by_table
    message = cascaded.loc[cascaded["table"] == "positions", "message"].iloc[0]
    assert message == "references rejected units row 2 (unit_id=U2)"
    employee = cascaded[cascaded["table"] == "employees"].iloc[0]
    assert employee["message"] == "references rejected positions row 2 (position_id=P2)"
    assert result.counts.loc["employees", "cascaded"] == 1
    assert result.counts.loc["units", "cascaded"] == 0
    assert_reconciled(result)


def test_cascade_follows_unit_hierarchy_to_a_fixed_point(tmp_path: Path) -> None:
    """Rejecting the root unit rejects its child units, then all their dependants."""
    tables = valid_tables()
    tables["units"][0]["region_code"] = "75"

    result = validate(tmp_path, tables)

    counts = result.counts
    dependent = [t.value for t in Table if t != Table.FREEZE_PERIODS]
    assert (counts.loc[dependent, "accepted"] == 0).all()
    assert counts.loc["units", "cascaded"] == 2
    assert counts.loc["freeze_periods", "accepted"] == 1
    assert_reconciled(result)


def test_accepted_rows_never_reference_rejected_rows(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["positions"][2]["abk_need"] = "-3"  # P3 holds two employees
    tables["employees"][0]["birth_date"] = "1985-13-12"

    result = validate(tmp_path, tables)

    dataset = result.dataset
    for (child, column), (parent, parent_column) in FOREIGN_KEYS.items():
        frame, parents = dataset.table(child), dataset.table(parent)
        assert frame is not None
        assert parents is not None
        values = frame[column].dropna()
        assert values.isin(parents[parent_column]).all(), (child, column)
    assert_reconciled(result)
