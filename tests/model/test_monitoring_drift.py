"""Drift, directional: a snapshot with an education mix changed, a sector renamed and ratings
inflated names exactly those shifts; the same snapshot unshifted raises none and keeps the
model. Both are monitored against the champion's reference profile from its bundle."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitoring.monitor import MonitorRun, run_monitor
from serving.audit import AuditStore
from tests.serving_fixtures import Champion
from training.bundle import load_bundle

SHIFTED_ATTRIBUTES = {"education_level", "sector", "rating_latest_year"}
# Features the sector reaches: the degree's fit to the target (and current) unit's sector.
FIT_FEATURES = ("field_sector_fit", "current_field_sector_fit")


def _shift(source: Path, out: Path) -> Path:
    """A copy with 60% of S1 graduates now S2, the agriculture units renamed to the fisheries
    sector, and most baik ratings of the latest year made sangat_baik."""
    shutil.copytree(source, out)
    rng = np.random.default_rng(0)
    employees = pd.read_csv(out / "employees.csv", dtype=str, keep_default_na=False)
    s1 = employees.index[employees["education_level"] == "S1"]
    employees.loc[rng.choice(s1, int(0.6 * len(s1)), replace=False), "education_level"] = "S2"
    employees.to_csv(out / "employees.csv", index=False)
    units = pd.read_csv(out / "units.csv", dtype=str, keep_default_na=False)
    renamed = units["sector"].isin(["pertanian", "pendidikan"])
    assert renamed.any()
    units.loc[renamed, "sector"] = "kelautan_perikanan"
    units.to_csv(out / "units.csv", index=False)
    performance = pd.read_csv(out / "performance.csv", dtype=str, keep_default_na=False)
    latest = performance["year"] == performance["year"].max()
    good = performance.index[latest & (performance["rating"] == "baik")]
    performance.loc[rng.choice(good, int(0.7 * len(good)), replace=False), "rating"] = "sangat_baik"
    performance.to_csv(out / "performance.csv", index=False)
    return out


def _monitor(champion: Champion, data_dir: Path, tmp: Path) -> MonitorRun:
    settings = champion.settings()
    profile = load_bundle(f"models:/{settings.model_name}/{champion.model_version}", settings)
    assert profile.reference_profile is not None
    since = date.fromisoformat(profile.reference_profile.period["from"])
    audit = AuditStore(f"sqlite:///{tmp / 'empty_audit.db'}")
    return run_monitor(
        data_dir,
        settings,
        model_uri=f"models:/{settings.model_name}/{champion.model_version}",
        since=since,
        audit=audit,
    )


@pytest.fixture(scope="module")
def runs(
    champion: Champion, tmp_path_factory: pytest.TempPathFactory
) -> tuple[MonitorRun, MonitorRun]:
    tmp = tmp_path_factory.mktemp("drift")
    plain = _monitor(champion, champion.province, tmp)
    shifted = _monitor(champion, _shift(champion.province, tmp / "shifted"), tmp)
    return plain, shifted


def test_an_unshifted_snapshot_raises_no_drift_and_keeps_the_model(
    runs: tuple[MonitorRun, MonitorRun],
) -> None:
    plain, _ = runs
    drift = plain.report.drift
    assert drift.available
    assert drift.shifted == []
    assert plain.report.recommendation.action == "keep"
    attributes = [c for c in drift.columns if c.kind == "attribute"]
    assert {c.name for c in attributes} >= SHIFTED_ATTRIBUTES
    assert all(c.psi is not None and c.psi < 0.01 for c in attributes)


def _psi(run: MonitorRun, name: str) -> float:
    column = next(c for c in run.report.drift.columns if c.name == name)
    assert column.psi is not None
    return column.psi


def test_the_renamed_sector_moves_the_fit_features(runs: tuple[MonitorRun, MonitorRun]) -> None:
    plain, shifted = runs
    for name in FIT_FEATURES:
        assert _psi(shifted, name) > _psi(plain, name) + 0.05, name


def test_a_shifted_snapshot_names_the_shifted_columns(runs: tuple[MonitorRun, MonitorRun]) -> None:
    _, shifted = runs
    drift = shifted.report.drift
    named = set(drift.shifted)
    assert named >= SHIFTED_ATTRIBUTES
    attributes = {c.name for c in drift.columns if c.kind == "attribute" and c.shifted}
    assert attributes == SHIFTED_ATTRIBUTES  # gender, golongan, age band ... did not move
    # The renamed sector reaches the model: the fit of degree to target sector moves.
    # The inflated ratings reach the outcomes of the moves of their year: label drift.
    assert "rating" in named
    assert named - SHIFTED_ATTRIBUTES - {"rating"} <= set(FIT_FEATURES)
    verdict = shifted.report.recommendation
    assert verdict.action == "retrain"
    codes = {e.code for e in verdict.evidence}
    assert {"drift_attribute", "drift_label"} <= codes
    text = " ".join(e.text_en for e in verdict.evidence)
    assert all(name in text for name in SHIFTED_ATTRIBUTES)
    sector = next(c for c in drift.columns if c.name == "sector")
    assert any(b.label == "kelautan_perikanan" and b.current > b.reference for b in sector.bins)


def test_the_cli_exits_3_on_retrain_with_strict(
    champion: Champion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from mutasi.cli import app
    from mutasi.settings import get_settings

    monkeypatch.setenv("MUTASI_AUDIT_DB_URL", f"sqlite:///{tmp_path / 'audit.db'}")
    monkeypatch.setenv("MUTASI_MONITOR_DIR", str(tmp_path / "runs"))
    get_settings.cache_clear()
    shifted = _shift(champion.province, tmp_path / "shifted")
    args = ["monitor", str(shifted), "--since", "2022-01-01", "--no-mlflow", "--strict",
            "--model-uri", f"models:/mutasi-fit/{champion.model_version}"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    get_settings.cache_clear()
    assert result.exit_code == 3, result.output
    assert "Recommendation: retrain" in result.output
    assert (tmp_path / "runs" / "latest.json").is_file()


def test_the_cli_names_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mutasi.cli import app
    from mutasi.settings import get_settings

    monkeypatch.setenv("MUTASI_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("MUTASI_MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    try:
        bad_date = CliRunner().invoke(app, ["monitor", str(tmp_path), "--since", "1/1/2026"])
        no_model = CliRunner().invoke(app, ["monitor", str(tmp_path), "--no-mlflow"])
    finally:
        get_settings.cache_clear()
    assert bad_date.exit_code == 1
    assert "--since" in bad_date.output
    assert no_model.exit_code == 1
    assert "error:" in no_model.output
