"""Cross-column and cross-table row rules: NIP structure, golongan schemes, date order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.contract import Table
from features.data import read_raw_tables
from features.validation import ERROR, WARNING, ValidationResult, validate_tables
from tests.data.minimal_dataset import Tables, valid_tables, write_dataset


def validate(tmp_path: Path, tables: Tables) -> ValidationResult:
    return validate_tables(read_raw_tables(write_dataset(tmp_path, tables)))


def row_issues(result: ValidationResult, table: str, row: int) -> set[tuple[str, str, str]]:
    """(column, rule, severity) of a row, cascades excluded."""
    issues = result.issues
    mine = issues[(issues["table"] == table) & (issues["row"] == row)]
    mine = mine[mine["rule"] != "cascade"]
    return set(zip(mine["column"], mine["rule"], mine["severity"], strict=True))


def test_valid_dataset_has_no_errors_or_warnings(tmp_path: Path) -> None:
    result = validate(tmp_path, valid_tables())

    assert set(result.issues["severity"]) <= {"info"}
    assert result.n_rejected == 0
    assert (result.counts["accepted"] == result.counts["read"]).all()


# (table, 0-based index, {column: value}, expected (column, rule))
ERROR_CASES = [
    ("employees", 0, {"birth_date": "1985-03-13"}, ("birth_date", "nip_birth_date")),
    ("employees", 0, {"tmt_cpns": "2010-02-01"}, ("tmt_cpns", "nip_tmt_cpns")),
    ("employees", 0, {"gender": "P"}, ("gender", "nip_gender")),
    ("employees", 0, {"golongan": "IX"}, ("golongan", "golongan_scheme")),
    ("employees", 2, {"golongan": "III/a"}, ("golongan", "golongan_scheme")),  # PPPK
    ("positions", 0, {"min_golongan": "IX"}, ("min_golongan", "min_golongan_scheme")),
    ("employees", 2, {"birth_date": "2023-01-01"}, ("birth_date", "birth_after_tmt_cpns")),
    (
        "employees", 2, {"position_start_date": "2022-03-31"},
        ("position_start_date", "position_start_before_tmt_cpns"),
    ),
    (
        "employees", 2, {"position_start_date": "2025-02-01"},
        ("position_start_date", "position_start_after_export"),
    ),
    ("transfers", 0, {"effective_date": "2009-12-31"}, ("effective_date", "before_tmt_cpns")),
    ("transfers", 0, {"to_position_id": "P4"}, ("to_position_id", "same_position")),
    ("rank_history", 0, {"tmt": "2009-01-01"}, ("tmt", "before_tmt_cpns")),
    ("freeze_periods", 0, {"end_date": "2024-05-26"}, ("end_date", "end_before_start")),
    # issue 15: a unit of Kota Gorontalo (7571) employed by another kab/kota, a 3-digit code
    ("units", 0, {"instansi_code": "7502"}, ("instansi_code", "instansi_outside_region")),
    ("units", 0, {"instansi_code": "751"}, ("instansi_code", "instansi_code_format")),
]  # fmt: skip


@pytest.mark.parametrize(("table", "index", "changes", "expected"), ERROR_CASES)
def test_row_rule_rejects_failing_example(
    tmp_path: Path, table: str, index: int, changes: dict[str, str], expected: tuple[str, str]
) -> None:
    tables = valid_tables()
    tables[table][index].update(changes)

    result = validate(tmp_path, tables)

    assert row_issues(result, table, index + 1) == {(*expected, ERROR)}
    assert index + 1 in set(result.rejected[Table(table)]["_row"])


def test_pppk_nip_carries_no_structure(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["employees"][2].update(nip="111111111111111111")
    for table in ("performance",):
        for row in tables[table]:
            if row["nip"] == "202204000000000123":
                row["nip"] = "111111111111111111"

    result = validate(tmp_path, tables)

    assert result.n_rejected == 0, result.issues


def test_nip_rules_skip_a_malformed_nip(tmp_path: Path) -> None:
    """A NIP that is not 18 digits gets one nip_format error, not three structure errors."""
    tables = valid_tables()
    tables["employees"][0].update(nip="19850312201001100X")

    result = validate(tmp_path, tables)

    assert row_issues(result, "employees", 1) == {("nip", "nip_format", ERROR)}


def test_discipline_until_without_sanction_only_warns(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["employees"][0].update(discipline_until="2025-06-30")

    result = validate(tmp_path, tables)

    assert row_issues(result, "employees", 1) == {
        ("discipline_until", "discipline_until_without_sanction", WARNING)
    }
    assert result.n_rejected == 0
    assert result.counts.loc["employees", "warnings"] == 1


def test_as_of_sets_the_export_date(tmp_path: Path) -> None:
    """``as_of`` overrides the manifest: later position starts and later rating years fail."""
    raw = read_raw_tables(write_dataset(tmp_path, valid_tables()))

    result = validate_tables(raw, as_of=pd.Timestamp("2022-03-31"))

    assert row_issues(result, "employees", 3) == {
        ("position_start_date", "position_start_after_export", ERROR)
    }
    assert row_issues(result, "performance", 2) == {("year", "range", ERROR)}  # a 2023 rating
    assert row_issues(result, "performance", 1) == set()  # 2022
    assert result.dataset.export_date == pd.Timestamp("2022-03-31")
    assert result.export_date_source == "as_of"


def test_instansi_code_of_the_province_or_the_kabkota_is_accepted(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["units"][0]["instansi_code"] = "75"  # the provincial government, in Kota Gorontalo
    tables["units"][1]["instansi_code"] = "7571"  # Pemerintah Kota Gorontalo
    tables["units"][2]["instansi_code"] = ""  # not given: allowed (optional)
    result = validate(tmp_path, tables)
    assert result.n_rejected == 0
    assert result.dataset.units["instansi_code"].tolist()[:2] == ["75", "7571"]
