"""The train / evaluate summary table stays readable in an 80-column terminal."""

from __future__ import annotations

import re

import numpy as np
from rich.console import Console

from training.cli import metrics_table
from training.evaluate import Evaluation

MODEL = {
    "rmse": 0.5271, "mae": 0.347, "spearman": 0.683, "auc_good": 0.918, "ece": 0.057,
    "coverage_80": 0.784, "width_80": 1.02, "n_rows": 264.0,
}  # fmt: skip
RANKING = {"ndcg_at_10": 0.964, "precision_at_10": 0.426, "ndcg_at_10_oracle_gain": 0.857}


def evaluation() -> Evaluation:
    metrics = {
        name: {**MODEL, **RANKING, "n_vacancies": 200.0}
        for name in ("lightgbm", "heuristic", "linear")
    }
    metrics["random"] = {**RANKING, "ndcg_at_10_oracle_gain": 0.0}
    metrics["oracle"] = {**RANKING, "ndcg_at_10": 1.0, "auc_good": np.nan}
    # Only the presence of a ranking report matters to the table (it picks the primary metric).
    return Evaluation(metrics, {}, ranking=object(), ranking_note="ranking on 200 vacancies")  # type: ignore[arg-type]


def render(width: int) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(metrics_table(evaluation(), "Test split (264 moves)"))
    return console.export_text()


def test_every_header_and_value_is_whole_at_80_columns() -> None:
    text = render(80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    for word in ("lightgbm", "heuristic", "linear", "random", "oracle", "oracle gain", "RMSE"):
        assert word in text
    assert "0.527" in text


def cells(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if f" {label} " in line)
    return [cell.strip() for cell in re.split("[│┃]", line)[1:-1]]


def test_metrics_are_rows_counts_left_out_missing_shown_as_dash() -> None:
    text = render(100)
    assert cells(text, "metric")[1:] == ["lightgbm", "heuristic", "linear", "random", "oracle"]
    assert cells(text, "oracle gain")[1:] == ["0.857", "0.857", "0.857", "0.000", "0.857"]
    assert cells(text, "AUC baik+")[1:] == ["0.918"] * 3 + ["-", "-"]  # none / NaN
    assert "n_rows" not in text
    assert "n_vacancies" not in text
