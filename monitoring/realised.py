"""Realised vs predicted SKP over rated moves: error, rank correlation, calibration by decile,
interval coverage, P(baik+) Brier score; per model version (as answered), per sector and unit,
per protected group, per category; and followed vs overridden decisions.

Everything is computed on moves whose first full year in the new post is rated and that were
not superseded (``status == "rated"``). Groups under ``min_group`` moves are shown with their
size but never compared (their metrics are noise).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from serving.schemas.monitoring import (
    DecileRow,
    DecisionOutcomes,
    Evaluation,
    GroupGap,
    GroupMetrics,
    Metrics,
    OverrideComparison,
    VersionMetrics,
)
from training.metrics import GOOD_RATING, interval_coverage, mae, rmse, spearman

GROUP_ATTRIBUTES: tuple[str, ...] = ("gender", "age_band", "education_level", "region_of_origin")
PREDICTION_COLUMNS = ("prediction", "lower", "upper", "p_baik_or_better")
DECILES = 10
_R = 4


def _mean(values: np.ndarray) -> float | None:
    return round(float(np.mean(values)), _R) if len(values) else None


def metrics(
    y: np.ndarray,
    pred: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    p_good: np.ndarray,
    level: float | None,
) -> Metrics:
    """The metrics of one set of rated moves (rows with a missing prediction are skipped)."""
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    keep = ~np.isnan(pred) & ~np.isnan(y)
    y, pred = y[keep], pred[keep]
    lower, upper = np.asarray(lower, dtype=float)[keep], np.asarray(upper, dtype=float)[keep]
    p_good = np.asarray(p_good, dtype=float)[keep]
    n = len(y)
    if n == 0:
        return Metrics(n=0, interval_level=level)
    event = (y >= GOOD_RATING).astype(float)
    rho = spearman(y, pred) if n > 2 and np.ptp(y) > 0 and np.ptp(pred) > 0 else float("nan")
    return Metrics(
        n=n,
        mean_predicted=_mean(pred),
        mean_realised=_mean(y),
        mae=round(mae(y, pred), _R),
        rmse=round(rmse(y, pred), _R),
        bias=round(float(np.mean(pred - y)), _R),
        spearman=None if np.isnan(rho) else round(rho, _R),
        coverage=round(interval_coverage(y, lower, upper), _R),
        interval_level=level,
        interval_width=round(float(np.mean(upper - lower)), _R),
        brier=round(float(np.mean((p_good - event) ** 2)), _R),
        share_baik_or_better=_mean(event),
    )


def _metrics_of(frame: pd.DataFrame, prefix: str, level: float | None) -> Metrics:
    return metrics(
        frame["rating"].to_numpy(dtype=float),
        frame[f"{prefix}prediction"].to_numpy(dtype=float),
        frame[f"{prefix}lower"].to_numpy(dtype=float),
        frame[f"{prefix}upper"].to_numpy(dtype=float),
        frame[f"{prefix}p_baik_or_better"].to_numpy(dtype=float),
        level,
    )


def calibration(frame: pd.DataFrame, prefix: str = "model_") -> list[DecileRow]:
    """Mean predicted vs mean realised per decile of the prediction."""
    pred = frame[f"{prefix}prediction"].to_numpy(dtype=float)
    if len(pred) == 0:
        return []
    order = np.argsort(pred, kind="stable")
    bins = np.array_split(order, min(DECILES, len(pred)))
    y = frame["rating"].to_numpy(dtype=float)
    return [
        DecileRow(
            decile=i + 1,
            n=len(b),
            mean_predicted=round(float(pred[b].mean()), _R),
            mean_realised=round(float(y[b].mean()), _R),
        )
        for i, b in enumerate(bins)
        if len(b)
    ]


def by_groups(
    frame: pd.DataFrame,
    attributes: Sequence[str],
    level: float,
    min_group: int,
    prefix: str = "model_",
) -> list[GroupMetrics]:
    """Metrics per group of each attribute, largest group first."""
    out: list[GroupMetrics] = []
    for attribute in attributes:
        values = frame[attribute].astype(object).where(frame[attribute].notna(), "missing")
        for group, rows in frame.groupby(values.astype(str), sort=False):
            found = _metrics_of(rows, prefix, level)
            out.append(
                GroupMetrics(
                    **found.model_dump(),
                    attribute=attribute,
                    group=str(group),
                    small=found.n < min_group,
                )
            )
    return sorted(out, key=lambda g: (list(attributes).index(g.attribute), -g.n, g.group))


def group_gaps(groups: Sequence[GroupMetrics], attributes: Sequence[str]) -> list[GroupGap]:
    """The largest MAE difference between compared (not small) groups of each attribute."""
    gaps = []
    for attribute in attributes:
        compared = [g for g in groups if g.attribute == attribute and not g.small and g.mae]
        if len(compared) < 2:
            gaps.append(
                GroupGap(attribute=attribute, mae_gap=None, worst_group=None, best_group=None)
            )
            continue
        worst = max(compared, key=lambda g: g.mae or 0.0)
        best = min(compared, key=lambda g: g.mae or 0.0)
        gap = round((worst.mae or 0.0) - (best.mae or 0.0), _R)
        gaps.append(
            GroupGap(
                attribute=attribute, mae_gap=gap, worst_group=worst.group, best_group=best.group
            )
        )
    return gaps


def evaluate(rated: pd.DataFrame, level: float, min_group: int) -> Evaluation:
    """The evaluation section of the report over rated moves (see the module docstring).

    ``rated`` carries the as-answered ``prediction``/``lower``/``upper``/``p_baik_or_better``
    (NaN where no answer predicted the move), the serving model's ``model_*`` twins, the
    ``rating``, ``model_version``, ``interval_level``, ``sector``, ``unit_id``, ``category`` and
    the audit attributes.
    """
    columns = [
        "rating", "model_version", "interval_level", "sector", "unit_id", "category",
        *GROUP_ATTRIBUTES,
        *(f"{p}{m}" for p in ("", "model_") for m in PREDICTION_COLUMNS),
    ]  # fmt: skip
    rated = rated[columns]  # group-bys copy every column of each group: only the needed ones
    answered = rated.loc[rated["prediction"].notna()]
    versions = [
        VersionMetrics(
            **_metrics_of(rows, "", _level_of(rows)).model_dump(), model_version=str(version)
        )
        for version, rows in answered.groupby(answered["model_version"].astype(str))
    ]
    groups = by_groups(rated, GROUP_ATTRIBUTES, level, min_group)
    return Evaluation(
        as_answered=versions,
        model=_metrics_of(rated, "model_", level),
        calibration=calibration(rated),
        by_sector=by_groups(rated, ["sector"], level, min_group),
        by_unit=by_groups(rated, ["unit_id"], level, min_group),
        by_group=groups,
        group_gaps=group_gaps(groups, GROUP_ATTRIBUTES),
        by_category=by_groups(rated, ["category"], level, min_group),
        min_group_size=min_group,
    )


def _level_of(rows: pd.DataFrame) -> float | None:
    levels = rows["interval_level"].dropna().unique()
    return float(levels[0]) if len(levels) == 1 else None


def _outcomes(rows: pd.DataFrame, truth: pd.Series | None) -> DecisionOutcomes:
    rated = rows.loc[rows["status"] == "rated"]
    y = rated["rating"].to_numpy(dtype=float)
    mean_truth = None
    if truth is not None:
        mean_truth = _mean(truth.reindex(rows.index).dropna().to_numpy(dtype=float))
    return DecisionOutcomes(
        n=len(rows),
        n_rated=len(rated),
        mean_realised=_mean(y),
        mean_predicted=_mean(rated["prediction"].dropna().to_numpy(dtype=float)),
        share_baik_or_better=_mean((y >= GOOD_RATING).astype(float)),
        mean_truth=mean_truth,
    )


def override_comparison(
    moves: pd.DataFrame, truth: pd.Series | None, pick_truth: pd.Series | None
) -> OverrideComparison:
    """Moves made on a followed decision vs on an override; the model's pick where overridden.

    ``truth`` is the oracle's expected rating of each move (synthetic data), ``pick_truth`` that
    of the model's first candidate in the same post at the same date (index = moves' index).
    """
    followed = moves.loc[moves["basis"] == "decision"]
    overridden = moves.loc[moves["basis"].isin(["override", "override_ineligible"])]
    pick = overridden["model_pick_prediction"].dropna().to_numpy(dtype=float)
    pick_mean_truth = None
    if pick_truth is not None:
        pick_mean_truth = _mean(pick_truth.reindex(overridden.index).dropna().to_numpy(dtype=float))
    return OverrideComparison(
        followed=_outcomes(followed, truth),
        overridden=_outcomes(overridden, truth),
        model_pick_mean_predicted=_mean(pick),
        model_pick_mean_truth=pick_mean_truth,
    )
