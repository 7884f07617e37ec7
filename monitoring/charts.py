"""The report's two charts: realised vs predicted by decile, and PSI per compared column."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: written by the CLI and tests, never shown

import matplotlib.pyplot as plt

from serving.schemas.monitoring import DecileRow, Drift

_TOP = 25


def calibration_chart(deciles: Sequence[DecileRow], path: Path) -> Path:
    """Mean realised against mean predicted rating per decile of the prediction."""
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([1, 5], [1, 5], color="grey", linestyle="--", linewidth=1, label="ideal")
    if deciles:
        ax.plot(
            [d.mean_predicted for d in deciles],
            [d.mean_realised for d in deciles],
            marker="o",
            label="deciles",
        )
    ax.set(xlim=(1, 5), ylim=(1, 5), xlabel="mean predicted SKP", ylabel="mean realised SKP")
    ax.set_title("Realised vs predicted (1 = sangat kurang .. 5 = sangat baik)", fontsize=9)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def drift_chart(drift: Drift, path: Path) -> Path:
    """PSI of the judged columns, largest first; shifted ones in red, the threshold dashed."""
    columns = sorted((c for c in drift.columns if c.psi is not None), key=lambda c: -(c.psi or 0))
    columns = columns[:_TOP]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.28 * len(columns) + 1)))
    if columns:
        colours = ["#c0392b" if c.shifted else "#7f8c8d" for c in columns]
        ax.barh(
            [f"{c.name} ({c.kind})" for c in columns], [c.psi or 0 for c in columns], color=colours
        )
        ax.axvline(drift.psi_threshold, color="black", linestyle="--", linewidth=1)
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, drift.note or "no drift measured", ha="center", va="center", wrap=True)
    ax.set_xlabel("population stability index (PSI)")
    ax.set_title("Drift against the model's reference data", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
