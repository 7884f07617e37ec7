"""The corruption helper injects every fault kind it reports, where it reports it; the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from features.contract import RATINGS, SECTORS, Table
from features.synth.corrupt import FAULTS, corrupt_dataset, read_dataset
from mutasi.cli import app


@pytest.fixture(scope="module")
def corrupted(
    small_province: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("corrupted")
    return out, corrupt_dataset(small_province, out, rate=0.01, seed=3)


def cells(frames: dict[Table, pd.DataFrame], report: pd.DataFrame, fault: str) -> list[str]:
    hits = report[report["fault"] == fault]
    table = Table(hits["table"].iloc[0])
    return [
        frames[table].at[int(r) - 1, c] for r, c in zip(hits["row"], hits["column"], strict=True)
    ]


def test_every_fault_kind_is_injected_at_about_the_rate(
    corrupted: tuple[Path, pd.DataFrame], small_province: Path
) -> None:
    out, report = corrupted
    assert set(report["fault"]) == set(FAULTS)
    clean, _ = read_dataset(small_province)
    rows = sum(len(clean[t]) for t in {t for t, _ in FAULTS.values()})
    assert 0.5 * 0.01 * rows <= len(report) <= 1.5 * 0.01 * rows
    assert not report.duplicated(["table", "row"]).any()
    saved = pd.read_csv(out / "_oracle" / "corruptions.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(saved, report, check_dtype=False)


def test_faults_are_where_the_report_says(
    corrupted: tuple[Path, pd.DataFrame], small_province: Path
) -> None:
    out, report = corrupted
    frames, _ = read_dataset(out)
    clean, _ = read_dataset(small_province)
    emp = frames[Table.EMPLOYEES]
    assert all(len(v) != 18 for v in cells(frames, report, "nip_length"))
    assert all(not v.isdigit() for v in cells(frames, report, "nip_non_digit"))
    for row in report.loc[report["fault"] == "nip_birth_mismatch", "row"] - 1:
        assert emp.at[row, "nip"][:8] != emp.at[row, "birth_date"].replace("-", "")
    positions = set(clean[Table.POSITIONS]["position_id"])
    assert not positions & set(cells(frames, report, "dangling_position_id"))
    assert not positions & set(cells(frames, report, "dangling_to_position_id"))
    assert not set(clean[Table.UNITS]["unit_id"]) & set(cells(frames, report, "dangling_unit_id"))
    for row in report.loc[report["fault"] == "start_before_tmt", "row"] - 1:
        assert emp.at[row, "position_start_date"] < emp.at[row, "tmt_cpns"]
    for value in cells(frames, report, "impossible_date"):
        assert pd.isna(pd.to_datetime(value, errors="coerce"))
    assert not set(cells(frames, report, "unknown_code")) & set(RATINGS)
    assert not set(cells(frames, report, "unknown_sector")) & set(SECTORS)
    assert set(cells(frames, report, "empty_required")) == {""}
    assert set(cells(frames, report, "empty_title")) == {""}
    perf = frames[Table.PERFORMANCE]
    assert len(perf) == len(clean[Table.PERFORMANCE]) + (report["fault"] == "duplicate_row").sum()
    assert perf.duplicated().sum() >= 1
    assert frames[Table.TRANSFERS]["transfer_id"].duplicated().any()
    assert (out / "manifest.json").is_file()


def test_parquet_sources_stay_parquet(tmp_path: Path) -> None:
    from features.synth import generate_province

    generate_province(
        preset="gorontalo", seed=1, n_employees=300, out_dir=tmp_path / "src", fmt="parquet"
    )
    report = corrupt_dataset(tmp_path / "src", tmp_path / "bad", rate=0.005, seed=0)
    assert set(report["fault"]) == set(FAULTS)
    assert (tmp_path / "bad" / "employees.parquet").is_file()
    assert not list((tmp_path / "bad").glob("*.csv"))


def test_corruption_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rate"):
        corrupt_dataset(tmp_path, tmp_path / "x", rate=0.9)
    with pytest.raises(FileNotFoundError, match="no contract tables"):
        corrupt_dataset(tmp_path, tmp_path / "x", rate=0.1)


def test_cli_generates_and_corrupts(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--preset",
            "bengkulu",
            "--seed",
            "2",
            "--employees",
            "300",
            "--out",
            str(tmp_path),
            "--corrupt",
            "0.01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "employees" in result.output
    assert "injected" in result.output
    assert (tmp_path / "_oracle" / "corruptions.csv").is_file()
    assert (tmp_path / "employees.csv").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "atlantis"], "unknown preset"),
        (["--end-date", "31-12-2025"], "YYYY-MM-DD"),
        (["--format", "xlsx"], "unknown format"),
    ],
)
def test_cli_reports_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        app, ["generate", "--employees", "300", "--out", str(tmp_path), *args]
    )
    assert result.exit_code == 2
    assert message in result.output
