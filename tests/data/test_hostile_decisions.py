"""What the loader and validator decide for each kind of hostile file (docs/validation.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from features.contract import Table
from features.data import UnusableInputError, read_raw_tables
from features.validation import ValidationResult, validate_tables
from mutasi.cli import app
from mutasi.settings import get_settings
from tests.data.hostile import HUGE_CELL, to_csv
from tests.data.minimal_dataset import set_cell, valid_tables, write_dataset

Edit = Callable[[bytes], bytes]


def validated(data: Path) -> ValidationResult:
    return validate_tables(read_raw_tables(data))


def rewrite(path: Path, edit: Edit) -> Path:
    path.write_bytes(edit(path.read_bytes()))
    return path


def issues_of(result: ValidationResult, table: str) -> pd.DataFrame:
    issues = result.issues
    return issues[(issues["table"] == table) & (issues["severity"] == "error")]


def unusable(data: Path, message: str) -> None:
    with pytest.raises(UnusableInputError, match=re.escape(message)):
        read_raw_tables(data)


# --- encodings and dialects ---------------------------------------------------------------


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    for path in data.glob("*.csv"):
        rewrite(path, lambda b: b"\xef\xbb\xbf" + b)

    result = validated(data)

    assert result.n_rejected == 0
    clean = validated(write_dataset(tmp_path / "clean"))
    pd.testing.assert_frame_equal(result.dataset.employees, clean.dataset.employees)


@pytest.mark.parametrize(("delimiter", "label"), [(";", "semicolon"), ("\t", "tab")])
def test_other_delimiters_are_unusable_with_a_hint(
    tmp_path: Path, delimiter: str, label: str
) -> None:
    data = write_dataset(tmp_path)
    rows = [list(valid_tables()["units"][0])] + [list(r.values()) for r in valid_tables()["units"]]
    (data / "units.csv").write_bytes(to_csv(rows, delimiter=delimiter))

    unusable(data, f"units.csv: the file looks {label}-separated; the contract wants commas")


def test_windows_1252_names_the_byte_line_and_encoding(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    path = data / "employees.csv"
    text = path.read_text(encoding="utf-8").replace("Sri", "\u201cSri\u201d")
    path.write_bytes(text.encode("cp1252"))
    offset = text.encode("cp1252").index(b"\x93")

    unusable(
        data,
        f"employees.csv: not UTF-8 text: invalid start byte: byte 0x93 at byte {offset} (line 3); "
        "it looks like Windows-1252/Latin-1 text, save it as CSV UTF-8",
    )


@pytest.mark.parametrize(
    ("encoding", "message"),
    [("utf-16", "UTF-16 byte order mark"), ("utf-16-le", "NUL byte at byte 1 (line 1)")],
)
def test_utf16_is_unusable(tmp_path: Path, encoding: str, message: str) -> None:
    data = write_dataset(tmp_path)
    rewrite(data / "units.csv", lambda b: b.decode().encode(encoding))

    unusable(data, message)


def test_nul_byte_is_unusable(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    rewrite(data / "units.csv", lambda b: b.replace(b"Dinas Kesehatan", b"Dinas\0Kesehatan"))

    unusable(data, "units.csv: NUL byte at byte")


def test_binary_text_is_named_as_such(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    rewrite(data / "units.csv", lambda b: b + b"\x81\x8d\x8f\x90\x9d")

    unusable(data, "not text in a common encoding either (a binary file?)")


@pytest.mark.parametrize("ending", [b"\n", b"\r"])
def test_line_endings_do_not_matter(tmp_path: Path, ending: bytes) -> None:
    data = write_dataset(tmp_path)
    for path in data.glob("*.csv"):
        rewrite(path, lambda b: b.replace(b"\r\n", ending))

    result = validated(data)

    assert result.n_rejected == 0
    assert result.counts["read"].sum() == sum(len(rows) for rows in valid_tables().values())


def test_quoted_newlines_and_commas_are_part_of_the_value(tmp_path: Path) -> None:
    tables = set_cell(valid_tables(), "units", 0, "name", "Sekretariat\r\nDaerah, Provinsi")

    result = validated(write_dataset(tmp_path, tables))

    assert result.n_rejected == 0
    assert result.dataset.units["name"].iloc[0] == "Sekretariat\r\nDaerah, Provinsi"


# --- sizes, shapes and repeats -------------------------------------------------------------


@pytest.mark.parametrize("column", ["name", "unit_id", "sector"])
def test_huge_cell_is_one_too_long_error(tmp_path: Path, column: str) -> None:
    data = write_dataset(tmp_path, set_cell(valid_tables(), "units", 2, column, HUGE_CELL))

    result = validated(data)

    own = issues_of(result, "units")
    own = own[own["row"] == 3]
    assert own[["column", "rule"]].values.tolist() == [[column, "too_long"]]
    assert own["value"].iloc[0] == "x" * 60 + "… (1000000 characters)"
    assert result.counts.loc["units", "rejected"] == 1
    assert result.rejected[Table.UNITS]["_row"].tolist() == [3]


def test_cell_length_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_dataset(tmp_path)

    assert validated(data).n_rejected == 0
    assert validate_tables(read_raw_tables(data), max_cell_length=16).n_rejected > 0
    # The setting reaches validation through the entry points (validation itself reads none).
    monkeypatch.setenv("MUTASI_MAX_CELL_LENGTH", "16")
    get_settings.cache_clear()
    try:
        CliRunner().invoke(app, ["validate", str(data), "--out", str(tmp_path / "report")])
    finally:
        get_settings.cache_clear()
    issues = pd.read_csv(tmp_path / "report" / "report.csv", dtype=str)
    names = issues[(issues["table"] == "units") & (issues["severity"] == "error")]
    # "Sekretariat Daerah" (18) and "Dinas Pendidikan" (16): only the first is too long.
    assert names[names["rule"] == "too_long"]["row"].tolist() == ["1"]


def test_repeated_rows_are_rejected_as_duplicate_keys(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["employees"] = tables["employees"] * 10

    result = validated(write_dataset(tmp_path, tables))

    assert result.counts.loc["employees", ["read", "accepted", "rejected"]].tolist() == [40, 4, 36]
    assert set(issues_of(result, "employees")["rule"]) == {"duplicate_key"}


def test_repeated_rows_of_a_table_without_key_are_rejected(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["preferences"] = tables["preferences"] + tables["preferences"][:1]

    result = validated(write_dataset(tmp_path, tables))

    issues = issues_of(result, "preferences")
    assert issues[["row", "rule", "message"]].values.tolist() == [
        [3, "duplicate_row", "repeats row 1 exactly"]
    ]


def test_extra_fields_reject_the_row_and_trailing_empty_fields_do_not(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    lines = (data / "units.csv").read_bytes().split(b"\r\n")
    lines[1] += b",,"  # trailing empty fields: harmless
    lines[2] += b",Gorontalo"  # a value beyond the header: which field is which?
    (data / "units.csv").write_bytes(b"\r\n".join(lines))

    result = validated(data)

    issue = issues_of(result, "units").iloc[0]
    assert (issue["row"], issue["rule"], issue["value"]) == (2, "extra_fields", "Gorontalo")
    assert pd.isna(issue["column"])
    assert result.counts.loc["units", ["read", "rejected"]].tolist() == [3, 1]
    rejected = result.rejected[Table.UNITS]
    assert rejected["_reasons"].iloc[0].startswith("extra_fields (more fields than the header")


def test_header_only_employees_reject_their_dependants_without_crashing(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    rewrite(data / "employees.csv", lambda b: b.split(b"\r\n")[0] + b"\r\n")

    result = validated(data)

    assert result.counts.loc["employees", "read"] == 0
    assert "empty_table" in set(result.issues["rule"])
    assert result.counts.loc["performance", "accepted"] == 0
    assert set(issues_of(result, "performance")["rule"]) == {"foreign_key"}
    assert result.emptied_tables == [Table.PERFORMANCE, Table.TRANSFERS]
    output = CliRunner().invoke(app, ["validate", str(data)], env={"COLUMNS": "200"}).output
    assert "every row of performance, transfers was rejected" in output


@pytest.mark.parametrize(
    ("table", "column", "value", "rule"),
    [
        ("positions", "abk_need", "3.0", "int_format"),
        ("positions", "abk_need", "tiga", "int_format"),
        ("performance", "year", "\uff12\uff10\uff12\uff13", "int_format"),  # full-width digits
        ("performance", "score", "baik", "float_format"),
        ("employees", "gender", "1", "code"),
        ("employees", "birth_date", "\u0661\u0669\u0668\u0665-03-12", "date_format"),
        ("units", "region_code", "\uff17\uff15\uff17\uff11", "region_code_format"),
    ],
)
def test_mixed_types_reject_the_row(
    tmp_path: Path, table: str, column: str, value: str, rule: str
) -> None:
    result = validated(write_dataset(tmp_path, set_cell(valid_tables(), table, 0, column, value)))

    issues = issues_of(result, table)
    assert issues[issues["row"] == 1][["column", "rule"]].values.tolist() == [[column, rule]]


# --- headers, files and formats --------------------------------------------------------------


def test_shuffled_header_is_accepted(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["employees"] = [dict(reversed(list(row.items()))) for row in tables["employees"]]

    assert validated(write_dataset(tmp_path, tables)).n_rejected == 0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda b: b.replace(b"name,", b"unit_id,", 1),
            "table units is missing required column(s): name",
        ),
        (
            lambda b: b.replace(b"name,", b"name, unit_id ,", 1),
            "table units has column(s) unit_id more than once",
        ),
        (lambda b: b"\r\n" + b, "the first line is blank; it must be the header row"),
        (lambda b: b"\xef\xbb\xbf", "empty file (no header row)"),
        (lambda b: b"", "empty file (no header row)"),
        (lambda b: b'"unit_id,name\r\nU1,x\r\n', "malformed CSV"),
    ],
)
def test_unreadable_headers_are_unusable(tmp_path: Path, edit: Edit, message: str) -> None:
    data = write_dataset(tmp_path)
    rewrite(data / "units.csv", edit)

    unusable(data, f"units.csv: {message}")


def test_directory_instead_of_a_file_is_unusable(tmp_path: Path) -> None:
    data = write_dataset(tmp_path)
    (data / "units.csv").unlink()
    (data / "units.csv").mkdir()

    unusable(data, "units.csv: not a file (a directory?)")


def test_parquet_named_csv_and_csv_named_parquet(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "a")
    pd.read_csv(data / "units.csv", dtype=str).to_parquet(tmp_path / "units.parquet")
    (data / "units.csv").write_bytes((tmp_path / "units.parquet").read_bytes())
    unusable(data, "units.csv: not UTF-8 text: this is a Parquet file; name it units.parquet")

    data = write_dataset(tmp_path / "b")
    (data / "units.csv").rename(data / "units.parquet")
    unusable(data, "it is text, a CSV? name it units.csv")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            pa.table({"unit_id": ["U1"], "name": ["a"]}).append_column("unit_id", pa.array(["U2"])),
            "column 'unit_id' appears more than once",
        ),
        (
            pa.table({"unit_id": pa.array([b"\xff"], pa.binary())}),
            "column 'unit_id' cannot be read as text",
        ),
        (
            pa.table({"unit_id": pa.array([["U1"]], pa.list_(pa.string()))}),
            "column 'unit_id' cannot be read as text",
        ),
    ],
)
def test_hostile_parquet_is_unusable(tmp_path: Path, table: pa.Table, message: str) -> None:
    data = write_dataset(tmp_path)
    (data / "units.csv").unlink()
    pq.write_table(table, data / "units.parquet")

    unusable(data, f"units.parquet: {message}")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('{"exported_at": "NaT"}', "exported_at 'NaT' is not a date"),
        ('{"exported_at": "9999-12-31"}', "exported_at '9999-12-31' is not a date"),
        ("[" * 100_000, "manifest.json: not valid JSON"),
    ],
)
def test_hostile_manifest_is_unusable(tmp_path: Path, manifest: str, message: str) -> None:
    data = write_dataset(tmp_path)
    (data / "manifest.json").write_text(manifest)

    unusable(data, message)


def test_validate_report_stays_small_with_a_huge_cell(tmp_path: Path) -> None:
    data = write_dataset(tmp_path, set_cell(valid_tables(), "units", 0, "name", HUGE_CELL))

    result = CliRunner().invoke(app, ["validate", str(data)], env={"COLUMNS": "200"})

    assert result.exit_code == 1
    assert "too_long" in result.output
    assert len(result.output) < 20_000
    assert (data / "_validation" / "report.csv").stat().st_size < 20_000
    assert json.loads((data / "_validation" / "report.json").read_text())["ok"] is False
