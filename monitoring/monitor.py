"""``mutasi monitor`` as a function: audit log + newer export + serving model -> outcome join,
evaluation, drift, mentoring list, truth checks, recommendation (a :class:`MonitorRun`).

Writing the files and the MLflow run is :mod:`monitoring.files` / :mod:`monitoring.tracking_run`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from monitoring.drift import CurrentSample, DriftThresholds, drift_report
from monitoring.gaps import load_trainings
from monitoring.mentoring import (
    LOW_RATING,
    MentoringRules,
    contributions_of,
    flag_moves,
    gap_features,
    mentoring_entries,
)
from monitoring.outcomes import OutcomeJoin, Window, join_outcomes
from monitoring.realised import evaluate, override_comparison
from monitoring.rescore import Rescored, explain, rescore
from monitoring.truth import move_truth, truth_summary
from monitoring.verdict import Realised, Tolerances, drift_section, recommendation
from mutasi.settings import Settings
from serving.audit import AuditStore
from serving.audit.answered import Answered
from serving.schemas.monitoring import (
    MentoringList,
    MentoringSummary,
    ModelRef,
    MonitoringReport,
    Reconciliation,
)
from training.bundle import ModelBundle, load_bundle
from training.pipeline_inputs import PipelineInputs, load_inputs
from training.reference_profile import snapshot_attributes

StepProgress = Callable[[str, int, int], None]


def _quiet(_: str, __: int, ___: int) -> None:
    return None


@dataclass
class MonitorRun:
    """Everything one monitoring run computed."""

    report: MonitoringReport
    mentoring: MentoringList
    moves: pd.DataFrame
    join: OutcomeJoin
    inputs: PipelineInputs
    bundle: ModelBundle


def gain_shares(bundle: ModelBundle) -> dict[str, float]:
    """Each feature's share of the regressor's total gain."""
    importance = bundle.model.importance()
    total = float(importance["gain"].sum()) or 1.0
    return {
        str(f): float(g) / total
        for f, g in zip(importance["feature"], importance["gain"], strict=True)
    }


def default_since(answered: Answered, export: date) -> date:
    """The earliest decision date in the audit log, or a year before the export."""
    days = [a.as_of for a in answered.answers]
    return min(days) if days else export - timedelta(days=365)


def _shown(moves: pd.DataFrame, version: str | None) -> pd.DataFrame:
    """The prediction to show per move: as answered if an answer predicted it, else the
    serving model's."""
    answered = moves["prediction"].notna()
    source = np.where(
        answered,
        "answer " + moves["request_id"].astype(str),
        f"model {version or '-'}",
    )
    pick = {
        "shown_prediction": ("prediction", "model_prediction"),
        "shown_lower": ("lower", "model_lower"),
        "shown_upper": ("upper", "model_upper"),
        "shown_p_good": ("p_baik_or_better", "model_p_baik_or_better"),
    }
    return moves.assign(
        prediction_source=source,
        **{k: moves[a].where(answered, moves[m]) for k, (a, m) in pick.items()},
    )


def _with_model(moves: pd.DataFrame, rescored: Rescored) -> pd.DataFrame:
    return pd.concat(
        [
            moves.reset_index(drop=True),
            pd.DataFrame(
                {
                    "model_prediction": rescored.expected,
                    "model_lower": rescored.lower,
                    "model_upper": rescored.upper,
                    "model_p_baik_or_better": rescored.p_good,
                }
            ),
            rescored.attributes,
        ],
        axis=1,
    )


def run_monitor(
    data_dir: Path,
    settings: Settings,
    *,
    model_uri: str | None = None,
    since: date | None = None,
    progress: StepProgress | None = None,
    audit: AuditStore | None = None,
) -> MonitorRun:
    """Monitor the serving model (or ``model_uri``) on a newer export in ``data_dir``."""
    report = progress or _quiet
    report("loading model, export and audit log", 0, 3)
    bundle = load_bundle(model_uri or settings.serve_model, settings)
    report("loading model, export and audit log", 1, 3)
    inputs = load_inputs(Path(data_dir), settings, bundle.manifest.builder_params)
    dataset = inputs.dataset
    export = pd.Timestamp(dataset.export_date or dataset.transfers["effective_date"].max()).date()
    store = audit or AuditStore(settings.audit_url)
    read_from = None if since is None else since - timedelta(days=settings.monitor_match_days)
    answered = store.answered(read_from) if store.exists() else Answered([], [], [])
    report("loading model, export and audit log", 3, 3)
    window = Window(since or default_since(answered, export), export, settings.monitor_match_days)
    join = join_outcomes(answered, dataset, window)
    level = settings.interval_level
    rescored = rescore(
        bundle, inputs.builder, join.moves, level, lambda d, t: report("scoring moves", d, t)
    )
    moves = _shown(_with_model(join.moves, rescored), bundle.version)
    truth = move_truth(inputs.data_dir, moves)
    if truth is not None:
        moves = moves.assign(truth_expected=truth.expected, truth_at_risk=truth.at_risk)
    rated = moves.loc[moves["status"] == "rated"]
    evaluation = evaluate(rated, level, settings.monitor_min_group)
    overrides = override_comparison(
        moves,
        None if truth is None else truth.expected,
        None if truth is None else truth.pick_expected,
    )

    thresholds = DriftThresholds(
        settings.drift_psi_threshold,
        settings.drift_p_value,
        settings.drift_min_rows,
        settings.drift_min_importance,
    )
    profile = bundle.reference_profile
    found = None
    note = ""
    if profile is None:
        note = (
            f"{bundle.model_uri} (version {bundle.version}) was trained before reference "
            "profiles existed: retrain to measure drift"
        )
    else:
        current = CurrentSample(
            features=rescored.features,
            predictions=rescored.expected,
            labels=rated["rating"].to_numpy(dtype=float),
            attributes=snapshot_attributes(dataset),
        )
        found = drift_report(profile, current, thresholds, gain_shares(bundle))
    drift = drift_section(found, thresholds, note)

    rules = MentoringRules(
        settings.monitor_far_below, settings.monitor_early_gap_shap, settings.n_reasons
    )
    names = list(bundle.feature_names)
    # Reasons are needed where a move may be listed: not yet rated, or rated low or under its
    # interval (the mentoring rules); SHAP of the others would cost time for nothing.
    rating, lower = (
        moves["rating"].to_numpy(dtype=float),
        moves["shown_lower"].to_numpy(dtype=float),
    )
    rated_now = (moves["status"] == "rated").to_numpy()
    needs = (moves["status"] == "unrated").to_numpy() | (
        rated_now & ((rating <= LOW_RATING) | (rating < lower - rules.far_below))
    )
    contributions = contributions_of(moves, explain(bundle, rescored.features, needs), names)
    gap_columns = np.array([names.index(f) for f in gap_features(inputs.catalogue) if f in names])
    flags = flag_moves(moves, contributions, gap_columns.astype(np.int64), rules)
    entries = mentoring_entries(
        moves,
        flags,
        rescored.features.to_numpy(dtype=float),
        contributions,
        dataset,
        inputs.builder.history_,
        inputs.catalogue,
        names,
        load_trainings(settings.monitor_trainings_file),
        rules,
    )
    on_outcome = flags["realised_low"] | flags["below_interval"]
    truth_out = truth_summary(
        moves, truth, moves.index[on_outcome], moves.index[flags["early_gap"]]
    )

    test_mae = bundle.manifest.metrics.get("test_mae")
    y = rated["rating"].to_numpy(dtype=float)
    realised = Realised(
        abs_errors=np.abs(rated["model_prediction"].to_numpy(dtype=float) - y),
        covered=(y >= rated["model_lower"].to_numpy(dtype=float))
        & (y <= rated["model_upper"].to_numpy(dtype=float)),
    )
    tolerances = Tolerances(
        settings.monitor_coverage_tolerance,
        settings.monitor_mae_tolerance,
        thresholds.min_rows,
        thresholds.p_value,
    )
    verdict = recommendation(drift, evaluation.model, realised, level, test_mae, tolerances)
    now = datetime.now(UTC)
    report_id = f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    out = MonitoringReport(
        report_id=report_id,
        created_at=now,
        data_dir=str(inputs.data_dir),
        snapshot_id=dataset.snapshot_id,
        export_date=export,
        model=ModelRef(
            name=settings.model_name,
            version=bundle.version,
            run_id=bundle.run_id,
            uri=bundle.model_uri,
        ),
        interval_level=level,
        reconciliation=Reconciliation.model_validate(
            {**asdict(join.reconciliation), "consistent": join.reconciliation.consistent}
        ),
        evaluation=evaluation,
        overrides=overrides,
        drift=drift,
        recommendation=verdict,
        truth=truth_out,
        mentoring=MentoringSummary(
            n_entries=len(entries),
            by_flag={f: int(flags[f].sum()) for f in flags.columns},
            far_below=rules.far_below,
            early_gap_shap=rules.early_gap_shap,
        ),
        notes=_notes(inputs, window, answered, store.safe_url),
    )
    listing = MentoringList(
        report_id=report_id, created_at=now, snapshot_id=dataset.snapshot_id, entries=entries
    )
    return MonitorRun(out, listing, moves, join, inputs, bundle)


def _notes(inputs: PipelineInputs, window: Window, answered: Answered, url: str) -> list[str]:
    notes = (
        []
        if answered.answers
        else [f"the audit log {url} holds no answer: every move is moved only"]
    )
    notes += [
        f"moves effective {window.since} .. {window.until}; a move follows a proposal within "
        f"{window.match_days} days of its decision date"
    ]
    if inputs.validation.n_rejected:
        notes.append(
            f"validation: {inputs.validation.rejection_summary()} in the export; rejected rows "
            "are not monitored (see `mutasi validate`)"
        )
    return notes
