"""POST /v1/employees/{nip}/recommendations: the best vacancies for one employee."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from features.eligibility import evaluate_eligibility
from serving.api.security import Role
from serving.domain.recommend import eligible_vacancies, vacancies
from tests.serving_fixtures import headers

HR = headers(Role.HR_SYSTEM)


def _state(client: TestClient) -> Any:
    return client.app.state.holder.current  # type: ignore[attr-defined]


def _movable_nip(client: TestClient) -> str:
    """An aktif PNS, long enough in post, so that some vacancies are open to them."""
    state = _state(client)
    frame = state.view(client.app.state.clock()).state  # type: ignore[attr-defined]
    movable = frame[
        (frame["employment_type"] == "PNS")
        & (frame["status"] == "aktif")
        & (frame["discipline_level"] == "none")
        & (frame["years_in_position"] >= 3)
        & (frame["age_years"] < 50)
    ]
    return str(movable["nip"].iloc[0])


def test_recommendations_rank_open_vacancies(api: TestClient) -> None:
    nip = _movable_nip(api)
    response = api.post(f"/v1/employees/{nip}/recommendations", json={"k": 4}, headers=HR)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["nip"] == nip
    positions = body["positions"]
    assert 0 < len(positions) <= 4
    ratings = [p["prediction"]["rating"] for p in positions]
    assert ratings == sorted(ratings, reverse=True)
    for p in positions:
        assert p["position"]["shortage"] > 0
        assert p["contributions"], "every returned vacancy is explained by default"
        assert p["position"]["position_id"] != body["current_position_id"]
    eligibility = body["eligibility"]
    assert eligibility["n_eligible"] + eligibility["n_ineligible"] == eligibility["n_vacancies"]


def test_recommendation_features_match_the_ranking_path(api: TestClient) -> None:
    """One employee x many posts (training path) equals one post x many employees (snapshot)."""
    state = _state(api)
    nip = _movable_nip(api)
    body = api.post(f"/v1/employees/{nip}/recommendations", json={"k": 1}, headers=HR).json()
    position_id = body["positions"][0]["position"]["position_id"]
    ranking = api.post(
        f"/v1/positions/{position_id}/rankings",
        json={"k": 1, "candidate_nips": [nip]},
        headers=HR,
    ).json()
    (candidate,) = ranking["candidates"]
    assert candidate["prediction"] == body["positions"][0]["prediction"]
    assert candidate["contributions"] == body["positions"][0]["contributions"]
    assert np.isfinite(candidate["prediction"]["rating"])
    assert state.snapshot_id == ranking["model"]["snapshot_id"]


def test_an_unknown_employee_is_404_and_a_malformed_nip_422(api: TestClient) -> None:
    unknown = api.post("/v1/employees/199901012020121001/recommendations", headers=HR)
    assert unknown.status_code == 404
    malformed = api.post("/v1/employees/12345/recommendations", headers=HR)
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["path", "nip"]
    too_many = api.post(
        f"/v1/employees/{_movable_nip(api)}/recommendations", json={"k": 500}, headers=HR
    )
    assert too_many.status_code == 422


def test_all_vacancies_judged_at_once_equal_each_judged_alone(api: TestClient) -> None:
    """One rule evaluation over every vacancy equals evaluating each vacancy on its own."""
    state = _state(api)
    view = state.view(api.app.state.clock())  # type: ignore[attr-defined]
    freeze = state.dataset.freeze_periods
    for row in range(0, len(view.employees), max(1, len(view.employees) // 6)):
        ids = vacancies(state, view, row)
        assert view.position_ids[row] not in set(ids)
        ok, counts = eligible_vacancies(state, view, row, ids)
        expected_ok, expected_counts = [], dict.fromkeys(counts, 0)
        for position_id in ids:
            result = evaluate_eligibility(
                view.state.iloc[[row]], state.targets[position_id], view.as_of,
                state.rule_set, freeze,
            )  # fmt: skip
            expected_ok.append(bool(result.eligible[0]))
            for rule_id, failing in result.counts_by_rule().items():
                expected_counts[str(rule_id)] += int(failing)
        assert ok.tolist() == expected_ok
        assert counts == expected_counts
