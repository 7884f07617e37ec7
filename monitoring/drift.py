"""Drift of a newer export against the serving model's reference profile.

For every model feature, the model's prediction, the realised rating (label) and every
snapshot attribute, the current sample is counted over the reference histogram's bins
(:mod:`training.reference_profile`) and compared by

- the population stability index ``PSI = sum (c - r) * ln(c / r)`` over bin shares, each
  share smoothed by half a count per bin so that an empty bin does not make it infinite;
- a chi-square test of homogeneity of the two count vectors (bins empty in both dropped).

A column is *shifted* when its PSI reaches the threshold **and** the test rejects equal
distributions at the chosen p-value: PSI alone over-reacts to small samples, the test alone to
tiny differences in large ones. Columns with fewer current rows than ``min_rows`` are reported
but not judged. A shifted model feature whose share of the regressor's total gain is under
``min_importance`` is named apart (``shifted_unused``): a feature the model hardly uses cannot
move its predictions (a count that grows with the length of the recorded history, say).

Why not evidently or nannyml (both tried in a scratch environment, see docs/monitoring.md):
evidently 0.7.23, the newest release, fails to import under pandas 3
(``infer_dtype_from_object`` is gone) and adds 33 packages / 288 MB; nannyml 0.13 needs
statsmodels without declaring it, pulls xgboost, kaleido and cloud SDKs (+1.4 GB) and sends
usage statistics unless told not to. PSI and a chi-square test are a few lines on scipy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency

from training.reference_profile import Histogram, ReferenceProfile

DriftKind = Literal["feature", "prediction", "label", "attribute"]
SMOOTHING = 0.5
TOP_BINS = 3


@dataclass(frozen=True)
class DriftThresholds:
    """When a column counts as shifted (from the settings ``drift_*``)."""

    psi: float = 0.2
    p_value: float = 0.01
    min_rows: int = 30
    min_importance: float = 0.01


@dataclass(frozen=True)
class BinShift:
    """One bin's share in the reference and in the current sample."""

    label: str
    reference: float
    current: float


@dataclass(frozen=True)
class DriftResult:
    """The comparison of one column."""

    name: str
    kind: DriftKind
    n_reference: int
    n_current: int
    psi: float | None
    p_value: float | None
    judged: bool
    shifted: bool
    bins: list[BinShift] = field(default_factory=list)
    importance: float | None = None  # share of the regressor's gain (model features only)
    used: bool = True  # False: a model feature under ``min_importance``


def shares(counts: np.ndarray) -> np.ndarray:
    """Bin shares smoothed by :data:`SMOOTHING` counts per bin."""
    c = np.asarray(counts, dtype=float) + SMOOTHING
    return np.asarray(c / c.sum())


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins."""
    r, c = shares(reference), shares(current)
    return float(np.sum((c - r) * np.log(c / r)))


def homogeneity_p_value(reference: np.ndarray, current: np.ndarray) -> float:
    """p-value of the chi-square test that both samples come from one distribution."""
    table = np.vstack([reference, current]).astype(float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    return float(chi2_contingency(table, correction=False).pvalue)


def compare(
    name: str,
    kind: DriftKind,
    reference: Histogram,
    current: pd.Series | np.ndarray,
    thresholds: DriftThresholds,
) -> DriftResult:
    """Compare a current sample of one column with its reference histogram."""
    ref = np.asarray(reference.counts, dtype=np.int64)
    cur = reference.count(current)
    n_cur = int(cur.sum())
    if n_cur == 0 or reference.n == 0:
        return DriftResult(name, kind, reference.n, n_cur, None, None, False, False)
    value, p = psi(ref, cur), homogeneity_p_value(ref, cur)
    judged = n_cur >= thresholds.min_rows
    r, c = ref / ref.sum(), cur / n_cur
    order = np.argsort(-np.abs(c - r), kind="stable")[:TOP_BINS]
    labels = reference.labels
    bins = [BinShift(labels[i], round(float(r[i]), 4), round(float(c[i]), 4)) for i in order]
    shifted = judged and value >= thresholds.psi and p < thresholds.p_value
    return DriftResult(name, kind, reference.n, n_cur, value, p, judged, shifted, bins)


@dataclass(frozen=True)
class CurrentSample:
    """What a newer export gives to compare: features, predictions and ratings of its moves,
    and the attributes of everyone in it."""

    features: pd.DataFrame
    predictions: np.ndarray
    labels: np.ndarray
    attributes: pd.DataFrame


@dataclass(frozen=True)
class DriftReport:
    """Every column compared, and the thresholds used."""

    results: list[DriftResult]
    thresholds: DriftThresholds
    reference_period: Mapping[str, str]
    reference_snapshot_id: str

    def shifted(self, kind: DriftKind | None = None) -> list[str]:
        """Names of the shifted columns the model depends on (of one kind, or all)."""
        return [
            r.name
            for r in self.results
            if r.shifted and r.used and (kind is None or r.kind == kind)
        ]

    def shifted_unused(self) -> list[str]:
        """Shifted model features the model hardly uses."""
        return [r.name for r in self.results if r.shifted and not r.used]

    def of(self, kind: DriftKind) -> list[DriftResult]:
        """The results of one kind, in profile order."""
        return [r for r in self.results if r.kind == kind]


def drift_report(
    profile: ReferenceProfile,
    current: CurrentSample,
    thresholds: DriftThresholds,
    importance: Mapping[str, float],
) -> DriftReport:
    """Compare every profiled column with the current sample; ``importance`` is each model
    feature's share of the regressor's total gain."""
    results = [
        replace(
            compare(name, "feature", hist, current.features[name], thresholds),
            importance=round(float(importance.get(name, 0.0)), 4),
            used=float(importance.get(name, 0.0)) >= thresholds.min_importance,
        )
        for name, hist in profile.features.items()
        if name in current.features.columns
    ]
    results.append(
        compare("prediction", "prediction", profile.prediction, current.predictions, thresholds)
    )
    results.append(compare("rating", "label", profile.label, current.labels, thresholds))
    results += [
        compare(name, "attribute", hist, current.attributes[name], thresholds)
        for name, hist in profile.attributes.items()
        if name in current.attributes.columns
    ]
    return DriftReport(results, thresholds, profile.period, profile.snapshot_id)
