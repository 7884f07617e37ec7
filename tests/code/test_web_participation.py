"""The participation pages: an auditor sees objections, reviews one through the form (same-site
only), and the plan's export status follows; the plan's letters and export; the public notice
in both languages and the public model card."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from serving.api.security import Role
from tests.code.participation_cases import (
    HR,
    Move,
    find_moves,
    participation_app,
    plan,
)
from tests.serving_fixtures import KEYS, Champion


@pytest.fixture(scope="module")
def papi(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = participation_app(champion, tmp_path_factory.mktemp("web"), web_cookie_secure=False)
    with app as client:
        yield client


@pytest.fixture(scope="module")
def moves(papi: TestClient) -> list[Move]:
    return find_moves(papi, 2)


@pytest.fixture(scope="module")
def objected(papi: TestClient, moves: list[Move]) -> tuple[str, str]:
    """(plan request id, objection id) of a plan with an open objection."""
    rid = plan(papi, moves)["request_id"]
    body = {
        "request_id": rid,
        "nip": moves[0].nip,
        "category": "wishes_ignored",
        "reason": "Usulan saya ke unit lain tidak diperhatikan.",
        "submitted_by": "pegawai",
    }
    made = papi.post("/v1/objections", json=body, headers=HR)
    assert made.status_code == 201, made.text
    return rid, made.json()["objection_id"]


def _signed_in(papi: TestClient, role: Role = Role.AUDITOR) -> TestClient:
    papi.cookies.clear()
    response = papi.post("/audit/login", data={"api_key": KEYS[role]}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return papi


def test_an_auditor_reviews_an_objection_and_the_plan_status_follows(
    papi: TestClient, objected: tuple[str, str]
) -> None:
    rid, objection_id = objected
    web = _signed_in(papi)
    listing = web.get("/audit/objections?status=open")
    assert listing.status_code == 200
    assert objection_id[:12] in listing.text
    page = web.get(f"/audit/objections/{objection_id}")
    assert "Usulan saya ke unit lain tidak diperhatikan." in page.text
    assert "ada keberatan terbuka" in page.text
    assert 'id="review-form"' in page.text

    cross = web.post(
        f"/audit/objections/{objection_id}/review",
        data={"outcome": "rejected", "reviewed_by": "x", "reason": "y"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    incomplete = web.post(f"/audit/objections/{objection_id}/review", data={"outcome": "rejected"})
    assert incomplete.status_code == 422
    done = web.post(
        f"/audit/objections/{objection_id}/review",
        data={
            "outcome": "rejected",
            "reviewed_by": "Dra. Rahmawati",
            "reason": "Sudah dipertimbangkan.",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = web.get(done.headers["location"])
    assert "Dra. Rahmawati" in after.text
    assert 'id="review-form"' not in after.text
    assert "Siap ditetapkan final" in after.text
    again = web.post(
        f"/audit/objections/{objection_id}/review",
        data={"outcome": "upheld", "reviewed_by": "z", "reason": "z"},
    )
    assert again.status_code == 409
    status = web.get(f"/v1/plans/{rid}/status", headers=HR).json()
    assert status["status"] == "ready"
    assert status["rejected"] == [objection_id]


def test_the_plan_page_links_letters_and_the_export(
    papi: TestClient, objected: tuple[str, str], moves: list[Move]
) -> None:
    rid, _ = objected
    web = _signed_in(papi, Role.ADMIN)
    page = web.get(f"/audit/plans/{rid}?lang=en")
    assert page.status_code == 200
    assert moves[0].nip in page.text
    assert "letters" in page.text.lower()
    letter = web.get(f"/audit/plans/{rid}/letters/{moves[0].nip}?lang=en")
    assert letter.status_code == 200
    assert "EXPLANATION OF A PLANNED TRANSFER" in letter.text
    assert "sandbox" in letter.headers["content-security-policy"]
    export = web.get(f"/audit/plans/{rid}/export")
    assert export.status_code == 200
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    assert web.get("/audit/plans/" + "0" * 32).status_code == 404
    papi.cookies.clear()
    assert papi.get(f"/audit/plans/{rid}", follow_redirects=False).status_code == 303


def test_the_notice_is_public_in_both_languages(papi: TestClient, champion: Champion) -> None:
    papi.cookies.clear()
    indonesian = papi.get("/notice")
    english = papi.get("/notice?lang=en")
    assert indonesian.status_code == english.status_code == 200
    assert "Yang tidak pernah dipakai" in indonesian.text
    assert "What is never used" in english.text
    assert f"version {champion.model_version}" in english.text
    assert indonesian.headers["x-frame-options"] == "DENY"
    card = papi.get("/notice/model-card")
    assert card.status_code == 200
    assert "sandbox" in card.headers["content-security-policy"]
