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
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from training.bundle import FAIRNESS_REPORT, FAIRNESS_REVIEW
from training.evaluate import Evaluation, RankingSetup, load_oracle
from training.fair_ranking import FairRankPolicy
from training.fairness import ATTRIBUTES, FairnessReport, fairness_report
from training.fairness_causes import find_causes
from training.fairness_explain import explain_by_requirements
from training.fairness_review import (
    GateRule,
    Review,
    build_review,
    reference_selections,
    served_ranks,
)
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
from training.shortlists import shortlists
from training.training_set import Part, Progress, SplitName

FAIRNESS_MD = "fairness/report.md"
PROXY_CSV = "proxy/proxy_check.csv"
N_BOOTSTRAP = 500


@dataclass(frozen=True)
class AuditOptions:
    """What the audit needs besides the model and its pools: the mitigation in force, the
    training moves' propensity weights, the champion's ranks of the same pools (if one exists)
    and the gate's rule (which flags need a cause)."""

    policy: FairRankPolicy = field(default_factory=FairRankPolicy)
    training_mitigation: str = "none"
    weights: np.ndarray | None = None
    champion_ranks: Sequence[np.ndarray] | None = None
    rule: GateRule = field(default_factory=GateRule)
    causes: bool = True
    propensity: dict[str, float] = field(default_factory=dict)  # diagnostics of the weights


@dataclass(frozen=True)
class Audit:
    """Fairness report of the shortlists (as served), proxy check of the training features,
    and the review against the references (None for an audit without one)."""

    report: FairnessReport
    proxy: pd.DataFrame
    review: Review | None = None
    propensity: dict[str, float] = field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        """MLflow metrics: the report's, the all-features proxy AUCs and the review's lowest
        protected-attribute ratio per column (``fairness.review.<attribute>.min_ratio.<col>``)."""
        joint = self.proxy.loc[self.proxy["feature"] == ALL_FEATURES]
        proxy = {
            f"proxy.{attribute}.all_features_auc": float(value)
            for attribute, value in zip(joint["attribute"], joint["value"], strict=True)
            if np.isfinite(value)
        }
        return self.report.metrics() | proxy | review_metrics(self.review) | self.propensity

    def write(self, out: Path) -> None:
        """``fairness/report.json`` and ``.md``, ``fairness/review.json``, the proxy check."""
        write_report(self.report, out)
        (out / FAIRNESS_MD).write_text(self.report.to_markdown(), encoding="utf-8")
        (out / PROXY_CSV).parent.mkdir(parents=True, exist_ok=True)
        self.proxy.to_csv(out / PROXY_CSV, index=False)
        if self.review is not None:
            write_review(self.review, out)


def review_metrics(review: Review | None) -> dict[str, float]:
    """The review's lowest ratio per protected attribute and column, and the blocking count."""
    if review is None:
        return {}
    groups = review.references.groups
    compared = groups.loc[~groups["excluded"] & (groups["role"] == "protected")]
    out = {"fairness.review.blocking_groups": float(len(review.blocking()))}
    for attribute, rows in compared.groupby("attribute", sort=False):
        for source in review.references.sources:
            value = float(rows[f"{source}_ratio"].min())
            if np.isfinite(value):
                out[f"fairness.review.{attribute}.min_ratio.{source}"] = value
    return out


def write_review(review: Review, out: Path) -> Path:
    """The review as ``<out>/fairness/review.json``."""
    path = out / FAIRNESS_REVIEW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(review.to_dict(), indent=2), encoding="utf-8")
    return path


def write_report(report: FairnessReport, out: Path) -> Path:
    """The report as ``<out>/fairness/report.json``."""
    path = out / FAIRNESS_REPORT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    return path


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
    options: AuditOptions | None = None,
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
    return audit_model(model, pools, scores, parts["train"], inputs, retired, seed, options=options)


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
    options: AuditOptions | None = None,
) -> Audit:
    """Fairness report of the model's shortlists of the pools as served (re-ranked if the
    policy says so), the proxy check, and the review against the references with its causes.

    The proxy check looks at the training rows' features the model can use (retired,
    always-missing ones left out) against the gender and age band of their employees at the
    move date.
    """
    options = options or AuditOptions()
    report, review = shortlist_review(
        pools, scores, options.policy,
        transfers=inputs.dataset.transfers, champion_ranks=options.champion_ranks,
        training_mitigation=options.training_mitigation, n_bootstrap=n_bootstrap, seed=seed,
    )  # fmt: skip
    usable = [name for name in model.feature_names if name not in set(retired)]
    triples = train.moves[["nip", "position_id", "as_of"]]
    protected = inputs.builder.protected(triples).drop(columns="nip")
    proxy = proxy_check(train.features[usable], protected, seed=seed)
    if options.causes:
        causes = find_causes(
            model, pools, review.references, options.rule, proxy,
            move_attributes(inputs, train.moves), train, load_oracle(inputs.data_dir),
            options.weights, seed,
        )  # fmt: skip
        review = replace(review, causes=causes)
    return Audit(report, proxy, review, dict(options.propensity))


def shortlist_review(
    pools: Sequence[CandidatePool],
    scores: Sequence[np.ndarray],
    policy: FairRankPolicy,
    *,
    transfers: pd.DataFrame | None,
    champion_ranks: Sequence[np.ndarray] | None = None,
    training_mitigation: str = "none",
    n_bootstrap: int = N_BOOTSTRAP,
    seed: int = 0,
) -> tuple[FairnessReport, Review]:
    """The report of the shortlists as served under ``policy`` and their review against the
    references (status quo from ``transfers``, the truth where the pools know it, the
    champion's ranks if given); no causes (those need the training data)."""
    ranks = served_ranks(pools, scores, K, policy)
    frame = shortlists(pools, scores, ranks)
    # Pools built by oracle_eval carry every attribute; hand-made ones may carry fewer.
    present = [a for a in ATTRIBUTES if a in frame.columns]
    report = fairness_report(frame, k=K, attributes=present, n_bootstrap=n_bootstrap, seed=seed)
    explanation = explain_by_requirements(frame, report.groups, K, n_bootstrap, seed)
    selections = reference_selections(
        pools, scores, ranks, K,
        transfers=transfers, re_ranked=policy.active, champion_ranks=champion_ranks,
    )  # fmt: skip
    review = build_review(
        pools, selections, explanation, policy,
        k=K, n_bootstrap=n_bootstrap, seed=seed, training_mitigation=training_mitigation,
        frame=frame,
    )  # fmt: skip
    return report, review


def move_attributes(inputs: PipelineInputs, moves: pd.DataFrame) -> pd.DataFrame:
    """Gender, age band and region of origin of the moved employees at their move dates."""
    triples = moves[["nip", "position_id", "as_of"]].reset_index(drop=True)
    protected = inputs.builder.protected(triples)
    home = inputs.dataset.employees.set_index("nip")["home_region_code"]
    region = home.reindex(protected["nip"].astype(str)).to_numpy(dtype=object)
    return protected.drop(columns="nip").assign(region_of_origin=region).reset_index(drop=True)
