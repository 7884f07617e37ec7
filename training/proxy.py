"""Proxy check: how well the model's features predict a protected attribute (gender, age band).

Protected attributes are never model features, but a feature can stand in for one (years of
service for age, a field of study for gender). For each attribute the check reports:

- per feature, a univariate AUC: for each class, the AUC of the feature's value separating that
  class from the rest, folded to max(AUC, 1 - AUC) since either direction is a proxy, averaged
  over the classes (one-vs-rest macro; a binary attribute has one value). A missing feature value
  ranks below every observed one, so missingness that tracks the attribute counts too;
- one line for all features together: the cross-validated (out-of-fold) AUC of a small
  LightGBM model predicting the attribute, which also catches non-monotone and combined proxies.

``strength``: weak below 0.6, moderate below 0.7, strong from 0.7, the level Hosmer and
Lemeshow call acceptable discrimination. Definitions: docs/fairness.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

ALL_FEATURES = "(all features)"
MODERATE, STRONG = 0.6, 0.7
N_FOLDS = 3
JOINT_MAX_ROWS = 20_000  # the joint AUC is stable well before this; caps the model's cost
PROXY_COLUMNS: tuple[str, ...] = ("attribute", "feature", "measure", "value", "strength", "n_rows")


class ProxyInputError(ValueError):
    """Inputs the check cannot use; the message names the frame and column."""


def proxy_check(features: pd.DataFrame, protected: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """One row per (attribute, feature) plus an all-features row per attribute, strongest first.

    ``protected`` is aligned row by row with ``features`` (same index); every column except
    ``nip`` is an attribute. Rows with the attribute missing are left out of its lines.
    """
    matrix = _feature_matrix(features, protected)
    parts = []
    for attribute in (c for c in protected.columns if c != "nip"):
        labels = protected[attribute]
        known = labels.notna().to_numpy()
        codes, classes = pd.factorize(labels[known].astype("object"))
        if len(classes) < 2:
            continue  # nothing to separate
        x, y = matrix[known], np.asarray(codes, dtype=np.int64)
        measure = "auc" if len(classes) == 2 else "ovr_macro_auc"
        values = {
            **dict(zip(features.columns.astype(str), univariate_auc(x, y), strict=True)),
            ALL_FEATURES: joint_auc(x, y, seed),
        }
        parts.append(
            pd.DataFrame(
                {
                    "attribute": attribute,
                    "feature": list(values),
                    "measure": [measure] * len(features.columns) + [f"cv_{measure}"],
                    "value": list(values.values()),
                    "n_rows": int(known.sum()),
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PROXY_COLUMNS})
    frame = pd.concat(parts, ignore_index=True)
    frame["strength"] = strength(frame["value"].to_numpy())
    ordered = frame.sort_values(["attribute", "value"], ascending=[True, False], kind="stable")
    return ordered[list(PROXY_COLUMNS)].reset_index(drop=True)


def univariate_auc(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Folded one-vs-rest macro AUC of each column of ``x`` for class codes ``y`` (0..C-1).

    All columns and classes at once from the Mann-Whitney rank sums: AUC of class c =
    (sum of c's ranks - n_c(n_c+1)/2) / (n_c * n_rest).
    """
    n_classes = int(y.max()) + 1
    ranks = rankdata(np.where(np.isnan(x), -np.inf, x), axis=0)
    one_hot = np.eye(n_classes)[y]
    n_pos = one_hot.sum(axis=0)[:, None]
    n_neg = len(y) - n_pos
    auc = (one_hot.T @ ranks - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.asarray(np.maximum(auc, 1 - auc).mean(axis=0), dtype=np.float64)


def joint_auc(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """Out-of-fold AUC (macro one-vs-rest if multi-class) of a small LightGBM on all features."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.permutation(len(y))[:JOINT_MAX_ROWS])
    x, y = x[rows], y[rows]
    # Stratified folds need every class in every fold; rarer classes sit out of the joint model.
    counts = np.bincount(y)
    kept = counts[y] >= N_FOLDS
    if (counts >= N_FOLDS).sum() < 2:
        return float("nan")
    x, y = x[kept], np.unique(y[kept], return_inverse=True)[1]
    model = LGBMClassifier(
        n_estimators=60,
        num_leaves=15,
        learning_rate=0.1,
        min_child_samples=20,
        n_jobs=1,  # threads oversubscribe a shared 2-core machine: 100x slower, not 2x faster
        random_state=seed,
        verbose=-1,
    )
    folds = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    proba = cross_val_predict(model, x, y, cv=folds, method="predict_proba")
    if proba.shape[1] == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    return float(roc_auc_score(y, proba, multi_class="ovr", average="macro"))


def strength(value: np.ndarray) -> np.ndarray:
    """weak / moderate / strong by the AUC thresholds of the module docstring (NaN -> n/a)."""
    label = np.select(
        [np.isnan(value), value >= STRONG, value >= MODERATE],
        ["n/a", "strong", "moderate"],
        default="weak",
    )
    return np.asarray(label, dtype=object)


def _feature_matrix(features: pd.DataFrame, protected: pd.DataFrame) -> np.ndarray:
    """Features as float64 (NaN kept), after checking that both frames line up."""
    if len(features) != len(protected) or not features.index.equals(protected.index):
        raise ProxyInputError(
            f"protected ({len(protected)} rows) is not aligned with features "
            f"({len(features)} rows): both need the same index"
        )
    if features.empty or features.shape[1] == 0:
        raise ProxyInputError("features: no rows or no columns")
    for column, dtype in features.dtypes.items():
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise ProxyInputError(f"features.{column}: not numeric (dtype {dtype})")
    return features.to_numpy(dtype=np.float64, na_value=np.nan)
