"""The drift section of the report and the recommendation: ``retrain`` with the evidence, or
``keep``.

Evidence for retraining, each judged only on enough rows:

- shifted model features, a shifted prediction or label distribution, shifted snapshot
  attributes (:mod:`monitoring.drift`);
- realised interval coverage further than ``monitor_coverage_tolerance`` from nominal, and a
  binomial test rejecting the nominal level at ``drift_p_value``;
- realised MAE more than ``monitor_mae_tolerance`` above the model's own test MAE, and a
  one-sided t-test of the absolute errors rejecting the test MAE at the same p-value.

The tests keep a few dozen rated moves from asking to retrain on noise alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest, ttest_1samp

from monitoring.drift import DriftReport, DriftThresholds
from serving.schemas.monitoring import (
    BinShare,
    Drift,
    DriftColumn,
    Evidence,
    Metrics,
    Recommendation,
)

_KIND_ID = {
    "feature": "fitur model",
    "prediction": "prediksi",
    "label": "predikat SKP hasil",
    "attribute": "atribut pegawai",
}
_KIND_EN = {
    "feature": "model features",
    "prediction": "prediction",
    "label": "realised SKP rating",
    "attribute": "employee attributes",
}


def drift_section(report: DriftReport | None, thresholds: DriftThresholds, note: str) -> Drift:
    """The report's drift section (``report`` None: no reference profile, ``note`` says why)."""
    if report is None:
        return Drift(
            available=False,
            note=note,
            psi_threshold=thresholds.psi,
            p_value_threshold=thresholds.p_value,
            min_rows=thresholds.min_rows,
            min_importance=thresholds.min_importance,
        )
    columns = [
        DriftColumn(
            name=r.name,
            kind=r.kind,
            n_reference=r.n_reference,
            n_current=r.n_current,
            psi=None if r.psi is None else round(r.psi, 4),
            p_value=None if r.p_value is None else float(f"{r.p_value:.3g}"),
            judged=r.judged,
            shifted=r.shifted,
            importance=r.importance,
            used=r.used,
            bins=[
                BinShare(label=b.label, reference=b.reference, current=b.current) for b in r.bins
            ],
        )
        for r in report.results
    ]
    return Drift(
        available=True,
        note=note,
        psi_threshold=thresholds.psi,
        p_value_threshold=thresholds.p_value,
        min_rows=thresholds.min_rows,
        min_importance=thresholds.min_importance,
        reference_period=dict(report.reference_period),
        reference_snapshot_id=report.reference_snapshot_id,
        columns=columns,
        shifted=report.shifted(),
        shifted_unused=report.shifted_unused(),
    )


@dataclass(frozen=True)
class Tolerances:
    """Performance tolerances (settings ``monitor_coverage_tolerance`` / ``_mae_tolerance``)."""

    coverage: float = 0.05
    mae: float = 0.15
    min_rows: int = 30
    p_value: float = 0.01


@dataclass(frozen=True)
class Realised:
    """Per rated move: the serving model's absolute error and whether the interval held."""

    abs_errors: np.ndarray
    covered: np.ndarray


def _drift_evidence(drift: Drift) -> list[Evidence]:
    out = []
    for kind in ("feature", "prediction", "label", "attribute"):
        shifted = [c for c in drift.columns if c.kind == kind and c.shifted and c.used]
        if not shifted:
            continue
        names = ", ".join(f"{c.name} (PSI {c.psi:.2f})" for c in shifted)
        out.append(
            Evidence(
                code=f"drift_{kind}",
                text_id=f"Pergeseran {_KIND_ID[kind]}: {names}",
                text_en=f"Shifted {_KIND_EN[kind]}: {names}",
            )
        )
    return out


def _performance_evidence(
    model: Metrics, realised: Realised, level: float, test_mae: float | None, tol: Tolerances
) -> list[Evidence]:
    out: list[Evidence] = []
    n = len(realised.covered)
    if n < tol.min_rows:
        return out
    coverage = float(np.mean(realised.covered))
    if abs(coverage - level) > tol.coverage:
        p = binomtest(int(np.sum(realised.covered)), n, level).pvalue
        if p < tol.p_value:
            out.append(
                Evidence(
                    code="coverage",
                    text_id=f"Cakupan interval {coverage:.1%} pada {n} mutasi, nominal {level:.0%} "
                    f"(toleransi {tol.coverage:.0%}, p = {p:.2g})",
                    text_en=f"Interval coverage {coverage:.1%} over {n} moves, nominal {level:.0%} "
                    f"(tolerance {tol.coverage:.0%}, p = {p:.2g})",
                )
            )
    mae = float(np.mean(realised.abs_errors))
    if test_mae is not None and mae > test_mae + tol.mae:
        p = ttest_1samp(realised.abs_errors, test_mae, alternative="greater").pvalue
        if p < tol.p_value:
            out.append(
                Evidence(
                    code="error",
                    text_id=f"MAE terealisasi {mae:.2f} pada {n} mutasi, MAE uji model "
                    f"{test_mae:.2f} (toleransi +{tol.mae:.2f}, p = {p:.2g})",
                    text_en=f"Realised MAE {mae:.2f} over {n} moves, the model's test MAE "
                    f"{test_mae:.2f} (tolerance +{tol.mae:.2f}, p = {p:.2g})",
                )
            )
    return out


def recommendation(
    drift: Drift,
    model: Metrics,
    realised: Realised,
    level: float,
    test_mae: float | None,
    tolerances: Tolerances,
) -> Recommendation:
    """``retrain`` when any evidence holds, else ``keep`` (with why nothing was found)."""
    evidence = _drift_evidence(drift)
    evidence += _performance_evidence(model, realised, level, test_mae, tolerances)
    enough = len(realised.covered) >= tolerances.min_rows
    if evidence:
        return Recommendation(action="retrain", evidence=evidence)
    why_id = "Tidak ada pergeseran dan kinerja model dalam toleransi"
    why_en = "No shift found and the model performs within tolerance"
    if not enough:
        n = len(realised.covered)
        why_id += f" (baru {n} mutasi berpredikat; kinerja dinilai mulai {tolerances.min_rows})"
        why_en += f" (only {n} rated moves; performance is judged from {tolerances.min_rows})"
    if not drift.available:
        why_id += "; pergeseran tidak dapat diukur: " + drift.note
        why_en += "; drift could not be measured: " + drift.note
    return Recommendation(
        action="keep", evidence=[Evidence(code="none", text_id=why_id, text_en=why_en)]
    )
