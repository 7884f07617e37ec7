"""The serving model on every move of the window: features as of each move's date from the
newer export (the training code path, :func:`training.training_set.build_features`), expected
rating, interval, P(baik+) and the audit attributes of the person then; SHAP contributions
(about a hundred times the cost of a prediction) only for the moves that need reasons.

Moves the audit log never saw (moved only) get a prediction this way, so that the model is
evaluated on every realised move, and so do features, predictions and labels for drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.asof import employee_state_rows
from features.fit import FitFeatureBuilder
from training.bundle import ModelBundle
from training.feature_use import blank
from training.oracle_eval import AUDIT_ATTRIBUTES
from training.training_set import Progress, build_features


@dataclass(frozen=True)
class Rescored:
    """Model outputs row-aligned with the moves they were computed for."""

    features: pd.DataFrame
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    p_good: np.ndarray
    attributes: pd.DataFrame  # AUDIT_ATTRIBUTES: gender, age band, education, origin


def rescore(
    bundle: ModelBundle,
    builder: FitFeatureBuilder,
    moves: pd.DataFrame,
    level: float,
    progress: Progress | None = None,
) -> Rescored:
    """Score ``moves`` (columns nip, position_id, effective_date) with ``bundle``."""
    triples = moves[["nip", "position_id"]].assign(as_of=moves["effective_date"])
    features = build_features(builder, triples.reset_index(drop=True), progress)
    features = blank(features, bundle.manifest.retired_features)[list(bundle.feature_names)]
    model = bundle.model
    expected = model.predict(features) if len(features) else np.zeros(0)
    low, high = model.conformal_.interval(expected, level)
    p_good = model.prob_good(features) if len(features) else np.zeros(0)
    return Rescored(
        features=features,
        expected=np.asarray(expected, dtype=float),
        lower=np.asarray(low, dtype=float),
        upper=np.asarray(high, dtype=float),
        p_good=np.asarray(p_good, dtype=float),
        attributes=audit_attributes(builder, triples.reset_index(drop=True)),
    )


def explain(bundle: ModelBundle, features: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """SHAP contributions (rating points) of the ``rows`` (mask); zero for the others."""
    out = np.zeros((len(features), len(bundle.feature_names)))
    if rows.any():
        out[rows] = bundle.model.contributions(features.loc[rows])
    return out


def audit_attributes(builder: FitFeatureBuilder, triples: pd.DataFrame) -> pd.DataFrame:
    """Gender, age band and education level at each move's date and the region of origin: the
    fairness audit's attributes (never model features)."""
    state = employee_state_rows(builder.history_, triples["nip"], triples["as_of"])
    return pd.DataFrame(
        {
            column: state[source].astype(str).where(state[source].notna()).to_numpy()
            for column, source in AUDIT_ATTRIBUTES.items()
        }
    )
