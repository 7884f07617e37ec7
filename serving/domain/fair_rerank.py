"""The fairness policy of a ranking answer: FA*IR re-ranking of the shortlist when the served
model version was trained and audited with it (its bundle's ``fairness_policy``).

The policy belongs to the model version, not to the service: the promotion gate judged the
shortlists of that version as re-ranked by that policy, so serving applies exactly it, and every
answer says which policy produced it (``fairness`` in the answer, kept byte for byte in the
audit log). Scores never see the protected attributes; the re-ranking reads them from the
employee state only to guarantee each group its minimum share of every prefix
(:mod:`training.fair_ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from serving.schemas.rankings import FairnessApplied
from serving.state import AsOfView, ServingState
from training.fair_ranking import (
    FairRankPolicy,
    Shortlisted,
    base_attributes,
    fair_top,
)
from training.oracle_eval import AUDIT_ATTRIBUTES


def serving_policy(state: ServingState) -> FairRankPolicy:
    """The re-ranking policy of the served version (``none`` for versions from before)."""
    return FairRankPolicy.from_dict(state.bundle.manifest.fairness_policy)


@dataclass
class FairSelection:
    """Picks the returned rows from all eligible rows' scores and remembers what it did."""

    policy: FairRankPolicy
    view: AsOfView
    rows: np.ndarray  # snapshot rows of the eligible candidates, in score-array order
    keys: np.ndarray  # tie-break keys (NIPs), as plain top-k uses them
    k: int
    result: Shortlisted | None = None
    score_rank: np.ndarray | None = None  # per score row; set for the returned rows only

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        # Pandas arrays, not object arrays: categorical codes are read, not re-hashed.
        codes = {
            a: self.view.state[AUDIT_ATTRIBUTES[a]].array[self.rows]
            for a in base_attributes(self.policy.attributes)
        }
        # No sort of the pool: ties broken by NIP as plain top-k breaks them.
        self.result = fair_top(scores, codes, self.k, self.policy, keys=self.keys)
        self.score_rank = np.zeros(len(scores), dtype=np.int64)
        self.score_rank[self.result.top] = self.result.ranks
        return self.result.top

    def applied(self) -> FairnessApplied:
        """What the answer says about the policy."""
        return applied(self.policy, self.result)


def applied(policy: FairRankPolicy, result: Shortlisted | None = None) -> FairnessApplied:
    """The answer's ``fairness`` block."""
    return FairnessApplied(
        policy=policy.name,
        method=policy.method,
        attributes=list(policy.attributes) if policy.active else [],
        target=policy.target if policy.active else None,
        alpha=policy.alpha if policy.active else None,
        moved_up=result.moved if result is not None else 0,
        unmet_groups=list(result.unmet) if result is not None else [],
    )


def selector(
    policy: FairRankPolicy, view: AsOfView, rows: np.ndarray, keys: np.ndarray, k: int
) -> FairSelection | None:
    """A selection for ``score_top`` when the policy re-ranks; None for plain top-k."""
    if not policy.active:
        return None
    for attribute in base_attributes(policy.attributes):
        if attribute not in AUDIT_ATTRIBUTES:
            raise ValueError(f"fairness policy: unknown attribute {attribute!r}")
    return FairSelection(policy, view, rows, keys, k)
