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
from training.fair_ranking import FairRankPolicy, minimum_table
from tests.serving_fixtures import headers

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
    position = _position(api)
    k = 10
    body = api.post(f"/v1/positions/{position}/rankings", json={"k": k}, headers=HR).json()
    fairness = body["fairness"]
    assert fairness["policy"] == fair_policy.name
    assert fairness["method"] == "fair" and fairness["attributes"] == ["gender"]
    candidates = body["candidates"]
    assert [c["rank"] for c in candidates] == list(range(1, len(candidates) + 1))
    moved = [c for c in candidates if c["score_rank"] > k]
    assert fairness["moved_up"] == len(moved)
    # Every prefix holds FA*IR's minimum of each gender (shares of the whole eligible pool).
    state = _state(api)
    view = state.view(api.app.state.clock())  # type: ignore[attr-defined]
    gender = view.state.set_index("nip")["gender"].astype(str)
    returned = gender.reindex([c["nip"] for c in candidates]).to_numpy()
    eligible = body["eligibility"]["n_eligible"]
    scores = sorted((c["score_rank"] for c in candidates))
    assert len(set(scores)) == len(scores)
    shares = _eligible_shares(api, position, gender, eligible)
    assert fairness["unmet_groups"] == []
    for label, share in shares.items():
        if share >= fair_policy.min_group_share:
            table = minimum_table(min(k, eligible), share, fair_policy.alpha)
            counts = np.cumsum(returned == label)
            assert (counts >= table[: len(counts)]).all(), label
    stored = api.get(f"/v1/rankings/{body['request_id']}", headers=AUDITOR).json()
    assert stored["fairness"] == fairness


def _eligible_shares(api: TestClient, position: str, gender: Any, n_eligible: int) -> dict[str, float]:
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
