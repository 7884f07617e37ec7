"""The audit log: answers stored byte for byte with lineage and per-item model inputs/outputs."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from serving.api.app import create_app
from serving.api.security import Role
from serving.audit import AuditStore
from serving.audit.records import AnswerRecord, ItemRecord, Lineage
from serving.errors import AuditWriteError
from tests.serving_fixtures import Champion, headers

LINEAGE = Lineage("mutasi-fit", "3", "run123", "2025.1", "abc123def456")


def _record(request_id: str, body: str) -> AnswerRecord:
    item = ItemRecord(
        rank=1,
        nip="198503122010011002",
        position_id="P1",
        prediction=4.2,
        raw_prediction=4.2,
        lower=3.7,
        upper=4.7,
        p_baik_or_better=0.81,
        features={"field_sector_fit": 1.0, "years_in_grade": math.nan},
        shap_base_value=3.9,
        shap_values={"field_sector_fit": 0.3, "years_in_grade": 0.0},
    )
    return AnswerRecord(
        request_id=request_id,
        key_id="hr",
        role="hr_system",
        endpoint="rank_position",
        as_of=date(2025, 1, 31),
        request_json=json.dumps({"k": 1}),
        response_json=body,
        lineage=LINEAGE,
        position_id="P1",
        items=[item],
    )


@pytest.fixture
def store(tmp_path: Path) -> AuditStore:
    audit = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}")
    audit.create_schema()
    return audit


def test_the_stored_body_is_the_answer_byte_for_byte(store: AuditStore) -> None:
    body = '{"request_id":"r1","name":"Siti Rahmawati, S.Kep.","rating":4.2000,"x":[1,2]}'
    store.record(_record("r1", body))
    assert store.response_body("r1") == body
    assert store.response_body("unknown") is None


def test_lineage_and_items_are_kept(store: AuditStore) -> None:
    store.record(_record("r2", "{}"))
    answer = store.answer("r2")
    assert answer is not None
    assert (answer.model_name, answer.model_version, answer.run_id) == ("mutasi-fit", "3", "run123")
    assert (answer.rule_set_version, answer.snapshot_id) == ("2025.1", "abc123def456")
    assert (answer.key_id, answer.role, answer.endpoint) == ("hr", "hr_system", "rank_position")
    (item,) = answer.items
    assert item.features == {"field_sector_fit": 1.0, "years_in_grade": None}  # NaN -> null
    assert item.shap_values == {"field_sector_fit": 0.3, "years_in_grade": 0.0}
    assert item.shap_base_value == 3.9


def test_a_failed_write_raises_and_stores_nothing(store: AuditStore) -> None:
    store.record(_record("r3", '{"first": true}'))
    with pytest.raises(AuditWriteError, match="cannot record r3"):
        store.record(_record("r3", '{"second": true}'))  # same request id: the insert fails
    assert store.response_body("r3") == '{"first": true}'


def test_a_broken_store_fails_the_write(store: AuditStore) -> None:
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE audit_items"))
    with pytest.raises(AuditWriteError):
        store.record(_record("r4", "{}"))
    assert store.response_body("r4") is None  # the answer row rolled back with its items


# --- through the API --------------------------------------------------------------------------


def _position(client: TestClient) -> str:
    return sorted(client.app.state.holder.current.targets)[0]  # type: ignore[attr-defined]


def test_the_audit_record_equals_the_returned_answer(api: TestClient) -> None:
    answer = api.post(
        f"/v1/positions/{_position(api)}/rankings",
        json={"k": 3, "explain_top": 2},
        headers=headers(Role.HR_SYSTEM),
    )
    assert answer.status_code == 200, answer.text
    request_id = answer.json()["request_id"]
    for role in (Role.AUDITOR, Role.HR_SYSTEM):
        stored = api.get(f"/v1/rankings/{request_id}", headers=headers(role))
        assert stored.status_code == 200
        assert stored.content == answer.content
    audit: AuditStore = api.app.state.audit  # type: ignore[attr-defined]
    row = audit.answer(request_id)
    assert row is not None
    body = answer.json()
    assert (row.key_id, row.role, row.endpoint) == ("test-hr_system", "hr_system", "rank_position")
    assert json.loads(row.request_json)["body"]["k"] == 3
    assert (row.model_version, row.run_id) == (body["model"]["version"], body["model"]["run_id"])
    assert (row.rule_set_version, row.snapshot_id) == (
        body["model"]["rule_set_version"],
        body["model"]["snapshot_id"],
    )
    assert [i.nip for i in row.items] == [c["nip"] for c in body["candidates"]]
    for item, candidate in zip(row.items, body["candidates"], strict=True):
        assert item.prediction == candidate["prediction"]["rating"]
        assert set(item.features) == set(api.app.state.holder.current.feature_names)  # type: ignore[attr-defined]
        if candidate["contributions"]:
            assert item.shap_values is not None
            assert item.shap_base_value is not None
            total = item.shap_base_value + sum(item.shap_values.values())
            assert total == pytest.approx(item.raw_prediction, abs=1e-6)
        else:
            assert item.shap_values is None


def test_an_unknown_request_id_is_404(api: TestClient) -> None:
    assert api.get("/v1/rankings/" + "f" * 32, headers=headers(Role.AUDITOR)).status_code == 404


def test_no_answer_without_its_audit_record(champion: Champion, tmp_path: Path) -> None:
    settings = champion.settings(audit_db_url=f"sqlite:///{tmp_path / 'audit.db'}")
    with TestClient(create_app(settings, clock=lambda: champion.today)) as client:
        audit: AuditStore = client.app.state.audit  # type: ignore[attr-defined]
        with audit.engine.begin() as connection:
            connection.execute(text("DROP TABLE audit_items"))
        response = client.post(
            f"/v1/positions/{_position(client)}/rankings", headers=headers(Role.HR_SYSTEM)
        )
        assert response.status_code == 503
        assert "audit" in response.json()["detail"]
        assert "candidates" not in response.json()


def test_non_finite_feature_values_are_stored_as_null_and_the_rest_as_floats() -> None:
    from serving.audit.records import finite

    values = {"a": math.nan, "b": math.inf, "c": -math.inf, "d": None, "e": -0.0, "f": 3, "g": 2.5}
    assert finite(values) == {
        "a": None,
        "b": None,
        "c": None,
        "d": None,
        "e": 0.0,
        "f": 3.0,
        "g": 2.5,
    }
    assert type(finite(values)["f"]) is float
