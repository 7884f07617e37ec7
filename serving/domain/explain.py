"""SHAP explanations of the regressor and their plain-language reasons.

TreeSHAP comes from LightGBM itself (``pred_contrib=True``): exact for the model, and cheap
enough when called only on the rows an answer returns. Each reason is built from the feature
catalogue (its Indonesian and English meaning and unit), so the words users read and the
features the model uses have one source.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from features.catalogue import FeatureSpec

# Catalogue units in Bahasa Indonesia; scales such as "0..1" read the same in both languages.
_UNIT_ID: dict[str, str] = {
    "years": "tahun",
    "levels": "jenjang",
    "levels 0..4": "jenjang",
    "PNS steps": "tingkat golongan",
    "persons": "orang",
    "count": "kali",
    "rating per year": "poin per tahun",
}
_SCALE_UNITS = frozenset({"0..1", "1..5", "1..3", "0..100"})
ROUND = 4  # decimals of values and contributions in answers


@dataclass(frozen=True)
class Explanation:
    """SHAP values of some rows: ``values[i, j]`` is feature j's effect on row i's prediction."""

    values: np.ndarray
    base_value: np.ndarray

    def row_total(self) -> np.ndarray:
        """Base value plus contributions: the regressor's raw prediction of each row."""
        return np.asarray(self.base_value + self.values.sum(axis=1))


@dataclass(frozen=True)
class Reason:
    """One contribution of one feature to one prediction, in words."""

    feature: str
    value: float | None
    contribution: float
    reason_id: str
    reason_en: str


def explain_rows(booster: lgb.Booster, rows: np.ndarray, threads: int = 1) -> Explanation:
    """TreeSHAP of ``rows`` (float matrix in model column order); the last output is the base."""
    if rows.shape[0] == 0:
        n = booster.num_feature()
        return Explanation(np.zeros((0, n)), np.zeros(0))
    contrib = booster.predict(rows, pred_contrib=True, num_threads=threads)
    contrib = np.asarray(contrib, dtype=float)
    return Explanation(values=contrib[:, :-1], base_value=contrib[:, -1])


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def value_text(spec: FeatureSpec, value: float | None) -> tuple[str, str]:
    """The value as (Indonesian, English) words: unit-aware, booleans as ya/yes."""
    if value is None or not math.isfinite(value):
        return "tidak ada data", "no data"
    if spec.unit == "bool":
        return ("ya", "yes") if value >= 0.5 else ("tidak", "no")
    number = _number(value)
    if spec.unit in _SCALE_UNITS:
        return number, number
    return f"{number} {_UNIT_ID.get(spec.unit, spec.unit)}", f"{number} {spec.unit}"


def reason(spec: FeatureSpec, value: float | None, contribution: float) -> Reason:
    """The reason for one feature's contribution, e.g. ``"... : 1 (+0.31)"`` in both languages."""
    # Rounded once, so that the number in the text and the number in the answer agree.
    shown = round(float(contribution), ROUND)
    clean = None if value is None or not math.isfinite(value) else round(float(value), ROUND)
    value_id, value_en = value_text(spec, clean)
    signed = f"{shown:+.2f}"
    return Reason(
        feature=spec.name,
        value=clean,
        contribution=shown,
        reason_id=f"{spec.meaning_id}: {value_id} ({signed})",
        reason_en=f"{spec.meaning_en}: {value_en} ({signed})",
    )


def top_reasons(
    specs: Sequence[FeatureSpec],
    values: Sequence[float],
    contributions: np.ndarray,
    n: int,
) -> list[Reason]:
    """The ``n`` largest contributions of one row by magnitude (zero contributions skipped).

    ``specs`` are the catalogue entries of the model's columns, in column order.
    """
    order = np.argsort(-np.abs(contributions), kind="stable")[:n].tolist()
    shap = contributions.tolist()
    return [reason(specs[j], float(values[j]), shap[j]) for j in order if shap[j] != 0.0]
