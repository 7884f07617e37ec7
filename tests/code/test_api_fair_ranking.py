"""Rankings say which fairness policy produced them, and apply the served version's FA*IR
policy: every prefix of the shortlist holds its groups' minimums, score ranks stay on record, and
the audit log keeps the same answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from features.eligibility import evaluate_eligibility
from serving.api.security import Role
from tests.serving_fixtures import headers
from training.fair_ranking import FairRankPolicy, prefix_minimums

HR, AUDITOR = headers(Role.HR_SYSTEM), headers(Role.AUDITOR)
POLICY = FairRankPolicy(method="fair", attributes=("gender",), target=1.0, alpha=0.7)


def _state(client: TestClient) -> Any:
    return client.app.state.holder.current  # type: ignore[attr-defined]


def _position(client: TestClient) -> str:
    ids = sorted(_state(client).targets)
    return ids[len(ids) // 2]


@pytest.fixture
def fair_policy(api: TestClient) -> Iterator[FairRankPolicy]:
    """The served version's manifest switched to a strong FA*IR policy on gender."""
    manifest = _state(api).bundle.manifest
    before = manifest.fairness_policy
    manifest.fairness_policy = POLICY.to_dict()
    yield POLICY
    manifest.fairness_policy = before


def test_a_ranking_without_a_policy_says_so(api: TestClient) -> None:
    body = api.post(f"/v1/positions/{_position(api)}/rankings", json={"k": 5}, headers=HR).json()
    assert body["fairness"] == {
        "policy": "none", "method": "none", "attributes": [], "target": None, "alpha": None,
        "moved_up": 0, "unmet_groups": [],
    }  # fmt: skip
    assert [c["score_rank"] for c in body["candidates"]] == [c["rank"] for c in body["candidates"]]


def test_fa_ir_re_ranks_the_shortlist_and_the_audit_keeps_the_policy(
    api: TestClient, fair_policy: FairRankPolicy
) -> None:
    k = 10
    state = _state(api)
    view = state.view(api.app.state.clock())  # type: ignore[attr-defined]
    gender = view.state.set_index("nip")["gender"].astype(str)
    re_ranked = None
    for position in sorted(state.targets)[::7][:30]:
        body = api.post(f"/v1/positions/{position}/rankings", json={"k": k}, headers=HR).json()
        fairness, candidates = body["fairness"], body["candidates"]
        assert fairness["policy"] == fair_policy.name
        assert fairness["method"] == "fair"
        assert fairness["attributes"] == ["gender"]
        assert [c["rank"] for c in candidates] == list(range(1, len(candidates) + 1))
        score_ranks = [c["score_rank"] for c in candidates]
        assert len(set(score_ranks)) == len(score_ranks)
        assert fairness["moved_up"] == sum(r > k for r in score_ranks)
        eligible = body["eligibility"]["n_eligible"]
        if eligible < 2:
            continue
        # Every prefix holds FA*IR's minimum of each gender (shares of the whole eligible pool),
        # capped at the proportional quota: both genders' tables fit every prefix, none unmet.
        returned = gender.reindex([c["nip"] for c in candidates]).to_numpy()
        shares = {
            label: share
            for label, share in _eligible_shares(api, position, gender, eligible).items()
            if share >= fair_policy.min_group_share
        }
        size = min(k, eligible)
        minimums = prefix_minimums(size, list(shares.values()), fair_policy.alpha)
        tables = dict(zip(shares, minimums, strict=True))
        assert (minimums.sum(axis=0) <= np.arange(1, size + 1)).all()
        for label, table in tables.items():
            assert (np.cumsum(returned == label) >= table[: len(returned)]).all(), label
        assert fairness["unmet_groups"] == []
        if fairness["moved_up"] and re_ranked is None:
            re_ranked = body
    assert re_ranked is not None, "no position's score order needed re-ranking"
    stored = api.get(f"/v1/rankings/{re_ranked['request_id']}", headers=AUDITOR).json()
    assert stored["fairness"] == re_ranked["fairness"]


def _eligible_shares(
    api: TestClient, position: str, gender: Any, n_eligible: int
) -> dict[str, float]:
    """Gender shares of the position's eligible pool, judged as the ranking judges it."""
    state = _state(api)
    view = state.view(api.app.state.clock())  # type: ignore[attr-defined]
    result = evaluate_eligibility(
        view.state, state.targets[position], view.as_of, state.rule_set,
        state.dataset.freeze_periods,
    )  # fmt: skip
    nips = view.state["nip"].to_numpy()[result.eligible]
    assert len(nips) == n_eligible
    values = gender.reindex(nips).value_counts(normalize=True)
    return {str(k): float(v) for k, v in values.items()}
