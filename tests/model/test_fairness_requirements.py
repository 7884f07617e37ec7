"""Gaps against the posts' stated requirements (training/fairness_explain.py), on hand-made pools
without an oracle (real data: the truth is unknown):

- a shortlist that prefers candidates whose degree field the post lists leaves a group with
  fewer such degrees behind; the gap is *explained* by the stated requirements, and for a
  protected group it then does not block promotion even where today's practice did better;
- a shortlist that penalises the group itself, whatever its degrees, is *not explained* and
  blocks.

Today's practice: each vacancy filled by a candidate drawn at random from its pool.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.model.fairness_cases import pool_keys
from training.fair_ranking import FairRankPolicy
from training.fairness_audit import shortlist_review
from training.fairness_explain import FIELD, SHORTFALL, verdict_of
from training.fairness_review import GateRule, Review
from training.oracle_eval import CandidatePool

N_VACANCIES, POOL = 70, 50
RULE = GateRule()


def _pools(
    group: str, field_rate: tuple[float, float], direct_penalty: float, seed: int
) -> tuple[list[CandidatePool], list[np.ndarray], pd.DataFrame]:
    """Pools, scores and today's moves: members of ``group`` (a gender or ``SMA``) hold a
    listed degree field at ``field_rate[1]`` (others at ``field_rate[0]``); scores follow the
    field, minus ``direct_penalty`` for members."""
    rng = np.random.default_rng(seed)
    pools, scores, moves = [], [], []
    for v in range(N_VACANCIES):
        gender = np.array(["L", "P"] * (POOL // 2), dtype=object)
        education = np.where(rng.random(POOL) < 0.3, "SMA", "S1").astype(object)
        member = (gender == group) if group in ("L", "P") else (education == group)
        field = (rng.random(POOL) < np.where(member, field_rate[1], field_rate[0])).astype(float)
        vacancy, nips, attributes = pool_keys(v, gender, rng, education_level=education)
        features = pd.DataFrame({FIELD: field, SHORTFALL: np.zeros(POOL)})
        scores.append(2.0 * field + rng.normal(0, 0.5, POOL) - direct_penalty * member)
        pools.append(CandidatePool(vacancy, nips, features, np.full(POOL, np.nan), attributes))
        moves.append((nips[rng.integers(POOL)], vacancy.position_id, vacancy.as_of))
    transfers = pd.DataFrame(moves, columns=["nip", "to_position_id", "effective_date"])
    return pools, scores, transfers


def _review(group: str, field_rate: tuple[float, float], penalty: float) -> Review:
    pools, scores, transfers = _pools(group, field_rate, penalty, seed=4)
    _, review = shortlist_review(
        pools, scores, FairRankPolicy(), transfers=transfers, n_bootstrap=200, seed=2
    )
    return review


def _row(review: Review, attribute: str, group: str) -> pd.Series:
    frame = review.explanation.groups.set_index(["attribute", "group"])
    return frame.loc[(attribute, group)]


def test_the_verdict_reads_the_raw_and_the_adjusted_ratio() -> None:
    assert verdict_of(0.9, 0.5) == "no gap"
    assert verdict_of(0.5, 0.95) == "explained"
    assert verdict_of(0.5, 0.6) == "not explained"
    assert verdict_of(float("nan"), 1.0) == "not compared"


@pytest.mark.parametrize(("penalty", "verdict"), [(0.0, "explained"), (1.5, "not explained")])
def test_a_qualification_gap_is_checked_against_the_stated_requirements(
    penalty: float, verdict: str
) -> None:
    review = _review("SMA", (0.8, 0.15), penalty)
    row = _row(review, "education_level", "SMA")
    assert row["role"] == "qualification"
    assert row["raw_ratio"] < 0.8
    assert row["verdict"] == verdict
    # Qualifications are reported, never gated.
    verdicts = review.verdicts(RULE)
    assert not verdicts.loc[verdicts["attribute"] == "education_level", "blocked"].any()


def test_without_the_truth_a_protected_gap_the_requirements_explain_does_not_block() -> None:
    review = _review("P", (0.8, 0.3), 0.0)
    assert "oracle" not in review.references.sources
    verdicts = review.verdicts(RULE).set_index(["attribute", "group"])
    women = verdicts.loc[("gender", "P")]
    assert women["flag"]
    assert women["worse_status_quo"]
    assert women["merit"] == "the posts' stated requirements"
    assert women["requirements"] == "explained"
    assert not women["blocked"]


def test_without_the_truth_a_protected_gap_the_requirements_do_not_explain_blocks() -> None:
    review = _review("P", (0.8, 0.8), 1.5)
    women = review.verdicts(RULE).set_index(["attribute", "group"]).loc[("gender", "P")]
    assert women["flag"]
    assert women["worse_status_quo"]
    assert women["requirements"] == "not explained"
    assert women["blocked"]
    assert _row(review, "gender", "P")["adjusted_ratio"] < 0.8
