"""Figures logged with every training run: SHAP summary, gain importance, reliability curves."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: runs are logged from CLIs and tests, never shown

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shap

from training.metrics import ReliabilityCurve

SHAP_SAMPLE = 2_000


def shap_summary(contributions: np.ndarray, features: pd.DataFrame, path: Path) -> Path:
    """Beeswarm of per-row SHAP values (computed by LightGBM's TreeSHAP).

    Features missing in every row (an absent optional table) are left out: their SHAP values
    are zero and their colour scale would be undefined.
    """
    present = features.notna().any().to_numpy()
    shap.summary_plot(
        contributions[:, present], features.loc[:, present], show=False, max_display=20
    )
    fig = plt.gcf()
    fig.suptitle("SHAP values of the expected-rating regressor")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def importance_plot(importance: pd.DataFrame, path: Path) -> Path:
    """Horizontal bars of gain importance, most important on top."""
    top = importance.head(20).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(top) + 1.2))
    ax.barh(top["feature"], top["gain"], color="#3b6ea5")
    ax.set_xlabel("total gain")
    ax.set_title("Feature importance (gain) of the regressor")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def calibration_plot(curves: Mapping[str, ReliabilityCurve], path: Path) -> Path:
    """Reliability curves of P(baik+) per model against the diagonal."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    for name, curve in curves.items():
        ax.plot(curve.mean_predicted, curve.observed, marker="o", label=name)
    ax.set_xlabel("predicted P(baik or better)")
    ax.set_ylabel("observed share baik or better")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("Calibration on the test split")
    ax.legend(loc="upper left")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
