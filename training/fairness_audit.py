"""The fairness audit of a trained model: its shortlists of the held-out vacancies, the fairness
report on them and the proxy check of its training features.

The shortlists reuse the candidate pools and the model's scores of the ranking evaluation
(:mod:`training.oracle_eval`); only when there is no ranking evaluation (real data, no oracle) are
pools built and scored here, once. Every candidate of a pool is a row, ranked within its vacancy
over the whole eligible pool. The files go to the MLflow run and into the bundle
(``fairness/report.json``), where promotion and serving read them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from training.bundle import FAIRNESS_REPORT
from training.evaluate import Evaluation, RankingSetup, load_oracle
from training.fairness import FairnessReport, fairness_report
from training.model import FitModel
from training.oracle_eval import (
    CandidatePool,
    K,
    candidate_pools,
    held_out_vacancies,
    score_pools,
)
from training.pipeline_inputs import PipelineInputs
from training.proxy import ALL_FEATURES, proxy_check
from training.training_set import Part, Progress, SplitName

FAIRNESS_MD = "fairness/report.md"
PROXY_CSV = "proxy/proxy_check.csv"
N_BOOTSTRAP = 500


class AuditInputError(ValueError):
    """Pools or scores the audit cannot use; the message names the pool."""


@dataclass(frozen=True)
class Audit:
    """Fairness report of the shortlists and proxy check of the training features."""

    report: FairnessReport
    proxy: pd.DataFrame

    def metrics(self) -> dict[str, float]:
        """MLflow metrics: the report's, and per attribute the all-features proxy AUC."""
        joint = self.proxy.loc[self.proxy["feature"] == ALL_FEATURES]
        proxy = {
            f"proxy.{attribute}.all_features_auc": float(value)
            for attribute, value in zip(joint["attribute"], joint["value"], strict=True)
            if np.isfinite(value)
        }
        return self.report.metrics() | proxy

    def write(self, out: Path) -> None:
        """``fairness/report.json``, ``fairness/report.md`` and ``proxy/proxy_check.csv``."""
        write_report(self.report, out)
        (out / FAIRNESS_MD).write_text(self.report.to_markdown(), encoding="utf-8")
        (out / PROXY_CSV).parent.mkdir(parents=True, exist_ok=True)
        self.proxy.to_csv(out / PROXY_CSV, index=False)


def write_report(report: FairnessReport, out: Path) -> Path:
    """The report as ``<out>/fairness/report.json``."""
    path = out / FAIRNESS_REPORT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    return path


def vacancy_ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1..n by descending score; ties keep pool order, as the ranking metrics' top-k does."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    ranks = np.empty(order.size, dtype=np.int64)
    ranks[order] = np.arange(1, order.size + 1)
    return ranks


def shortlists(pools: Sequence[CandidatePool], scores: Sequence[np.ndarray]) -> pd.DataFrame:
    """One row per candidate of every pool: vacancy_id, nip, score, rank and the attributes."""
    if len(pools) != len(scores):
        raise AuditInputError(f"{len(scores)} score arrays for {len(pools)} pools")
    parts = []
    for pool, score in zip(pools, scores, strict=True):
        vacancy = f"{pool.vacancy.position_id}@{pool.vacancy.as_of.date()}"
        if pool.attributes is None or len(pool.attributes) != pool.nips.size:
            raise AuditInputError(f"pool {vacancy}: candidates lack their audit attributes")
        if len(score) != pool.nips.size:
            raise AuditInputError(
                f"pool {vacancy}: {len(score)} scores for {pool.nips.size} candidates"
            )
        keys = pd.DataFrame(
            {"vacancy_id": vacancy, "nip": pool.nips, "score": score, "rank": vacancy_ranks(score)}
        )
        parts.append(pd.concat([keys, pool.attributes.reset_index(drop=True)], axis=1))
    if not parts:
        raise AuditInputError("no pools: nothing to audit")
    # Every pool's attributes share the contract's dtypes, so categories (and the age bands'
    # declared order) survive the concatenation.
    return pd.concat(parts, ignore_index=True)


def audit_training(
    model: FitModel,
    evaluation: Evaluation,
    setup: RankingSetup,
    inputs: PipelineInputs,
    parts: dict[SplitName, Part],
    retired: Sequence[str],
    max_vacancies: int,
    seed: int,
    progress: Progress | None = None,
) -> Audit | None:
    """Audit a freshly trained model; None when no held-out vacancy could be ranked.

    With an oracle, the ranking evaluation already built and scored the pools: reuse both.
    Without one (real data), build the same held-out vacancies' pools and score them once.
    """
    if setup.pools and evaluation.ranking is not None:
        pools, scores = setup.pools, evaluation.ranking.scores[model.name]
    else:
        pools = audit_pools(inputs, parts["test"], max_vacancies, seed, progress)
        scores = score_pools(pools, model.rank_score)
    if not pools:
        return None
    return audit_model(model, pools, scores, parts["train"], inputs, retired, seed)


def audit_pools(
    inputs: PipelineInputs,
    test: Part,
    max_vacancies: int,
    seed: int,
    progress: Progress | None = None,
) -> list[CandidatePool]:
    """Pools of the test split's held-out vacancies, without truth (for data with no oracle)."""
    if load_oracle(inputs.data_dir) is not None:
        return []  # the ranking evaluation built these pools: none had enough candidates
    vacancies = held_out_vacancies(test.moves, cap=max_vacancies, seed=seed)
    pools, _ = candidate_pools(
        inputs.dataset, vacancies, inputs.builder, None, inputs.rule_set, progress=progress
    )
    return pools


def audit_model(
    model: FitModel,
    pools: Sequence[CandidatePool],
    scores: Sequence[np.ndarray],
    train: Part,
    inputs: PipelineInputs,
    retired: Sequence[str] = (),
    seed: int = 0,
    n_bootstrap: int = N_BOOTSTRAP,
) -> Audit:
    """Fairness report of the model's ``scores`` of the pools, and the proxy check.

    The proxy check looks at the training rows' features the model can use (retired,
    always-missing ones left out) against the gender and age band of their employees at the
    move date.
    """
    report = fairness_report(shortlists(pools, scores), k=K, n_bootstrap=n_bootstrap, seed=seed)
    usable = [name for name in model.feature_names if name not in set(retired)]
    triples = train.moves[["nip", "position_id", "as_of"]]
    protected = inputs.builder.protected(triples).drop(columns="nip")
    proxy = proxy_check(train.features[usable], protected, seed=seed)
    return Audit(report, proxy)
