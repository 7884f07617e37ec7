"""A small hand-made monitoring run (report and mentoring list) written where the service
reads it, for the fast API, metrics and page tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from monitoring.files import point_latest
from serving.schemas.monitoring import (
    BinShare,
    DecisionOutcomes,
    Drift,
    DriftColumn,
    Evaluation,
    Evidence,
    Gap,
    GroupMetrics,
    MentoringEntry,
    MentoringList,
    MentoringReason,
    MentoringSummary,
    Metrics,
    ModelRef,
    MonitoringReport,
    NotMovedCounts,
    OverrideComparison,
    Recommendation,
    Reconciliation,
    StatusCounts,
    Truth,
    VersionMetrics,
)

REPORT_ID = "20270115T080000Z-abc123"
NIPS = ("198503122010011002", "199001012015032001")


def _metrics(n: int) -> dict[str, object]:
    return {"n": n, "mae": 0.31, "rmse": 0.42, "bias": -0.02, "spearman": 0.6, "coverage": 0.79,
            "interval_level": 0.8, "brier": 0.05, "share_baik_or_better": 0.9}  # fmt: skip


def _group(n: int, attribute: str, group: str) -> GroupMetrics:
    return GroupMetrics.model_validate(
        {**_metrics(n), "attribute": attribute, "group": group, "small": True}
    )


def sample_report() -> MonitoringReport:
    """A run that recommends retraining because one feature shifted."""
    return MonitoringReport(
        report_id=REPORT_ID,
        created_at=datetime(2027, 1, 15, 8, tzinfo=UTC),
        data_dir="/data/gorontalo-2026",
        snapshot_id="f00dfeed1234567890",
        export_date=date(2026, 12, 31),
        model=ModelRef(name="mutasi-fit", version="3", run_id="run3", uri="champion"),
        interval_level=0.8,
        reconciliation=Reconciliation(
            since=date(2025, 12, 31), until=date(2026, 12, 31), match_days=365, n_answers=7,
            n_items=30, n_decisions=3, n_inline_items=0, n_proposals=6, n_moves=9,
            recommended_and_moved=StatusCounts(total=4, rated=3, unrated=1, superseded=0),
            moved_only=StatusCounts(total=5, rated=5, unrated=0, superseded=0),
            recommended_only=NotMovedCounts(total=2, left_service=1, moved_elsewhere=0,
                                            filled_by_other=1, window_open=0),
            by_basis={"decision": 2, "override": 1, "plan": 1}, moved_only_listed=1,
            consistent=True,
        ),
        evaluation=Evaluation(
            as_answered=[VersionMetrics.model_validate({**_metrics(3), "model_version": "3"})],
            model=Metrics.model_validate(_metrics(8)),
            calibration=[],
            by_sector=[_group(8, "sector", "kesehatan")],
            by_unit=[],
            by_group=[_group(5, "gender", "P")],
            group_gaps=[],
            by_category=[],
            min_group_size=10,
        ),
        overrides=OverrideComparison(
            followed=DecisionOutcomes(n=2, n_rated=2, mean_realised=4.5),
            overridden=DecisionOutcomes(n=1, n_rated=1, mean_realised=3.0),
            model_pick_mean_predicted=4.4,
        ),
        drift=Drift(
            available=True, psi_threshold=0.2, p_value_threshold=0.01, min_rows=30,
            min_importance=0.01, reference_period={"from": "2023-01-01", "to": "2025-06-30"},
            reference_snapshot_id="0ld5nap", shifted=["target_unit_shortage"],
            columns=[
                DriftColumn(name="target_unit_shortage", kind="feature", n_reference=400,
                            n_current=300, psi=0.81, p_value=1e-6, judged=True, shifted=True,
                            importance=0.04, used=True,
                            bins=[BinShare(label="<= 2", reference=0.1, current=0.5)]),
                DriftColumn(name="gender", kind="attribute", n_reference=3000, n_current=3010,
                            psi=0.001, p_value=0.9, judged=True, shifted=False, bins=[]),
            ],
        ),
        recommendation=Recommendation(
            action="retrain",
            evidence=[Evidence(code="drift_feature", text_id="Pergeseran fitur model: x",
                               text_en="Shifted model features: x")],
        ),
        truth=Truth(available=True, n_moves=9, mae_vs_truth=0.2, n_at_risk=2,
                    mentoring_precision=0.5, mentoring_recall=1.0, n_listed=2),
        mentoring=MentoringSummary(n_entries=2, by_flag={"realised_low": 1, "below_interval": 0,
                                   "early_gap": 1}, far_below=0.5, early_gap_shap=0.3),
    )  # fmt: skip


def _entry(nip: str, unit_id: str, flag: str, rated: bool) -> MentoringEntry:
    return MentoringEntry(
        nip=nip, name="Siti Rahma", transfer_id=f"T{nip[-3:]}", effective_date=date(2026, 1, 1),
        position_id="J001", position_title="Analis", unit_id=unit_id, unit_name="Dinas",
        sector="kesehatan", outcome_year=2026, status="rated" if rated else "unrated",
        realised_rating="butuh_perbaikan" if rated else None, realised_value=3.0 if rated else None,
        prediction=4.1, lower=3.6, upper=4.6, p_baik_or_better=0.8, prediction_source="model 3",
        basis="decision", category="recommended_and_moved", flags=[flag],  # type: ignore[list-item]
        reasons=[MentoringReason(feature="field_sector_fit", value=0.0, contribution=-0.4,
                                 reason_id="Kesesuaian: 0 (-0.40)", reason_en="Fit: 0 (-0.40)")],
        gaps=[Gap(kind="competency", code="manajerial", required="3", held="2", gap=1.0,
                  training_id="Pelatihan Kepemimpinan Administrator (PKA)",
                  training_en="Administrator leadership training (PKA)")],
    )  # fmt: skip


def sample_mentoring() -> MentoringList:
    """Two entries in two units, one on its outcome, one early."""
    return MentoringList(
        report_id=REPORT_ID,
        created_at=datetime(2027, 1, 15, 8, tzinfo=UTC),
        snapshot_id="f00dfeed1234567890",
        entries=[
            _entry(NIPS[0], "U1", "realised_low", True),
            _entry(NIPS[1], "U2", "early_gap", False),
        ],
    )


def write_sample_run(root: Path) -> Path:
    """Write the sample run under ``root`` as ``mutasi monitor`` does and point latest at it."""
    run = root / REPORT_ID
    run.mkdir(parents=True, exist_ok=True)
    (run / "report.json").write_text(sample_report().model_dump_json(), encoding="utf-8")
    (run / "mentoring.json").write_text(sample_mentoring().model_dump_json(), encoding="utf-8")
    point_latest(root, REPORT_ID)
    return run
