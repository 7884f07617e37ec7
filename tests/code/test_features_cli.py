"""``mutasi features``: candidates' features with meanings, and eligibility results."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from features.inspect_cli import features_command
from tests.factories import E1, E2, E4, E6, make_dataset, write_dataset

app = typer.Typer()
app.command()(features_command)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(make_dataset(), tmp_path_factory.mktemp("factory"))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "160"})
    return result.exit_code, result.output


def test_top_candidates_with_meanings_and_rules(data_dir: Path) -> None:
    code, out = run(str(data_dir), "--position", "P1", "--as-of", "2024-06-01", "--top", "3")
    assert code == 0, out
    assert "Kepala Bidang Pelayanan Kesehatan" in out
    assert "as of 2024-06-01" in out
    assert "field_sector_fit" in out
    assert "How well the degree field fits" in out
    assert "years_to_retirement" in out
    assert "Eligibility (rule set" in out
    assert "freeze_period" in out
    assert "#3" in out
    assert "#4" not in out
    assert E1 not in out  # she holds P1: never her own candidate


def test_given_nips_in_order_and_indonesian(data_dir: Path) -> None:
    code, out = run(
        str(data_dir), "--position", "P4", "--as-of", "2025-01-15",
        "--nip", E2, "--nip", E6, "--nip", E4, "--lang", "id",
    )  # fmt: skip
    assert code == 0, out
    assert out.index(E2) < out.index(E6) < out.index(E4)
    assert "Kesesuaian bidang pendidikan" in out
    assert "same_position" in out  # E2 already holds P4


def test_default_date_is_after_the_export(data_dir: Path) -> None:
    code, out = run(str(data_dir), "--position", "P2")
    assert code == 0, out
    assert "as of 2026-01-01" in out


def test_degraded_features_are_named(tmp_path: Path) -> None:
    data = write_dataset(make_dataset(preferences=None), tmp_path / "data")
    code, out = run(str(data), "--position", "P3")
    assert code == 0, out
    assert "degraded:" in out
    assert "preferences" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--position", "P9"], "position_id"),
        (["--position", "P1", "--nip", "123"], "123"),
        (["--position", "P7"], "inactive"),
        (["--position", "P1", "--lang", "fr"], "--lang"),
        (["--position", "P1", "--as-of", "1990-01-01"], "no candidates"),
    ],
)
def test_bad_input_is_one_clear_line(data_dir: Path, args: list[str], message: str) -> None:
    code, out = run(str(data_dir), *args)
    assert code == 2
    assert "error:" in out
    assert message in out
    assert "Traceback" not in out


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "nothing"), "--position", "P1")
    assert code == 2
    assert "error:" in out
    assert "Traceback" not in out
