"""The closed loop, end to end: serve answers on the small province's champion (the real app),
record decisions (one an override) and a plan, continue the province one year along exactly
those moves plus unrecommended ones, then `mutasi monitor` the new export: the realised outcome
of exactly those moves, counts that reconcile, the MLflow run, the API, /metrics and the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from features.contract import RATING_VALUE
from features.synth import continue_province
from mutasi.cli import app as cli
from mutasi.settings import get_settings
from serving.api.app import create_app
from serving.api.security import Role
from tests.serving_fixtures import KEYS, Champion, headers

MOVE_DAY = "2026-01-01"  # a move on 1 January is rated for that year


@dataclass
class Loop:
    """What the test did and what came out."""

    settings_env: dict[str, str]
    out: Path
    run_dir: Path
    report: dict[str, object]
    moves: pd.DataFrame
    decided: list[tuple[str, str, str]]  # (nip, position_id, basis)
    planned_moved: tuple[str, str]
    planned_not_moved: tuple[str, str]
    undecided: tuple[str, str]
    others: list[tuple[str, str]]
    given: pd.DataFrame
    app_settings: dict[str, object]


def _vacancies(client: TestClient) -> list[str]:
    state = client.app.state.holder.current  # type: ignore[attr-defined]
    positions = state.dataset.positions
    staff = state.dataset.employees["position_id"].value_counts()
    active = positions.loc[positions["is_active"].fillna(True).astype(bool)]
    shortage = active["abk_need"] - active["position_id"].map(staff).fillna(0)
    return active.loc[shortage > 0, "position_id"].astype(str).tolist()


def _rank(client: TestClient, position_id: str) -> dict[str, object]:
    answer = client.post(
        f"/v1/positions/{position_id}/rankings", json={"k": 5}, headers=headers(Role.HR_SYSTEM)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _decide(client: TestClient, request_id: str, nip: str, rank: int) -> None:
    body: dict[str, str] = {"chosen_nip": nip, "decided_by": "Kepala BKPSDM"}
    if rank != 1:
        body["reason_code"] = "operational_need"
    answer = client.post(
        f"/v1/rankings/{request_id}/decision", json=body, headers=headers(Role.HR_SYSTEM)
    )
    assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
def loop(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Loop:
    tmp = tmp_path_factory.mktemp("loop")
    env = {
        "MUTASI_AUDIT_DB_URL": f"sqlite:///{tmp / 'audit.db'}",
        "MUTASI_MONITOR_DIR": str(tmp / "monitoring"),
    }
    app_settings: dict[str, object] = {
        "audit_db_url": env["MUTASI_AUDIT_DB_URL"],
        "monitor_dir": Path(env["MUTASI_MONITOR_DIR"]),
        "web_cookie_secure": False,
    }
    app = create_app(champion.settings(**app_settings), clock=lambda: champion.today)
    used: set[str] = set()
    decided: list[tuple[str, str, str]] = []
    with TestClient(app) as client:
        vacancies = _vacancies(client)
        rankings = []
        for position_id in vacancies:
            answer = _rank(client, position_id)
            nips = [c["nip"] for c in answer["candidates"]]  # type: ignore[index, union-attr]
            if len(nips) >= 3 and not used.intersection(nips[:2]):
                rankings.append((position_id, answer["request_id"], nips))
                used.update(nips[:2])
            if len(rankings) == 5:
                break
        assert len(rankings) == 5, "the small province needs five vacancies with candidates"
        for i, (position_id, request_id, nips) in enumerate(rankings[:4]):
            rank = 2 if i == 3 else 1  # the fourth decision overrides the model
            _decide(client, str(request_id), nips[rank - 1], rank)
            decided.append((nips[rank - 1], position_id, "override" if rank == 2 else "decision"))
        undecided = (rankings[4][2][0], rankings[4][0])
        ranked = {r[0] for r in rankings}
        open_posts = [p for p in vacancies if p not in ranked][:2]
        planned = client.post(
            "/v1/plans",
            json={
                "vacancies": [{"position_id": p} for p in open_posts],
                "policy": {"opt_out": sorted(used)},
            },
            headers=headers(Role.HR_SYSTEM),
        )
        assert planned.status_code == 200, planned.text
        plan_moves = [
            (m["nip"], v["position"]["position_id"])
            for v in planned.json()["vacancies"]
            for m in v["assignments"]
        ]
    fresh = [(n, p) for n, p in plan_moves if n not in used]
    assert len(fresh) >= 2, f"the plan should fill two more vacancies: {plan_moves}"
    planned_moved, planned_not_moved = fresh[0], fresh[1]
    used.update(n for n, _ in fresh)

    employees = pd.read_csv(champion.province / "employees.csv", dtype=str)
    movable = employees.loc[
        (employees["employment_type"] == "PNS")
        & (employees["status"] == "aktif")
        & ~employees["nip"].isin(used)
        & (employees["birth_date"] > "1975-01-01")
    ]
    targets = [p for p in vacancies if p not in {r[0] for r in rankings} | {planned_moved[1]}]
    others = [
        (str(row.nip), targets[i])
        for i, row in enumerate(movable.iloc[:3].itertuples())
        if targets[i] != row.position_id
    ]
    executed = [(n, p) for n, p, _ in decided] + [planned_moved] + others
    moves = pd.DataFrame(executed, columns=["nip", "to_position_id"]).assign(
        effective_date=pd.Timestamp(MOVE_DAY)
    )
    out = tmp / "next_year"
    continue_province(champion.province, out, years=1, moves=moves)
    given = pd.read_parquet(out / "_oracle" / "given_moves.parquet")

    patch = pytest.MonkeyPatch()
    for key, value in env.items():
        patch.setenv(key, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["monitor", str(out)])
    patch.undo()
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    root = Path(env["MUTASI_MONITOR_DIR"])
    run_dir = root / json.loads((root / "latest.json").read_text())["report_id"]
    report = json.loads((run_dir / "report.json").read_text())
    return Loop(
        env,
        out,
        run_dir,
        report,
        pd.read_csv(run_dir / "moves.csv", dtype={"nip": str}),
        decided,
        planned_moved,
        planned_not_moved,
        undecided,
        others,
        given,
        app_settings,
    )


def test_monitor_reports_the_realised_outcome_of_exactly_the_executed_moves(loop: Loop) -> None:
    made = loop.given.dropna(subset=["transfer_id"])
    assert len(made) >= len(loop.given) - 1, "at most one mover may have left in the year"
    assert set(loop.moves["transfer_id"]) == set(made["transfer_id"])
    performance = pd.read_csv(loop.out / "performance.csv", dtype={"nip": str})
    rated = performance.loc[performance["year"] == 2026].set_index("nip")["rating"]
    for move in loop.moves.itertuples():
        assert (move.status, move.outcome_year) == ("rated", 2026)
        assert move.rating == RATING_VALUE[rated[move.nip]]


def test_the_counts_reconcile_by_category_and_basis(loop: Loop) -> None:
    r = loop.report["reconciliation"]
    assert isinstance(r, dict)
    made = set(
        zip(
            *loop.given.dropna(subset=["transfer_id"])[["nip", "to_position_id"]].T.values,
            strict=True,
        )
    )
    recommended = [(n, p) for n, p, _ in loop.decided] + [loop.planned_moved]
    rec_made = [m for m in recommended if m in made]
    others_made = [m for m in loop.others if m in made]
    assert r["consistent"] is True
    assert r["recommended_and_moved"] == {
        "total": len(rec_made),
        "rated": len(rec_made),
        "unrated": 0,
        "superseded": 0,
    }
    assert r["moved_only"]["total"] == len(others_made)
    by_basis = r["by_basis"]
    assert by_basis["override"] == sum(
        1 for n, p, b in loop.decided if b == "override" and (n, p) in made
    )
    assert by_basis["decision"] == sum(
        1 for n, p, b in loop.decided if b == "decision" and (n, p) in made
    )
    assert by_basis["plan"] == int(loop.planned_moved in made)
    # Not moved: the undecided ranking's first candidate, the plan's other move, leavers.
    not_moved = r["recommended_only"]["total"]
    assert not_moved == r["n_proposals"] - len(rec_made)
    assert not_moved >= 2
    rows = loop.moves.set_index(["nip", "position_id"])
    for nip, position_id, basis in loop.decided:
        if (nip, position_id) in made:
            assert rows.loc[(nip, position_id), "basis"] == basis
            assert rows.loc[(nip, position_id), "category"] == "recommended_and_moved"
    for nip, position_id in others_made:
        assert rows.loc[(nip, position_id), "category"] == "moved_only"
    not_moved_rows = pd.read_csv(loop.run_dir / "not_moved.csv", dtype={"nip": str})
    pairs = set(zip(not_moved_rows["nip"], not_moved_rows["position_id"], strict=True))
    assert {loop.undecided, loop.planned_not_moved} <= pairs


def test_the_run_is_logged_in_its_own_mlflow_experiment(loop: Loop, champion: Champion) -> None:
    settings = get_settings()
    mlflow.set_tracking_uri(settings.tracking_uri)
    runs = mlflow.search_runs(experiment_names=[settings.monitor_experiment], output_format="list")
    mine = [r for r in runs if r.data.tags.get("report_id") == loop.report["report_id"]]
    assert len(mine) == 1
    assert mine[0].data.tags["model_version"] == champion.model_version
    assert mine[0].data.metrics["moves"] == loop.report["reconciliation"]["n_moves"]  # type: ignore[index]


def test_the_report_files_exist_and_the_mentoring_files_agree(loop: Loop) -> None:
    for name in ("report.md", "mentoring.xlsx", "mentoring.csv", "drift.csv", "calibration.png"):
        assert (loop.run_dir / name).stat().st_size > 0
    listing = json.loads((loop.run_dir / "mentoring.json").read_text())
    sheet = pd.read_excel(loop.run_dir / "mentoring.xlsx", sheet_name="daftar_pendampingan")
    assert len(sheet) == len(listing["entries"])
    assert len(sheet) == loop.report["mentoring"]["n_entries"]  # type: ignore[index]


def test_the_api_metrics_and_page_serve_the_latest_run(loop: Loop, champion: Champion) -> None:
    app = create_app(champion.settings(**loop.app_settings), clock=lambda: champion.today)
    with TestClient(app) as client:
        report = client.get("/v1/monitoring/report", headers=headers(Role.AUDITOR))
        assert report.status_code == 200
        assert report.json()["report_id"] == loop.report["report_id"]
        listing = client.get(
            "/v1/monitoring/mentoring", params={"format": "csv"}, headers=headers(Role.HR_SYSTEM)
        )
        assert listing.status_code == 200
        assert listing.text.startswith("nip,")
        metrics = client.get("/metrics").text
        assert "mutasi_monitoring_moves{" in metrics
        assert 'category="recommended_and_moved"' in metrics
        login = client.post(
            "/audit/login", data={"api_key": KEYS[Role.AUDITOR]}, follow_redirects=False
        )
        assert login.status_code == 303
        page = client.get("/audit/monitoring?lang=en")
        assert page.status_code == 200
        assert loop.report["report_id"] in page.text
        assert "Recommended &amp; moved" in page.text
