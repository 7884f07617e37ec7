"""``mutasi plan-export`` writes an audited plan with its letters; a replay of an answer that
used an usulan statement applies the statements received before it and comes out identical."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mutasi.cli import app as cli
from serving.api.security import Role
from serving.audit.replay import replay_answer
from tests.code.participation_cases import (
    HR,
    audit_of,
    find_moves,
    participation_app,
    rank,
    usulan,
)
from tests.serving_fixtures import Champion, headers

runner = CliRunner()


def _plan(client: TestClient) -> dict[str, Any]:
    state = client.app.state.holder.current  # type: ignore[attr-defined]
    view = state.view(client.app.state.clock())  # type: ignore[attr-defined]
    open_posts = state.position_code.to_numpy()[
        state.active_positions & (view.position_shortage > 0)
    ]
    body = {"vacancies": [{"position_id": str(p)} for p in open_posts[:4]]}
    response = client.post("/v1/plans", json=body, headers=headers(Role.HR_SYSTEM))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_plan_export_writes_the_plan_and_its_letters(api: TestClient, tmp_path: Path) -> None:
    plan = _plan(api)
    result = runner.invoke(cli, ["plan-export", plan["request_id"], "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ready"
    moved = [m["nip"] for v in plan["vacancies"] for m in v["assignments"]]
    assert [entry["nip"] for entry in manifest["letters"]] == moved
    for nip in moved:
        assert (tmp_path / "letters" / f"{nip}.id.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / f"plan-{plan['request_id']}-draft.zip").is_file()
    unknown = runner.invoke(cli, ["plan-export", "0" * 32, "--out", str(tmp_path / "x")])
    assert unknown.exit_code == 2
    assert "no audited plan" in unknown.output


@pytest.fixture(scope="module")
def papi(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with participation_app(champion, tmp_path_factory.mktemp("replay")) as client:
        yield client


def test_a_replay_applies_the_statements_the_answer_saw(
    papi: TestClient, champion: Champion
) -> None:
    move = find_moves(papi, 1)[0]
    made = papi.post(
        f"/v1/employees/{move.nip}/usulan", json=usulan([(move.unit_id, 1)]), headers=HR
    )
    assert made.status_code == 201, made.text
    answer = rank(papi, move.position_id, candidate_nips=[move.nip], k=1, explain_top=1)
    assert answer["candidates"][0]["usulan"]["statement_id"] == made.json()["statement_id"]
    # A later change is not what the answer saw: the replay leaves it out.
    papi.put(
        f"/v1/employees/{move.nip}/usulan",
        json=usulan([(move.unit_id, 3)], replaces_version=1),
        headers=HR,
    )
    settings = papi.app.state.settings  # type: ignore[attr-defined]
    result = replay_answer(audit_of(papi), answer["request_id"], settings, champion.province)
    assert result.differences == []
    assert result.identical
