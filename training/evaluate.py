"""Evaluation of the model and the baselines on the test split, and against the oracle.

Per model: RMSE, MAE, Spearman, AUC of P(baik+), its ECE and reliability curve, coverage and
mean width of the nominal-80% interval. Where the dataset is synthetic (an ``_oracle/``
directory beside the tables) also NDCG@10, precision@10 and the oracle-gain fraction on held-out
vacancies (:mod:`training.oracle_eval`); on real data those are skipped and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table as RichTable

from features.contract import Dataset
from training.intervals import DEFAULT_LEVEL
from training.metrics import (
    GOOD_RATING,
    ReliabilityCurve,
    auc_good,
    expected_calibration_error,
    interval_coverage,
    mae,
    mean_width,
    reliability_curve,
    rmse,
    spearman,
)
from training.model import RatingModel
from training.oracle_eval import (
    ORACLE,
    RANDOM,
    CandidatePool,
    PairFeatureBuilder,
    RankingReport,
    candidate_pools,
    evaluate_rankings,
    held_out_vacancies,
)
from training.training_set import Part, Progress

ORACLE_DIR = "_oracle"
PRIMARY_WITH_ORACLE = "ndcg_at_10_oracle_gain"
PRIMARY_WITHOUT_ORACLE = "spearman"
SECONDARY = "rmse"
# Metrics where lower is better (used by comparisons and table styling).
LOWER_IS_BETTER = frozenset({"rmse", "mae", "ece"})
# Sizes reported with the metrics, not metrics themselves (kept out of tables and comparisons).
COUNTS = frozenset({"n_rows", "n_vacancies"})


def regression_metrics(
    model: RatingModel, part: Part, level: float = DEFAULT_LEVEL
) -> tuple[dict[str, float], ReliabilityCurve]:
    """Point, probability and interval metrics of one model on one split."""
    pred = model.predict(part.features)
    p_good = model.prob_good(part.features)
    low, high = model.interval(part.features, level)
    event = part.y >= GOOD_RATING
    pct = round(level * 100)
    metrics = {
        "rmse": rmse(part.y, pred),
        "mae": mae(part.y, pred),
        "spearman": spearman(part.y, pred),
        "auc_good": auc_good(part.y, p_good),
        "ece": expected_calibration_error(event, p_good),
        f"coverage_{pct}": interval_coverage(part.y, low, high),
        f"width_{pct}": mean_width(low, high),
        "n_rows": float(len(part)),
    }
    return metrics, reliability_curve(event, p_good)


@dataclass
class Evaluation:
    """Test-split metrics per model (``metrics[model][metric]``) and the ranking report."""

    metrics: dict[str, dict[str, float]]
    curves: dict[str, ReliabilityCurve]
    ranking: RankingReport | None = None
    ranking_note: str = ""
    models: list[str] = field(default_factory=list)

    @property
    def primary_metric(self) -> str:
        """What promotion compares first: oracle-gain NDCG@10 if there is an oracle, else
        Spearman."""
        return PRIMARY_WITH_ORACLE if self.ranking is not None else PRIMARY_WITHOUT_ORACLE

    def flat(self, main: str) -> dict[str, float]:
        """MLflow metric names: ``test_<metric>`` for ``main``, ``<model>_test_<metric>`` else;
        random and oracle ranking as ``random_test_*`` / ``oracle_test_*``."""
        out: dict[str, float] = {}
        for name, values in self.metrics.items():
            prefix = "test_" if name == main else f"{name}_test_"
            out.update({prefix + k: v for k, v in values.items() if np.isfinite(v)})
        return out

    def table(self, title: str = "Test split") -> RichTable:
        """A rich table: one row per model (baselines, random and oracle included)."""
        columns = sorted({k for v in self.metrics.values() for k in v if k not in COUNTS})
        ordered = [c for c in _COLUMN_ORDER if c in columns] + [
            c for c in columns if c not in _COLUMN_ORDER
        ]
        table = RichTable(title=title)
        table.add_column("model")
        for c in ordered:
            table.add_column(c, justify="right")
        for name, values in self.metrics.items():
            table.add_row(name, *(_fmt(values.get(c)) for c in ordered))
        if self.ranking_note:
            table.caption = self.ranking_note
        return table


_COLUMN_ORDER = (
    "rmse", "mae", "spearman", "auc_good", "ece", "coverage_80", "width_80",
    "ndcg_at_10", "precision_at_10", "ndcg_at_10_oracle_gain",
)  # fmt: skip


def _fmt(value: float | None) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.3f}"


def evaluate_models(
    models: Sequence[RatingModel],
    test: Part,
    pools: Sequence[CandidatePool] | None = None,
    ranking_note: str = "",
    n_skipped: int = 0,
    seed: int = 0,
) -> Evaluation:
    """Evaluate models that share one feature layout on the test split and the pools."""
    metrics: dict[str, dict[str, float]] = {}
    curves: dict[str, ReliabilityCurve] = {}
    for model in models:
        metrics[model.name], curves[model.name] = regression_metrics(model, test)
    ranking = None
    if pools:
        ranking = evaluate_rankings(
            pools, {m.name: m.rank_score for m in models}, seed=seed, n_skipped=n_skipped
        )
        for name in (*metrics, RANDOM, ORACLE):
            metrics.setdefault(name, {}).update(ranking.summary(name))
    return Evaluation(metrics, curves, ranking, ranking_note, [m.name for m in models])


def load_oracle(data_dir: Path) -> Any | None:
    """The generator's oracle of a synthetic dataset; None for real data (no ``_oracle/``)."""
    if not (Path(data_dir) / ORACLE_DIR).is_dir():
        return None
    from features.synth import Oracle

    return Oracle.load(Path(data_dir))


@dataclass
class RankingSetup:
    """Pools of held-out vacancies (None when there is no oracle) and a note for reports."""

    pools: list[CandidatePool] | None
    note: str
    n_skipped: int = 0


def ranking_setup(
    dataset: Dataset,
    data_dir: Path,
    test: Part,
    builder: PairFeatureBuilder,
    rule_set: Any,
    max_vacancies: int,
    seed: int = 0,
    progress: Progress | None = None,
) -> RankingSetup:
    """Build candidate pools for the test period's vacancies if the dataset has an oracle."""
    oracle = load_oracle(data_dir)
    if oracle is None:
        return RankingSetup(
            None, f"ranking vs truth skipped: {data_dir} has no {ORACLE_DIR}/ (real data)"
        )
    vacancies = held_out_vacancies(test.moves, cap=max_vacancies, seed=seed)
    pools, skipped = candidate_pools(
        dataset, vacancies, builder, oracle, rule_set, progress=progress
    )
    note = (
        f"ranking on {len(pools)} held-out vacancies "
        f"({skipped} skipped: too few eligible candidates)"
    )
    if not pools:
        return RankingSetup(None, note + "; no vacancy left to rank", skipped)
    return RankingSetup(pools, note, skipped)
