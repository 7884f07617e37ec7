"""Shortlists of the fairness audit on hand-made pools: ranks, keys, attributes, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.asof import age_band
from training.fairness_explain import COMPETENCE, STRATUM
from training.metrics import top_k
from training.oracle_eval import AUDIT_ATTRIBUTES, CandidatePool, Vacancy
from training.shortlists import AuditInputError, shortlists, vacancy_ranks


def _pool(position: str, scores: list[float], genders: list[str]) -> CandidatePool:
    n = len(scores)
    attributes = pd.DataFrame(
        {
            "gender": pd.Categorical(genders, categories=["L", "P"]),
            "age_band": age_band(np.linspace(25.0, 55.0, n)),
            "education_level": ["S1"] * n,
            "region_of_origin": ["7501"] * n,
        }
    )
    return CandidatePool(
        Vacancy(position, pd.Timestamp("2024-03-01")),
        np.array([f"{position}-{i}" for i in range(n)], dtype=object),
        pd.DataFrame(index=range(n)),
        np.full(n, np.nan),
        attributes,
    )


def test_ranks_follow_scores_and_ties_keep_pool_order_like_top_k() -> None:
    scores = np.array([0.5, 2.0, 2.0, -1.0, 0.5])
    ranks = vacancy_ranks(scores)
    assert ranks.tolist() == [3, 1, 2, 5, 4]
    for k in range(1, 6):
        assert set(np.flatnonzero(ranks <= k)) == set(top_k(scores, k))


def test_shortlists_one_row_per_candidate_with_attributes() -> None:
    pools = [_pool("A", [1.0, 3.0, 2.0], ["L", "P", "L"]), _pool("B", [0.0, 5.0], ["P", "P"])]
    frame = shortlists(pools, [np.array([1.0, 3.0, 2.0]), np.array([0.0, 5.0])])
    attributes = list(pools[0].attributes.columns)  # type: ignore[union-attr]
    assert set(attributes) <= set(AUDIT_ATTRIBUTES)
    assert list(frame.columns) == [
        "vacancy_id", "nip", "score", "rank", *attributes, COMPETENCE, STRATUM,
    ]  # fmt: skip
    # Pools without the requirement features: standing unknown, one stratum per vacancy.
    assert frame[COMPETENCE].isna().all()
    assert set(frame[STRATUM]) == {"field ? / ?"}
    assert frame["vacancy_id"].tolist() == ["A@2024-03-01"] * 3 + ["B@2024-03-01"] * 2
    assert frame["rank"].tolist() == [3, 1, 2, 2, 1]
    assert frame["gender"].tolist() == ["L", "P", "L", "P", "P"]
    assert isinstance(frame["age_band"].dtype, pd.CategoricalDtype)
    assert frame["age_band"].cat.ordered


def test_shortlists_refuse_what_they_cannot_audit() -> None:
    pool = _pool("A", [1.0, 2.0], ["L", "P"])
    with pytest.raises(AuditInputError, match="pool A@2024-03-01: 3 scores for 2 candidates"):
        shortlists([pool], [np.array([1.0, 2.0, 3.0])])
    with pytest.raises(AuditInputError, match="1 score arrays for 2 pools"):
        shortlists([pool, pool], [np.array([1.0, 2.0])])
    bare = CandidatePool(pool.vacancy, pool.nips, pool.features, pool.truth)
    with pytest.raises(AuditInputError, match="lack their audit attributes"):
        shortlists([bare], [np.array([1.0, 2.0])])
    with pytest.raises(AuditInputError, match="no pools"):
        shortlists([], [])
