"""The files of a monitoring run, in ``<monitor_dir>/<report_id>/``:

- ``report.json`` (the :class:`~serving.schemas.monitoring.MonitoringReport` the API serves),
  ``report.md`` (the same for people), ``mentoring.json`` (the list the API serves);
- ``mentoring.csv`` and ``mentoring.xlsx`` (daftar pendampingan for the BKPSDM: one sheet with
  a row per person, one with a row per gap and its training, one with the reasons, one legend);
- ``moves.csv`` (every move of the window with its category, basis, predictions and outcome),
  ``not_moved.csv`` (proposals no move followed, with why), ``drift.csv``;
- ``calibration.png`` and ``drift.png``.

``<monitor_dir>/latest.json`` names the newest run; the service reads it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from monitoring.charts import calibration_chart, drift_chart
from monitoring.monitor import MonitorRun
from monitoring.report_text import report_markdown
from serving.domain.monitor_runs import ENTRY_COLUMNS, LATEST, entry_rows
from serving.schemas.monitoring import Gap, MentoringList, MentoringReason

_DROP = ("shap_values", "features")


def mentoring_tables(listing: MentoringList) -> dict[str, pd.DataFrame]:
    """The list as sheets: people, gaps, reasons (one row each), for CSV and Excel."""
    gaps = [
        {"nip": e.nip, "position_id": e.position_id, **g.model_dump()}
        for e in listing.entries
        for g in e.gaps
    ]
    reasons = [{"nip": e.nip, **r.model_dump()} for e in listing.entries for r in e.reasons]
    return {
        "daftar_pendampingan": pd.DataFrame(
            entry_rows(listing.entries), columns=list(ENTRY_COLUMNS)
        ),
        "kesenjangan": pd.DataFrame(gaps).reindex(
            columns=["nip", "position_id", *Gap.model_fields]
        ),
        "alasan": pd.DataFrame(reasons).reindex(columns=["nip", *MentoringReason.model_fields]),
    }


def _legend(run: MonitorRun) -> pd.DataFrame:
    summary = run.report.mentoring
    rows = [
        ("report_id", run.report.report_id),
        ("snapshot_id", run.report.snapshot_id),
        ("model", f"{run.report.model.name} v{run.report.model.version}"),
        ("realised_low", "predikat tahun pertama butuh_perbaikan atau lebih rendah"),
        (
            "below_interval",
            f"predikat lebih dari {summary.far_below} poin di bawah batas bawah interval",
        ),
        (
            "early_gap",
            f"belum ada SKP; alasan kesenjangan menurunkan prediksi >= {summary.early_gap_shap}",
        ),
    ]
    return pd.DataFrame(rows, columns=["field", "meaning"])


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in _DROP if c in frame.columns])


def write_run(run: MonitorRun, root: Path) -> Path:
    """Write every file of the run under ``root/<report_id>/`` and point ``latest.json`` at it."""
    out = root / run.report.report_id
    out.mkdir(parents=True, exist_ok=True)
    tables = mentoring_tables(run.mentoring)
    tables["daftar_pendampingan"].to_csv(out / "mentoring.csv", index=False)
    with pd.ExcelWriter(out / "mentoring.xlsx", engine="openpyxl") as book:
        for name, frame in tables.items():
            frame.to_excel(book, sheet_name=name, index=False)
        _legend(run).to_excel(book, sheet_name="keterangan", index=False)
    _plain(run.moves).to_csv(out / "moves.csv", index=False)
    _plain(run.join.not_moved).to_csv(out / "not_moved.csv", index=False)
    drift = pd.DataFrame(
        [c.model_dump(exclude={"bins"}) for c in run.report.drift.columns],
        columns=[
            "name",
            "kind",
            "n_reference",
            "n_current",
            "psi",
            "p_value",
            "judged",
            "shifted",
            "importance",
            "used",
        ],
    )
    drift.to_csv(out / "drift.csv", index=False)
    calibration_chart(run.report.evaluation.calibration, out / "calibration.png")
    drift_chart(run.report.drift, out / "drift.png")
    files = [
        "report.json",
        "report.md",
        "mentoring.json",
        "mentoring.csv",
        "mentoring.xlsx",
        "moves.csv",
        "not_moved.csv",
        "drift.csv",
        "calibration.png",
        "drift.png",
    ]
    run.report.files = {name: str(out / name) for name in files}
    (out / "mentoring.json").write_text(run.mentoring.model_dump_json(indent=1), encoding="utf-8")
    (out / "report.md").write_text(report_markdown(run.report), encoding="utf-8")
    (out / "report.json").write_text(run.report.model_dump_json(indent=1), encoding="utf-8")
    point_latest(root, run.report.report_id)
    return out


def point_latest(root: Path, report_id: str) -> None:
    """Atomically make ``report_id`` the run the service reads."""
    tmp = root / f".{LATEST}.tmp"
    tmp.write_text(json.dumps({"report_id": report_id}), encoding="utf-8")
    os.replace(tmp, root / LATEST)
