"""Merit-based fairness on synthetic pools where the truth is known (issue 13's done-when):

- a protected group that is *truly* less qualified: an honest model shortlists it less, raises
  a four-fifths flag, but no flag beyond the truth, and the gate passes it;
- a model *made* to penalise a group through a planted proxy feature (trained on labels that
  punish the group, the feature standing in for it): flagged beyond the truth and today's
  practice, the gate refuses it, the causes name the proxy, and FA*IR re-ranking removes the
  flag so that the gate passes.

Today's practice in both: each vacancy filled by the candidate with the best true performance
plus noise (a merit-based, imperfect history).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from tests.model.fairness_cases import POOL, synthetic_pools
from training.fair_ranking import FairRankPolicy
from training.fairness_audit import shortlist_review
from training.fairness_causes import neutralise, shap_by_group
from training.fairness_review import GateRule, Review
from training.model import FitModel, LgbParams
from training.oracle_eval import CandidatePool
from training.promote import DEFAULT_GATES, Comparison, PromotionContext, decide

RULE = GateRule(margin=0.05, level=0.05)
MITIGATION = FairRankPolicy(method="fair", attributes=("gender",), alpha=0.7)


def _review(pools: list[CandidatePool], transfers: pd.DataFrame, scores: list[np.ndarray],
            policy: FairRankPolicy | None = None) -> Review:  # fmt: skip
    _, review = shortlist_review(
        pools, scores, policy or FairRankPolicy(), transfers=transfers, n_bootstrap=300, seed=1
    )
    return review


def _verdict(review: Review, group: str = "P") -> pd.Series:
    verdicts = review.verdicts(RULE)
    return verdicts.loc[(verdicts["attribute"] == "gender") & (verdicts["group"] == group)].iloc[0]


def _gate(review: Review) -> tuple[bool, str]:
    """The promotion decision of a first model (no champion) whose metrics pass."""
    ctx = PromotionContext(
        Comparison("ndcg_at_10_oracle_gain", "1", {"ndcg_at_10_oracle_gain": 0.9, "rmse": 0.4}),
        challenger=SimpleNamespace(fairness=None),  # type: ignore[arg-type]
        champion=None,
        holdout=None,
        review=review,
        rule=RULE,
    )
    decision = decide(ctx, DEFAULT_GATES)
    return decision.promoted, decision.reason


@pytest.fixture(scope="module")
def less_qualified() -> Review:
    pools, transfers = synthetic_pools(penalty=0.6, seed=3)
    honest = [p.truth + np.random.default_rng(i).normal(0, 0.05, POOL) for i, p in enumerate(pools)]
    return _review(pools, transfers, honest)


def test_a_truly_less_qualified_group_is_flagged_but_not_beyond_the_truth(
    less_qualified: Review,
) -> None:
    women = _verdict(less_qualified)
    assert women["flag"], "the honest model shortlists the less qualified group less"
    assert not women["worse_oracle"]
    assert not less_qualified.verdicts(RULE).query("role == 'protected'")["worse_oracle"].any()
    assert less_qualified.blocking(RULE).empty
    line = next(li for li in less_qualified.flag_lines(RULE) if li.startswith("gender=P"))
    assert "the truth" in line
    assert "today's practice" in line
    assert "blocks" not in line


def test_the_gate_passes_the_honest_model(less_qualified: Review) -> None:
    promoted, reason = _gate(less_qualified)
    assert promoted, reason
    assert "no protected group worse than today's practice" in reason


@pytest.fixture(scope="module")
def planted() -> tuple[FitModel, list[CandidatePool], pd.DataFrame]:
    """A LightGBM model trained on labels that punish women; ``proxy`` lets it see gender."""
    rng = np.random.default_rng(11)
    n = 3000
    women = rng.random(n) < 0.5
    frame = pd.DataFrame({"merit": rng.normal(size=n), "proxy": women + rng.normal(0, 0.3, n)})
    labels = np.clip(3.0 + 0.5 * frame["merit"] - 0.6 * women + rng.normal(0, 0.3, n), 1, 5)
    model = FitModel(["merit", "proxy"], [1, 0], LgbParams(num_boost_round=200), seed=7).fit(
        frame.iloc[:2400], labels[:2400].to_numpy(), frame.iloc[2400:], labels[2400:].to_numpy()
    )
    pools, transfers = synthetic_pools(penalty=0.0, seed=5)
    return model, pools, transfers


def test_a_planted_proxy_raises_a_flag_beyond_the_truth_and_the_gate_refuses(
    planted: tuple[FitModel, list[CandidatePool], pd.DataFrame],
) -> None:
    model, pools, transfers = planted
    review = _review(pools, transfers, [model.rank_score(p.features) for p in pools])
    women = _verdict(review)
    assert women["flag"]
    assert women["worse_oracle"]
    assert women["worse_status_quo"]
    assert women["blocked"]
    promoted, reason = _gate(review)
    assert not promoted
    assert "gender=P selection impact ratio: this model" in reason


def test_the_causes_name_the_planted_proxy(
    planted: tuple[FitModel, list[CandidatePool], pd.DataFrame],
) -> None:
    model, pools, transfers = planted
    review = _review(pools, transfers, [model.rank_score(p.features) for p in pools])
    groups = [("gender", "P")]
    shap = shap_by_group(model, pools, review.references, groups)
    assert shap.sort_values("gap")["feature"].iloc[0] == "proxy"
    assert shap["versus"].iloc[0] == "L"
    flat = neutralise(model, pools, review.references, groups, None, shap)
    proxy = flat.loc[flat["feature"] == "proxy"].iloc[0]
    assert proxy["ratio_after"] > 0.8 > proxy["ratio_before"]


def test_fair_re_ranking_removes_the_flag_and_the_gate_then_passes(
    planted: tuple[FitModel, list[CandidatePool], pd.DataFrame],
) -> None:
    model, pools, transfers = planted
    scores = [model.rank_score(p.features) for p in pools]
    review = _review(pools, transfers, scores, MITIGATION)
    women = _verdict(review)
    assert not women["blocked"]
    assert not women["worse_oracle"]
    assert women["ratio"] >= 0.8
    assert "unmitigated" in review.references.sources  # the score order stays on record
    row = review.references.row("gender", "P")
    assert row["unmitigated_ratio"] < 0.8 <= row["model_ratio"]
    promoted, reason = _gate(review)
    assert promoted, reason
    assert "ranking: fa*ir(target=1, alpha=0.7: gender)" in reason
