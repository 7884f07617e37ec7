"""The audit's input frame: every candidate of every held-out pool with its score, its rank
within the vacancy, its attributes and its standing against the post's stated requirements."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from training.fairness_explain import (
    REQUIREMENT_FEATURES,
    SHORTFALL,
    requirement_columns,
)
from training.oracle_eval import CandidatePool


class AuditInputError(ValueError):
    """Pools or scores the audit cannot use; the message names the pool."""


def vacancy_ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1..n by descending score; ties keep pool order, as the ranking metrics' top-k does."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    ranks = np.empty(order.size, dtype=np.int64)
    ranks[order] = np.arange(1, order.size + 1)
    return ranks


def shortlists(
    pools: Sequence[CandidatePool],
    scores: Sequence[np.ndarray],
    ranks: Sequence[np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per candidate of every pool: vacancy_id, nip, score, rank, the attributes and the
    pair's standing against the post's stated requirements (``competence``,
    ``stated_requirements``: :mod:`training.fairness_explain`).

    ``ranks`` (one array per pool) replaces the score order, for a re-ranked shortlist.
    """
    if len(pools) != len(scores) or (ranks is not None and len(ranks) != len(pools)):
        raise AuditInputError(f"{len(scores)} score arrays for {len(pools)} pools")
    keys, attributes, features = [], [], []
    for i, (pool, score) in enumerate(zip(pools, scores, strict=True)):
        vacancy = f"{pool.vacancy.position_id}@{pool.vacancy.as_of.date()}"
        if pool.attributes is None or len(pool.attributes) != pool.nips.size:
            raise AuditInputError(f"pool {vacancy}: candidates lack their audit attributes")
        if len(score) != pool.nips.size:
            raise AuditInputError(
                f"pool {vacancy}: {len(score)} scores for {pool.nips.size} candidates"
            )
        rank = vacancy_ranks(score) if ranks is None else np.asarray(ranks[i], dtype=np.int64)
        keys.append(
            pd.DataFrame({"vacancy_id": vacancy, "nip": pool.nips, "score": score, "rank": rank})
        )
        attributes.append(pool.attributes.reset_index(drop=True))
        part = pool.features.reindex(columns=list(REQUIREMENT_FEATURES)).reset_index(drop=True)
        features.append(part.assign(_assessed=SHORTFALL in pool.features.columns))
    if not keys:
        raise AuditInputError("no pools: nothing to audit")
    # Every pool's attributes share the contract's dtypes, so categories (and the age bands'
    # declared order) survive the concatenation. The requirement columns are computed once,
    # over all pools (a pool whose features lack a column gets it missing).
    pairs = pd.concat(features, ignore_index=True)
    assessed = pairs.pop("_assessed").to_numpy(dtype=bool)
    requirements = requirement_columns(pairs, assessed)
    return pd.concat(
        [
            pd.concat(keys, ignore_index=True),
            pd.concat(attributes, ignore_index=True),
            requirements,
        ],
        axis=1,
    )
