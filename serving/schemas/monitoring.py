"""The monitoring report and the mentoring list (daftar pendampingan): what ``mutasi monitor``
writes (``report.json``, ``mentoring.json``) and ``/v1/monitoring/*`` serves, one format.

Numbers that cannot be computed (no rated move in a group, one class only) are null; every
count reconciles (see docs/monitoring.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Action = Literal["retrain", "keep"]
DriftKindName = Literal["feature", "prediction", "label", "attribute"]
MentoringFlag = Literal["realised_low", "below_interval", "early_gap"]
GapKind = Literal["competency", "competency_unassessed", "education_level", "education_field"]


class StatusCounts(BaseModel):
    """Moves of one category by outcome status."""

    total: int
    rated: int = Field(description="First full year in the new post is rated.")
    unrated: int = Field(description="That year is not in the export yet.")
    superseded: int = Field(description="Moved again before that year ended (no outcome).")


class NotMovedCounts(BaseModel):
    """Proposals no move followed, and what may explain it (flags overlap)."""

    total: int
    left_service: int = Field(description="The person is no longer in the export.")
    moved_elsewhere: int = Field(description="The person moved, to another post.")
    filled_by_other: int = Field(description="Someone else moved into the post.")
    window_open: int = Field(description="The match window has not closed at the export date.")


class Reconciliation(BaseModel):
    """Every move of the window and every proposal, counted once."""

    since: date
    until: date
    match_days: int
    n_answers: int
    n_items: int
    n_decisions: int
    n_inline_items: int = Field(description="Items of inline posts: no position to match.")
    n_proposals: int = Field(description="Distinct (nip, position) pairs put forward.")
    n_moves: int = Field(description="Moves effective in the window.")
    recommended_and_moved: StatusCounts
    moved_only: StatusCounts
    recommended_only: NotMovedCounts
    by_basis: dict[str, int] = Field(description="Recommended & moved, by what put them forward.")
    moved_only_listed: int = Field(
        description="Moved-only moves whose pair was returned in an answer without being put "
        "forward (their answered prediction is evaluated too)."
    )
    consistent: bool = Field(description="moves = rec&moved + moved only; proposals = ...")


class Metrics(BaseModel):
    """Realised vs predicted over some rated moves."""

    n: int
    mean_predicted: float | None = None
    mean_realised: float | None = None
    mae: float | None = None
    rmse: float | None = None
    bias: float | None = Field(None, description="Mean predicted minus mean realised.")
    spearman: float | None = None
    coverage: float | None = Field(None, description="Share of realised ratings in the interval.")
    interval_level: float | None = Field(None, description="Nominal coverage of the intervals.")
    interval_width: float | None = None
    brier: float | None = Field(None, description="Brier score of P(baik or better).")
    share_baik_or_better: float | None = None


class GroupMetrics(Metrics):
    """Metrics of one group of one attribute (small groups are shown, not compared)."""

    attribute: str
    group: str
    small: bool = False


class VersionMetrics(Metrics):
    """Metrics of the predictions one model version gave in its answers."""

    model_version: str


class DecileRow(BaseModel):
    """One decile of predicted rating: mean predicted vs mean realised."""

    decile: int
    n: int
    mean_predicted: float
    mean_realised: float


class GroupGap(BaseModel):
    """Largest difference in MAE between compared groups of one attribute."""

    attribute: str
    mae_gap: float | None
    worst_group: str | None
    best_group: str | None


class Evaluation(BaseModel):
    """Realised vs predicted: as answered (per model version), and the serving model on every
    rated move of the window (overall, calibration, by sector, unit, group, category)."""

    as_answered: list[VersionMetrics]
    model: Metrics
    calibration: list[DecileRow]
    by_sector: list[GroupMetrics]
    by_unit: list[GroupMetrics]
    by_group: list[GroupMetrics]
    group_gaps: list[GroupGap]
    by_category: list[GroupMetrics]
    min_group_size: int


class DecisionOutcomes(BaseModel):
    """Outcomes of moves made on a recorded decision."""

    n: int
    n_rated: int
    mean_realised: float | None = None
    mean_predicted: float | None = Field(None, description="As answered for the chosen person.")
    share_baik_or_better: float | None = None
    mean_truth: float | None = Field(None, description="Oracle's expected rating (synthetic).")


class OverrideComparison(BaseModel):
    """People chosen against the model vs followed recommendations, and the model's pick."""

    followed: DecisionOutcomes
    overridden: DecisionOutcomes
    model_pick_mean_predicted: float | None = Field(
        None, description="Predicted rating of the model's first candidate where overridden."
    )
    model_pick_mean_truth: float | None = Field(
        None, description="Oracle's expected rating of those first candidates (synthetic)."
    )


class BinShare(BaseModel):
    """One bin's share in the reference and now."""

    label: str
    reference: float
    current: float


class DriftColumn(BaseModel):
    """One compared column."""

    name: str
    kind: DriftKindName
    n_reference: int
    n_current: int
    psi: float | None
    p_value: float | None
    judged: bool = Field(description="Enough current rows to judge (>= drift_min_rows).")
    shifted: bool
    importance: float | None = Field(
        None, description="Model features: share of the regressor's total gain."
    )
    used: bool = Field(True, description="False: a feature the model hardly uses.")
    bins: list[BinShare] = Field(description="The bins whose share moved most.")


class Drift(BaseModel):
    """Drift of the export against the serving model's reference profile."""

    available: bool
    note: str = ""
    psi_threshold: float
    p_value_threshold: float
    min_rows: int
    min_importance: float = 0.0
    reference_period: dict[str, str] = Field(default_factory=dict)
    reference_snapshot_id: str | None = None
    columns: list[DriftColumn] = Field(default_factory=list)
    shifted: list[str] = Field(
        default_factory=list, description="Shifted columns (model features the model uses)."
    )
    shifted_unused: list[str] = Field(
        default_factory=list, description="Shifted model features the model hardly uses."
    )


class Evidence(BaseModel):
    """One reason for the recommendation, in both languages."""

    code: str
    text_id: str
    text_en: str


class Recommendation(BaseModel):
    """Retrain or keep, with the evidence."""

    action: Action
    evidence: list[Evidence]


class Truth(BaseModel):
    """Checks against the generator's oracle (synthetic data only)."""

    available: bool
    n_moves: int = 0
    mae_vs_truth: float | None = Field(None, description="Model prediction vs noise-free rating.")
    n_at_risk: int = Field(0, description="Rated moves the oracle says are below baik at heart.")
    mentoring_precision: float | None = Field(
        None, description="Share of the realised-outcome list that is truly at risk."
    )
    mentoring_recall: float | None = None
    early_precision: float | None = Field(
        None, description="Share of the early (before SKP) list that is truly at risk."
    )
    n_listed: int = 0
    n_early: int = 0


class MentoringSummary(BaseModel):
    """Size of the mentoring list by flag."""

    n_entries: int
    by_flag: dict[str, int]
    far_below: float = Field(description="Rating points under the interval that count as far.")
    early_gap_shap: float = Field(description="Gap reason (rating points) that lists early.")


class ModelRef(BaseModel):
    """The model monitored (the serving model by default)."""

    name: str
    version: str | None
    run_id: str
    uri: str


class MonitoringReport(BaseModel):
    """One ``mutasi monitor`` run."""

    report_id: str
    created_at: datetime
    data_dir: str
    snapshot_id: str
    export_date: date | None
    model: ModelRef
    interval_level: float
    reconciliation: Reconciliation
    evaluation: Evaluation
    overrides: OverrideComparison
    drift: Drift
    recommendation: Recommendation
    truth: Truth
    mentoring: MentoringSummary
    mlflow_run_id: str | None = None
    files: dict[str, str] = Field(default_factory=dict, description="Files of the run.")
    notes: list[str] = Field(default_factory=list)


class MentoringReason(BaseModel):
    """A reason of the prediction that lowered it (SHAP), in words."""

    feature: str
    value: float | None
    contribution: float
    reason_id: str
    reason_en: str


class Gap(BaseModel):
    """A gap between the person and the new post's requirements, and what would close it."""

    kind: GapKind
    code: str
    required: str
    held: str | None
    gap: float | None
    training_id: str
    training_en: str


class MentoringEntry(BaseModel):
    """One moved employee who needs accompaniment (pendampingan)."""

    nip: str
    name: str | None
    transfer_id: str
    effective_date: date
    position_id: str
    position_title: str | None
    unit_id: str | None
    unit_name: str | None
    sector: str | None
    outcome_year: int
    status: Literal["rated", "unrated"]
    realised_rating: str | None
    realised_value: float | None
    prediction: float | None
    lower: float | None
    upper: float | None
    p_baik_or_better: float | None
    prediction_source: str = Field(description="'answer <request_id>' or 'model <version>'.")
    basis: str
    category: str
    flags: list[MentoringFlag]
    reasons: list[MentoringReason]
    gaps: list[Gap]
    truth_expected: float | None = None
    truth_at_risk: bool | None = None


class MentoringList(BaseModel):
    """The daftar pendampingan of one monitoring run."""

    report_id: str
    created_at: datetime
    snapshot_id: str
    entries: list[MentoringEntry]
