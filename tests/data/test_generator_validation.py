"""The project's validator accepts every generated row and finds every injected fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from features.contract import Table
from features.data import load_dataset, read_raw_tables
from features.synth import generate_province
from features.synth.corrupt import corrupt_dataset
from features.validation import validate_tables


def test_small_province_loads_without_a_rejected_row(small_province: Path) -> None:
    dataset = load_dataset(small_province, strict=True)
    assert len(dataset.employees) == 600
    assert dataset.missing_optional_tables() == []
    assert str(dataset.export_date.date()) == "2025-12-31"  # type: ignore[union-attr]


@pytest.mark.parametrize("preset", ["binjai", "jambi"])
def test_parquet_provinces_load_without_a_rejected_row(tmp_path: Path, preset: str) -> None:
    generate_province(preset=preset, seed=9, n_employees=300, out_dir=tmp_path, fmt="parquet")
    dataset = load_dataset(tmp_path, strict=True)
    assert len(dataset.table(Table.FREEZE_PERIODS)) > 0  # type: ignore[arg-type]


def test_validation_reports_each_injected_fault_where_it_was_put(
    small_province: Path, tmp_path: Path
) -> None:
    report = corrupt_dataset(small_province, tmp_path, rate=0.01, seed=5)
    result = validate_tables(read_raw_tables(tmp_path))
    issues = result.issues[result.issues["rule"] != "cascade"]
    flagged = set(zip(issues["table"].astype(str), issues["row"].astype(int), strict=True))
    missed = report[
        [(t, r) not in flagged for t, r in zip(report["table"], report["row"], strict=True)]
    ]
    assert missed.empty, missed.to_string()
