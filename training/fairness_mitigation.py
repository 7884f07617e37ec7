"""What the mitigation in force costs and what the champion does on the same pools: the
oracle gain of the shortlists as served (after re-ranking), and the champion's ranks of a
training run's held-out pools (its reference column)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mutasi.settings import Settings
from training import tracking
from training.bundle import BundleError, load_bundle
from training.evaluate import Evaluation, RankingSetup
from training.fair_ranking import FairRankPolicy
from training.fairness_review import served_ranks
from training.metrics import ndcg_at_k, oracle_gain_fraction
from training.oracle_eval import (
    ORACLE,
    RANDOM,
    CandidatePool,
    K,
    RankingReport,
    score_pools,
    with_features,
)
from training.pipeline_inputs import PipelineInputs, fitted_builder

SERVED_GAIN = "served_ndcg_at_10_oracle_gain"


def served_gain(
    pools: Sequence[CandidatePool], ranks: Sequence[np.ndarray], ranking: RankingReport
) -> float:
    """Oracle-gain NDCG@k of given ranks (re-ranked shortlists) on the report's scale."""
    ndcg = float(
        np.mean(
            [
                ndcg_at_k(-r.astype(float), p.truth, ranking.k)
                for p, r in zip(pools, ranks, strict=True)
            ]
        )
    )
    return oracle_gain_fraction(ndcg, ranking.mean(RANDOM, "ndcg"), ranking.mean(ORACLE, "ndcg"))


def record_served_gain(
    evaluation: Evaluation, setup: RankingSetup, model: str, policy: FairRankPolicy
) -> None:
    """Add the served shortlists' oracle gain to the model's metrics (equal to the score
    order's without a re-ranking policy)."""
    ranking = evaluation.ranking
    if ranking is None or not setup.pools:
        return
    ranks = served_ranks(setup.pools, ranking.scores[model], K, policy)
    evaluation.metrics[model][SERVED_GAIN] = served_gain(setup.pools, ranks, ranking)


def champion_ranks(
    settings: Settings, setup: RankingSetup, inputs: PipelineInputs
) -> list[np.ndarray] | None:
    """The current champion's ranks (as it is served) of the held-out pools; None without a
    champion, pools, or a champion that can rank them (features it needs are not built)."""
    if not setup.pools:
        return None
    client = tracking.configure(settings)
    version = tracking.version_by_alias(client, settings.model_name, tracking.CHAMPION)
    if version is None:
        return None
    try:
        bundle = load_bundle(f"models:/{settings.model_name}/{version.version}", settings)
    except BundleError:
        return None
    pools = setup.pools
    if bundle.manifest.builder_params != inputs.builder_params:
        pools = with_features(pools, fitted_builder(inputs.dataset, bundle.manifest.builder_params))
    if any(name not in pools[0].features.columns for name in bundle.feature_names):
        return None
    scores = score_pools(pools, bundle.model.rank_score)
    policy = FairRankPolicy.from_dict(bundle.manifest.fairness_policy)
    return served_ranks(setup.pools, scores, K, policy)
