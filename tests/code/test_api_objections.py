"""Objections and their review through the API, and a plan's way to final: blocked while an
objection is open or upheld unless an admin overrides with a reason; the export and letters."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.code.participation_cases import (
    ADMIN,
    AUDITOR,
    HR,
    Move,
    audit_of,
    find_moves,
    loc,
    participation_app,
    plan,
    rank,
    usulan,
)
from tests.serving_fixtures import Champion

REVIEW = {"reviewed_by": "Dra. Rahmawati", "reason": "Unit tujuan di kota yang sama."}


@pytest.fixture(scope="module")
def papi(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with participation_app(champion, tmp_path_factory.mktemp("objections")) as client:
        yield client


@pytest.fixture(scope="module")
def moves(papi: TestClient) -> list[Move]:
    found = find_moves(papi, 3)
    # The first person wished for their planned unit as second choice: the letter says so.
    first = found[0]
    papi.post(
        f"/v1/employees/{first.nip}/usulan",
        json=usulan([(found[1].unit_id, 1), (first.unit_id, 2)]),
        headers=HR,
    )
    return found


def _object(client: TestClient, request_id: str, nip: str, **extra: Any) -> Any:
    body = {
        "request_id": request_id,
        "nip": nip,
        "category": "personal_circumstances",
        "reason": "Saya merawat orang tua.",
        "submitted_by": "pegawai",
        **extra,
    }
    return client.post("/v1/objections", json=body, headers=HR)


def _final(client: TestClient, request_id: str, headers: dict[str, str], **extra: Any) -> Any:
    body = {"finalised_by": "Kepala BKPSDM", **extra}
    return client.post(f"/v1/plans/{request_id}/final", json=body, headers=headers)


def _status(client: TestClient, request_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/plans/{request_id}/status", headers=AUDITOR)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_plan_becomes_final_only_after_its_objections_are_reviewed(
    papi: TestClient, moves: list[Move]
) -> None:
    answer = plan(papi, moves[:2])
    rid, nip = answer["request_id"], moves[0].nip
    assert _status(papi, rid)["status"] == "ready"
    objection = _object(papi, rid, nip)
    assert objection.status_code == 201, objection.text
    made = objection.json()
    assert (made["status"], made["endpoint"], made["position_id"]) == (
        "open",
        "plan",
        moves[0].position_id,
    )
    assert _object(papi, rid, nip).status_code == 409  # one open objection at a time
    status = _status(papi, rid)
    assert (status["status"], status["open"]) == ("open_objections", [made["objection_id"]])

    blocked = _final(papi, rid, HR)
    assert blocked.status_code == 409
    assert made["objection_id"] in blocked.json()["detail"]
    assert _final(papi, rid, HR, override_reason="urgent").status_code == 403

    assert (
        papi.post(
            f"/v1/objections/{made['objection_id']}/review",
            json={"outcome": "rejected", **REVIEW},
            headers=HR,
        ).status_code
        == 403
    )
    reviewed = papi.post(
        f"/v1/objections/{made['objection_id']}/review",
        json={"outcome": "rejected", **REVIEW},
        headers=AUDITOR,
    )
    assert reviewed.status_code == 201, reviewed.text
    body = reviewed.json()
    assert (body["status"], body["review"]["reviewed_by"]) == ("rejected", "Dra. Rahmawati")
    again = papi.post(
        f"/v1/objections/{made['objection_id']}/review",
        json={"outcome": "upheld", **REVIEW},
        headers=ADMIN,
    )
    assert again.status_code == 409
    assert _status(papi, rid)["status"] == "ready"

    final = _final(papi, rid, HR)
    assert final.status_code == 201, final.text
    assert final.json()["status"] == "final"
    assert final.json()["final"]["override"] is False
    assert _final(papi, rid, HR).status_code == 409
    assert audit_of(papi).verify().ok


def test_an_admin_may_override_open_or_upheld_objections_with_a_reason(
    papi: TestClient, moves: list[Move]
) -> None:
    answer = plan(papi, moves[1:3])
    rid = answer["request_id"]
    upheld = _object(papi, rid, moves[1].nip).json()
    papi.post(
        f"/v1/objections/{upheld['objection_id']}/review",
        json={"outcome": "upheld", **REVIEW},
        headers=ADMIN,
    )
    still_open = _object(papi, rid, moves[2].nip, category="human_review").json()
    assert _status(papi, rid)["status"] == "open_objections"
    assert _final(papi, rid, ADMIN).status_code == 409
    final = _final(papi, rid, ADMIN, override_reason="Keputusan PPK: kebutuhan mendesak.")
    assert final.status_code == 201, final.text
    record = final.json()["final"]
    assert record["override"] is True
    assert sorted(record["overridden"]) == sorted(
        [upheld["objection_id"], still_open["objection_id"]]
    )
    assert record["override_reason"] == "Keputusan PPK: kebutuhan mendesak."


def test_upheld_objections_block_the_plan_too(papi: TestClient, moves: list[Move]) -> None:
    rid = plan(papi, moves[2:3])["request_id"]
    made = _object(papi, rid, moves[2].nip).json()
    papi.post(
        f"/v1/objections/{made['objection_id']}/review",
        json={"outcome": "upheld", **REVIEW},
        headers=AUDITOR,
    )
    status = _status(papi, rid)
    assert (status["status"], status["upheld"]) == ("upheld_objections", [made["objection_id"]])
    assert _final(papi, rid, HR).status_code == 409


def test_objections_to_rankings_and_bad_objections(papi: TestClient, moves: list[Move]) -> None:
    ranking = rank(papi, moves[0].position_id, k=3)
    first = ranking["candidates"][0]["nip"]
    made = _object(papi, ranking["request_id"], first, category="wrong_data")
    assert made.status_code == 201, made.text
    assert made.json()["position_id"] == moves[0].position_id

    missing = _object(papi, "f" * 32, first)
    assert (missing.status_code, loc(missing)) == (422, [["body", "request_id"]])
    outsider = next(m.nip for m in moves if m.nip not in {c["nip"] for c in ranking["candidates"]})
    stranger = _object(papi, ranking["request_id"], outsider)
    assert (stranger.status_code, loc(stranger)) == (422, [["body", "nip"]])
    wrong_post = _object(
        papi, ranking["request_id"], ranking["candidates"][1]["nip"], position_id="P-X"
    )
    assert (wrong_post.status_code, loc(wrong_post)) == (422, [["body", "position_id"]])
    bad = _object(papi, ranking["request_id"], first, category="angry")
    assert bad.status_code == 422
    assert (
        papi.post(
            "/v1/objections/nope/review", json={"outcome": "upheld", **REVIEW}, headers=AUDITOR
        ).status_code
        == 404
    )
    assert papi.get("/v1/objections/nope", headers=AUDITOR).status_code == 404
    assert papi.get("/v1/plans/" + ranking["request_id"] + "/status", headers=HR).status_code == 404
    listed = papi.get(
        "/v1/objections", params={"request_id": ranking["request_id"]}, headers=AUDITOR
    )
    assert [o["objection_id"] for o in listed.json()["objections"]] == [made.json()["objection_id"]]
    opened = papi.get("/v1/objections", params={"status": "open"}, headers=HR).json()
    assert all(o["status"] == "open" for o in opened["objections"])
    assert papi.post("/v1/objections", json={}, headers=None).status_code == 401


def test_the_export_has_the_plan_and_one_page_letters_in_both_languages(
    papi: TestClient, moves: list[Move]
) -> None:
    answer = plan(papi, moves[:2])
    rid = answer["request_id"]
    response = papi.get(f"/v1/plans/{rid}/export", headers=AUDITOR)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/zip"
    assert "draft" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["status"] == "ready"
    assert archive.read("plan.json").decode() == audit_of(papi).response_body(rid)
    nips = [m.nip for m in moves[:2]]
    for nip in nips:
        for lang in ("id", "en"):
            assert {f"letters/{nip}.{lang}.html", f"letters/{nip}.{lang}.pdf"} <= names
            assert archive.read(f"letters/{nip}.{lang}.pdf").startswith(b"%PDF")
    assert [entry["pages"] for entry in manifest["letters"]] == [{"id": 1, "en": 1}] * 2
    letter = archive.read(f"letters/{nips[0]}.id.html").decode()
    assert "RANCANGAN" in letter
    assert "Pilihan ke-2" in letter
    moves_csv = archive.read("moves.csv").decode().splitlines()
    assert len(moves_csv) == 3
    assert moves_csv[0].startswith("nip,name,")
    for name in names - {"manifest.json"}:
        assert manifest["sha256"][name]

    _final(papi, rid, HR)
    final = zipfile.ZipFile(io.BytesIO(papi.get(f"/v1/plans/{rid}/export", headers=HR).content))
    assert json.loads(final.read("manifest.json"))["status"] == "final"
    assert "FINAL" in final.read(f"letters/{nips[0]}.en.html").decode()


def test_one_letter_as_html_and_pdf(papi: TestClient, moves: list[Move]) -> None:
    rid = plan(papi, moves[:1])["request_id"]
    url = f"/v1/plans/{rid}/letters/{moves[0].nip}"
    html = papi.get(url, params={"lang": "en"}, headers=HR)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "EXPLANATION OF A PLANNED TRANSFER" in html.text
    assert "A person decides" in html.text
    pdf = papi.get(url, params={"format": "pdf"}, headers=AUDITOR)
    assert (pdf.status_code, pdf.content[:4]) == (200, b"%PDF")
    assert papi.get(f"/v1/plans/{rid}/letters/{moves[1].nip}", headers=HR).status_code == 404
    assert papi.get(url, params={"lang": "fr"}, headers=HR).status_code == 422


def test_without_pango_pdfs_answer_503_with_the_fix_and_html_still_works(
    papi: TestClient, moves: list[Move], monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = plan(papi, moves[:1])["request_id"]
    url = f"/v1/plans/{rid}/letters/{moves[0].nip}"
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without pango
    pdf = papi.get(url, params={"format": "pdf"}, headers=HR)
    assert pdf.status_code == 503
    assert "libpango-1.0-0" in pdf.json()["detail"]
    export = papi.get(f"/v1/plans/{rid}/export", headers=AUDITOR)
    assert export.status_code == 503
    assert "pango" in export.json()["detail"]
    assert papi.get(url, headers=HR).status_code == 200
