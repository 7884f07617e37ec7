"""POST /v1/positions/{id}/rankings and /v1/rankings on a real champion and province."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api.security import Role
from tests.serving_fixtures import MAX_POOL, Champion, headers

HR = headers(Role.HR_SYSTEM)


def _state(client: TestClient) -> Any:
    return client.app.state.holder.current  # type: ignore[attr-defined]


def _busy_position(client: TestClient) -> str:
    """An active position whose unit has many employees (so rankings have eligible people)."""
    state = _state(client)
    ids = sorted(state.targets)
    return ids[len(ids) // 2]


def _rank(client: TestClient, position_id: str, **body: Any) -> Any:
    return client.post(f"/v1/positions/{position_id}/rankings", json=body, headers=HR)


def test_a_ranking_lists_eligible_candidates_best_first(api: TestClient) -> None:
    position_id = _busy_position(api)
    response = _rank(api, position_id, k=5, explain_top=3)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["position"]["position_id"] == position_id
    ratings = [c["prediction"]["rating"] for c in body["candidates"]]
    assert ratings == sorted(ratings, reverse=True)
    assert [c["rank"] for c in body["candidates"]] == list(range(1, len(ratings) + 1))
    eligibility = body["eligibility"]
    assert eligibility["n_eligible"] + eligibility["n_ineligible"] == eligibility["n_considered"]
    assert len(body["candidates"]) == min(5, eligibility["n_eligible"])
    assert eligibility["ineligible"] is None
    for candidate in body["candidates"]:
        p = candidate["prediction"]
        assert 1 <= p["lower"] <= p["rating"] <= p["upper"] <= 5
        assert 0 <= p["p_baik_or_better"] <= 1
        assert candidate["current_position_id"] != position_id
    assert response.headers["X-Request-ID"] == body["request_id"]
    model = body["model"]
    assert model["name"] == "mutasi-fit"
    assert model["version"]
    assert model["run_id"]
    assert model["rule_set_version"]
    assert model["snapshot_id"] == _state(api).snapshot_id


def test_only_the_explained_candidates_carry_bilingual_reasons(api: TestClient) -> None:
    body = _rank(api, _busy_position(api), k=4, explain_top=2).json()
    explained = [c for c in body["candidates"] if c["contributions"]]
    assert len(explained) == min(2, len(body["candidates"]))
    catalogue = {f.name: f for f in _state(api).catalogue.features}
    for contribution in explained[0]["contributions"]:
        spec = catalogue[contribution["feature"]]
        assert contribution["reason_id"].startswith(spec.meaning_id)
        assert contribution["reason_en"].startswith(spec.meaning_en)
        assert contribution["reason_en"].endswith(f"({contribution['contribution']:+.2f})")
    magnitudes = [abs(c["contribution"]) for c in explained[0]["contributions"]]
    assert magnitudes == sorted(magnitudes, reverse=True)


def test_staffing_impact_follows_the_move(api: TestClient) -> None:
    body = _rank(api, _busy_position(api), k=3).json()
    shortage = body["position"]["shortage"]
    for candidate in body["candidates"]:
        staffing = candidate["staffing"]
        assert staffing["target_position_shortage_before"] == shortage
        assert staffing["target_position_shortage_after"] == shortage - 1
        moves_unit = candidate["current_unit_id"] != body["position"]["unit_id"]
        assert staffing["target_unit_shortage_before"] - staffing[
            "target_unit_shortage_after"
        ] == int(moves_unit)


def test_ineligible_candidates_are_counted_by_rule_and_listed_on_request(api: TestClient) -> None:
    body = _rank(api, _busy_position(api), k=3, include_ineligible=True).json()
    eligibility = body["eligibility"]
    listed = eligibility["ineligible"]
    assert len(listed) == eligibility["n_ineligible"] > 0
    per_rule: dict[str, int] = {}
    for candidate in listed:
        assert candidate["failures"], candidate
        for failure in candidate["failures"]:
            per_rule[failure["rule_id"]] = per_rule.get(failure["rule_id"], 0) + 1
            assert failure["message_id"]
            assert failure["message_en"]
            assert failure["source"]
    assert {k: v for k, v in eligibility["ineligible_by_rule"].items() if v} == per_rule
    returned = {c["nip"] for c in body["candidates"]}
    assert returned.isdisjoint(c["nip"] for c in listed)


def test_a_candidate_pool_reports_unknown_nips(api: TestClient) -> None:
    state = _state(api)
    nips = sorted(state.names)[:8]
    unknown = "199901012020121001"
    body = _rank(api, _busy_position(api), k=10, candidate_nips=[*nips, unknown, nips[0]]).json()
    assert body["unknown_nips"] == [unknown]
    assert body["eligibility"]["n_considered"] == len(nips)
    assert {c["nip"] for c in body["candidates"]} <= set(nips)


def test_an_inline_position_is_ranked_like_an_existing_one(api: TestClient) -> None:
    state = _state(api)
    position_id = _busy_position(api)
    row = state.positions.loc[position_id]
    inline = {
        "unit_id": row["unit_id"],
        "title": "Analis Baru",
        "jabatan_type": row["jabatan_type"],
        "education_fields": ["administrasi_publik", "manajemen"],
        "competency_requirements": {"manajerial": 2},
        "abk_need": 2,
    }
    response = api.post("/v1/rankings", json={"position": inline, "k": 5}, headers=HR)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["position"]["position_id"] is None
    assert body["position"]["bezetting"] == 0
    assert body["position"]["shortage"] == 2
    assert body["candidates"], "an open inline post should have eligible candidates"
    assert "same_position" not in {
        k for k, v in body["eligibility"]["ineligible_by_rule"].items() if v
    }


def test_unknown_and_inactive_positions_are_404(api: TestClient) -> None:
    assert _rank(api, "NO-SUCH-POSITION").status_code == 404
    positions = _state(api).positions
    inactive = positions.index[~positions["is_active"].astype(bool)]
    if len(inactive):
        response = _rank(api, str(inactive[0]))
        assert response.status_code == 404
        assert "inactive" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"k": 0}, ["body", "k"]),
        ({"k": 101}, ["body", "k"]),
        ({"k": 3, "explain_top": 4}, ["body"]),
        ({"candidate_nips": ["12345"]}, ["body", "candidate_nips", 0]),
        ({"candidate_nips": ["19850312201001100A"]}, ["body", "candidate_nips", 0]),
        ({"unknown_field": 1}, ["body", "unknown_field"]),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    api: TestClient, body: dict[str, Any], field: list[Any]
) -> None:
    response = _rank(api, _busy_position(api), **body)
    assert response.status_code == 422
    assert field in [e["loc"] for e in response.json()["detail"]]


def test_as_of_far_in_the_future_is_422(api: TestClient, champion: Champion) -> None:
    limit = champion.settings().max_as_of_future_days
    far = (champion.today + timedelta(days=limit + 1)).isoformat()
    response = _rank(api, _busy_position(api), as_of=far)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "as_of"]
    assert "days after today" in error["msg"]
    near = (champion.today + timedelta(days=limit)).isoformat()
    assert _rank(api, _busy_position(api), as_of=near, k=1).status_code == 200


def test_a_pool_over_the_maximum_is_422(api: TestClient) -> None:
    nips = [f"{i:018d}" for i in range(MAX_POOL + 1)]
    response = _rank(api, _busy_position(api), candidate_nips=nips)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "candidate_nips"]


def test_an_inline_position_in_an_unknown_unit_is_422(api: TestClient) -> None:
    inline = {"unit_id": "NOPE", "title": "X", "jabatan_type": "pelaksana"}
    response = api.post("/v1/rankings", json={"position": inline}, headers=HR)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "position", "unit_id"]


def test_inline_codes_are_checked(api: TestClient) -> None:
    inline = {"unit_id": "U1", "title": "X", "jabatan_type": "raja", "min_golongan": "XVII"}
    response = api.post("/v1/rankings", json={"position": inline}, headers=HR)
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["detail"]]
    assert ["body", "position", "jabatan_type"] in locs
    assert ["body", "position", "min_golongan"] in locs


def test_concurrent_first_requests_for_a_date_share_one_snapshot(api: TestClient) -> None:
    state = _state(api)
    day = api.app.state.clock() - timedelta(days=3)  # type: ignore[attr-defined]
    views: list[Any] = []
    threads = [threading.Thread(target=lambda: views.append(state.view(day))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(views) == 4
    assert all(v is views[0] for v in views)
    assert state.view(day) is views[0]


def test_a_ranking_takes_two_trips_to_the_thread_pool(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cheap dependencies (settings, state holder, key, role) run on the event loop; only
    the statements-token read and the ranking itself are sent to worker threads (issue 16:
    each trip cost ~0.1 ms of the GIL, and there were nine), the ranking under the app's
    compute limiter; the audit commit is awaited on the loop, in no thread."""
    import anyio.to_thread

    trips: list[tuple[str, Any]] = []
    original = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        called = getattr(func, "func", func)  # starlette sends dependencies as partials
        trips.append((getattr(called, "__name__", repr(called)), kwargs.get("limiter")))
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    response = _rank(api, _busy_position(api), k=3)
    assert response.status_code == 200, response.text
    names = sorted(name for name, _ in trips)
    assert names == ["get_participating_state", "rank"], trips
    limiter = api.app.state.compute_limiter  # type: ignore[attr-defined]
    assert [name for name, used in trips if used is limiter] == ["rank"]


def test_position_facts_agree_with_the_snapshot_tables(api: TestClient) -> None:
    """The per-target look-up table (code, title, abk_need) says what pandas says."""
    state = _state(api)
    positions = state.positions
    assert set(state.target_facts) == set(state.targets)
    for position_id, (code, title, abk_need) in state.target_facts.items():
        assert code == int(state.position_code.get_indexer([position_id])[0])
        assert title == str(positions.at[position_id, "title"])
        assert abk_need == int(positions.at[position_id, "abk_need"])
