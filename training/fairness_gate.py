"""The fairness gate of ``mutasi promote``: the challenger's shortlists, as they would be served,
may not treat a protected group worse than today's practice and the champion, beyond what merit
explains (the rule is in :mod:`training.fairness_review`).

Without a champion, the reference is the status quo alone, read from the review the challenger's
training run stored in its bundle. With a champion, both versions rank the challenger's held-out
pools again here (each with its own re-ranking policy) and the review is computed afresh, so
that champion, status quo and challenger are compared on the same vacancies and resamples.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.bundle import ModelBundle
from training.evaluate import Evaluation
from training.fair_ranking import FairRankPolicy
from training.fairness_audit import audit_pools, shortlist_review
from training.fairness_review import GateRule, Review, served_ranks
from training.holdout import Holdout
from training.oracle_eval import CandidatePool, K, score_pools, with_features
from training.pipeline_inputs import fitted_builder
from training.propensity import PropensityConfig


def judge(review: Review | None, rule: GateRule, champion_version: str | None) -> tuple[bool, str]:
    """(passed, reason) of the fairness gate on a challenger's review."""
    if review is None:
        return False, "challenger has no fairness review (trained before issue 13): retrain it"
    if not review.has_acceptable_reference():
        return False, (
            "no reference to compare with: no held-out vacancy's actual mover is in its pool "
            "and there is no champion"
        )
    refs = "today's practice" + (f" and champion v{champion_version}" if champion_version else "")
    blocking = review.blocking(rule)
    if len(blocking):
        lines = "; ".join(
            review.references.describe(a, g)
            for a, g in zip(blocking["attribute"], blocking["group"], strict=True)
        )
        merit = str(blocking["merit"].iloc[0])
        return False, (
            f"{len(blocking)} protected group(s) shortlisted confidently worse than {refs} "
            f"(margin {rule.margin:g}) beyond what {merit} explains; mitigation in force: "
            f"{review.mitigation}: {lines}"
        )
    verdicts = review.verdicts(rule)
    flagged = int((verdicts["flag"] & (verdicts["role"] == "protected")).sum())
    return True, (
        f"no protected group worse than {refs} beyond what merit explains "
        f"({flagged} four-fifths flag(s) within the references; mitigation: {review.mitigation})"
    )


def _scores(
    bundle: ModelBundle,
    pools: Sequence[CandidatePool],
    evaluation: Evaluation | None,
    holdout: Holdout,
) -> list[np.ndarray]:
    """A version's scores of the pools: its evaluation's when it has them, else scored here
    (with its own feature builder if it differs from the holdout's)."""
    if evaluation is not None and evaluation.ranking is not None:
        return list(evaluation.ranking.scores[bundle.model.name])
    own = pools
    if bundle.manifest.builder_params != holdout.inputs.builder_params:
        builder = fitted_builder(holdout.inputs.dataset, bundle.manifest.builder_params)
        own = with_features(pools, builder)
    return score_pools(own, bundle.model.rank_score)


def holdout_review(
    challenger: ModelBundle,
    champion: ModelBundle,
    holdout: Holdout,
    evaluations: tuple[Evaluation | None, Evaluation | None] = (None, None),
) -> Review | None:
    """The challenger's review with a champion column, on the challenger's held-out pools
    (None when no held-out vacancy has a pool)."""
    pools = holdout.ranking.pools or audit_pools(
        holdout.inputs, holdout.test, challenger.manifest.max_vacancies, holdout.seed
    )
    if not pools:
        return None
    champion_policy = FairRankPolicy.from_dict(champion.manifest.fairness_policy)
    champion_scores = _scores(champion, pools, evaluations[1], holdout)
    _, review = shortlist_review(
        pools,
        _scores(challenger, pools, evaluations[0], holdout),
        FairRankPolicy.from_dict(challenger.manifest.fairness_policy),
        transfers=holdout.inputs.dataset.transfers,
        champion_ranks=served_ranks(pools, champion_scores, K, champion_policy),
        training_mitigation=PropensityConfig.from_dict(
            challenger.manifest.training_mitigation
        ).name,
        seed=holdout.seed,
    )
    return review
