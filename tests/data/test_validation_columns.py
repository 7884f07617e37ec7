"""Per-column rules (pandera schemas): each rule rejects a failing example, and only that cell."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from features.contract import COLUMNS, Table
from features.data import read_raw_tables
from features.validation import ERROR, ValidationResult, schema_for, validate_tables
from tests.data.minimal_dataset import set_cell, valid_tables, write_dataset


def validate_with(
    tmp_path: Path, table: str, index: int, column: str, value: str
) -> ValidationResult:
    tables = set_cell(valid_tables(), table, index, column, value)
    return validate_tables(read_raw_tables(write_dataset(tmp_path, tables)))


def own_errors(result: ValidationResult, table: str, row: int) -> set[tuple[str, str]]:
    """(column, rule) of the row's errors, cascades excluded."""
    issues = result.issues
    mine = issues[
        (issues["table"] == table)
        & (issues["row"] == row)
        & (issues["severity"] == ERROR)
        & (issues["rule"] != "cascade")
    ]
    return set(zip(mine["column"], mine["rule"], strict=True))


@pytest.mark.parametrize(
    ("table", "index", "column", "value", "rule"),
    [
        ("units", 0, "name", "", "required"),
        ("employees", 1, "position_id", "  ", "required"),
        ("employees", 0, "birth_date", "1985/03/12", "date_format"),
        ("employees", 0, "birth_date", "1985-02-30", "date_format"),
        ("employees", 0, "birth_date", "1985-3-12", "date_format"),
        ("employees", 0, "tmt_cpns", "2010-01-01T00:00:00", "date_format"),
        ("transfers", 0, "effective_date", "0999-01-01", "date_format"),
        ("positions", 0, "abk_need", "1.0", "int_format"),
        ("positions", 0, "abk_need", "-1", "range"),
        ("positions", 0, "is_active", "yes", "bool_format"),
        ("performance", 0, "score", "baik", "float_format"),
        ("performance", 0, "score", "inf", "float_format"),
        ("performance", 0, "score", "100.5", "range"),
        ("performance", 0, "year", "1989", "range"),
        ("performance", 0, "year", "2026", "range"),  # the manifest exports in 2025
        ("performance", 0, "rating", "Baik", "code"),
        ("units", 0, "sector", "health", "code"),
        ("employees", 1, "golongan", "III/e", "code"),
        ("employees", 1, "status", "pensiun", "code"),
        ("transfers", 0, "kind", "rotasi", "code"),
        ("competency_assessments", 0, "code", "teknis_antariksa", "code"),
        ("units", 0, "region_code", "757", "region_code_format"),
        ("employees", 0, "home_region_code", "75A1", "region_code_format"),
        ("freeze_periods", 0, "region_code", "75710", "region_code_format"),
        ("employees", 2, "nip", "20220400000000012", "nip_format"),
        ("positions", 0, "education_fields", "manajemen;astrologi", "code_list"),
        ("positions", 0, "competency_requirements", "manajerial:6", "competency_list"),
        ("positions", 0, "competency_requirements", "teknis_antariksa:2", "competency_list"),
        ("positions", 0, "competency_requirements", "manajerial", "competency_list"),
        ("competency_assessments", 0, "level", "0", "range"),
        ("preferences", 0, "priority", "4", "range"),
    ],
)
def test_bad_cell_rejects_its_row_with_one_issue(
    tmp_path: Path, table: str, index: int, column: str, value: str, rule: str
) -> None:
    result = validate_with(tmp_path, table, index, column, value)

    assert own_errors(result, table, index + 1) == {(column, rule)}
    rejected = result.rejected[Table(table)]
    assert index + 1 in set(rejected["_row"])
    assert (result.counts["read"] == result.counts["accepted"] + result.counts["rejected"]).all()


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("positions", "is_active", "True"),
        ("positions", "is_active", "0"),
        ("positions", "is_active", "FALSE"),
        ("performance", "score", "1e1"),
        ("performance", "score", "0"),
        ("performance", "year", "1990"),
        ("positions", "education_fields", "manajemen ; hukum;"),
        ("positions", "competency_requirements", " manajerial : 3 ;teknis_umum:5"),
        ("units", "unit_id", "  U1  "),  # surrounding blanks are stripped
        ("positions", "abk_need", "0"),
    ],
)
def test_accepted_variants(tmp_path: Path, table: str, column: str, value: str) -> None:
    result = validate_with(tmp_path, table, 0, column, value)

    assert result.n_rejected == 0, result.issues


@pytest.mark.parametrize(
    ("table", "column"),
    [(t, c.name) for t in Table for c in COLUMNS[t] if c.required],
)
def test_every_required_column_rejects_a_missing_value(table: Table, column: str) -> None:
    raw = pd.DataFrame(
        {c.name: pd.Series([pd.NA], dtype="str") for c in COLUMNS[table]},
        index=pd.RangeIndex(1, 2),
    )
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        schema_for(table, 2025).validate(raw, lazy=True)
    cases = caught.value.failure_cases
    assert column in set(cases.loc[cases["check"] == "not_nullable", "column"])


def test_optional_columns_may_be_empty(tmp_path: Path) -> None:
    tables = valid_tables()
    for table, rows in tables.items():
        for col in COLUMNS[Table(table)]:
            if not col.required:
                rows[0][col.name] = ""
    result = validate_tables(read_raw_tables(write_dataset(tmp_path, tables)))

    assert result.n_rejected == 0, result.issues
