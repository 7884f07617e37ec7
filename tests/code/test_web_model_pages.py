"""The auditor pages on the real champion: a ranking's waterfall adds up to its stored SHAP,
and the served version's model card and fairness report show (or are said to be missing)."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.api.security import Role
from serving.audit import AuditStore
from serving.web.documents import CARD_CSP
from tests.serving_fixtures import KEYS, Champion, headers
from training.bundle import ModelBundle
from training.fair_ranking import FairRankPolicy
from training.fairness import fairness_report

SVG = "{http://www.w3.org/2000/svg}"
HR = headers(Role.HR_SYSTEM)
CARD_MD = "# Kartu model mutasi-fit\n\n| metrik | nilai |\n|---|---|\n| rmse | 0.61 |\n\n<b>x</b>\n"
CARD_HTML = (
    "<!doctype html><html><body><h1>Model card</h1><style>h1{color:red}</style></body></html>"
)


@pytest.fixture(scope="module")
def client(champion: Champion) -> Iterator[TestClient]:
    app = create_app(champion.settings(web_cookie_secure=False), clock=lambda: champion.today)
    with TestClient(app) as running:
        response = running.post(
            "/audit/login", data={"api_key": KEYS[Role.AUDITOR]}, follow_redirects=False
        )
        assert response.status_code == 303
        yield running


@pytest.fixture(scope="module")
def ranking(client: TestClient) -> dict[str, Any]:
    state = client.app.state.holder.current  # type: ignore[attr-defined]
    ids = sorted(state.targets)
    response = client.post(
        f"/v1/positions/{ids[len(ids) // 2]}/rankings", json={"k": 4, "explain_top": 3}, headers=HR
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert len(body["candidates"]) >= 2
    return body


def _bundle(client: TestClient) -> ModelBundle:
    """This app's own loaded bundle (changing it changes nothing outside this app)."""
    bundle: ModelBundle = client.app.state.holder.current.bundle  # type: ignore[attr-defined]
    return bundle


def test_each_waterfall_adds_up_to_the_stored_prediction_minus_base(
    client: TestClient, ranking: dict[str, Any]
) -> None:
    request_id = ranking["request_id"]
    assert request_id in client.get("/audit/rankings").text
    page = client.get(f"/audit/rankings/{request_id}")
    assert page.status_code == 200
    store: AuditStore = client.app.state.audit  # type: ignore[attr-defined]
    stored = store.answer(request_id)
    assert stored is not None
    explained = [item for item in stored.items if item.shap_values is not None]
    svgs = [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", page.text, flags=re.S)]
    assert len(svgs) == len(explained) == 3
    for item, svg in zip(explained, svgs, strict=True):
        bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
        total = sum(float(r.get("data-contribution", "nan")) for r in bars)
        assert item.shap_base_value is not None
        assert total == pytest.approx(item.raw_prediction - item.shap_base_value, abs=1e-6)
    for candidate in ranking["candidates"][:3]:
        assert candidate["contributions"][0]["reason_id"] in page.text


def test_an_override_shows_on_the_answer_and_in_the_filtered_list(
    client: TestClient, ranking: dict[str, Any]
) -> None:
    request_id = ranking["request_id"]
    second = ranking["candidates"][1]["nip"]
    decision = client.post(
        f"/v1/rankings/{request_id}/decision",
        json={
            "chosen_nip": second,
            "decided_by": "Kepala BKD",
            "reason_code": "employee_request",
        },
        headers=HR,
    )
    assert decision.status_code == 201, decision.text
    page = client.get(f"/audit/rankings/{request_id}", params={"lang": "id"}).text
    assert "permintaan pegawai" in page
    assert "bukan peringkat pertama" in page
    assert re.search(r'class="card item chosen" id="rank-2"', page)
    listed = client.get("/audit/rankings", params={"overrides_only": "1"}).text
    assert request_id in listed


def test_a_version_without_documents_says_they_are_not_available(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = _bundle(client)
    for name in ("model_card_md", "model_card_html", "fairness"):
        monkeypatch.setattr(bundle, name, None)
    card = client.get("/audit/model-card", params={"lang": "en"})
    assert card.status_code == 200
    assert "not available for this model version" in card.text
    assert "rmse" in card.text  # the manifest's test metrics are there regardless
    fairness = client.get("/audit/fairness", params={"lang": "en"})
    assert "not available for this model version" in fairness.text
    api = client.get("/v1/model/card", headers=headers(Role.AUDITOR))
    assert api.status_code == 404
    assert "model card not available" in api.json()["detail"]
    assert client.get("/audit/model-card/full").status_code == 404


def test_the_model_card_of_the_served_version_is_shown(client: TestClient) -> None:
    bundle = _bundle(client)
    assert bundle.model_card_md is not None
    assert bundle.model_card_html is not None
    card = client.get("/audit/model-card")
    assert card.status_code == 200
    assert 'id="model-card"' in card.text
    assert "<table>" in card.text  # Markdown tables rendered
    assert "<script" not in card.text
    full = client.get("/audit/model-card/full")
    assert full.text == bundle.model_card_html
    assert full.headers["content-security-policy"] == CARD_CSP
    api = client.get("/v1/model/card", headers=headers(Role.AUDITOR))
    assert api.status_code == 200
    assert api.text == bundle.model_card_html
    assert "sandbox" in api.headers["content-security-policy"]
    markdown = client.get("/v1/model/card", params={"format": "md"}, headers=headers(Role.ADMIN))
    assert markdown.text == bundle.model_card_md
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert client.get("/v1/model/card").status_code == 401


def test_raw_html_in_the_card_markdown_is_shown_as_text(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_bundle(client), "model_card_md", CARD_MD)
    card = client.get("/audit/model-card").text
    assert "<h1>Kartu model mutasi-fit</h1>" in card
    assert "<td>0.61</td>" in card
    assert "<b>x</b>" not in card
    assert "&lt;b&gt;x&lt;/b&gt;" in card


def _biased_shortlists() -> pd.DataFrame:
    """Two vacancies where P is ranked low: its selection ratio falls under four fifths."""
    rows = []
    for vacancy, men in (("A", {1, 2, 4, 5}), ("B", {1, 3, 5, 7, 9})):
        for rank in range(1, 11):
            gender = "L" if rank in men else "P"
            rows.append((vacancy, f"{vacancy}{rank:02d}", 10.0 - rank, rank, gender))
    return pd.DataFrame(rows, columns=["vacancy_id", "nip", "score", "rank", "gender"])


def test_the_fairness_report_highlights_four_fifths_flags(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = _bundle(client).fairness
    assert served is not None
    page = client.get("/audit/fairness", params={"lang": "en"}).text
    for attribute in served.groups["attribute"].unique():
        assert f"Attribute: {attribute}" in page
    report = fairness_report(
        _biased_shortlists(), k=3, attributes=("gender",), intersections=(), n_bootstrap=20
    )
    assert report.flags() == {
        ("gender", "P", "selection_rate"),
        ("gender", "P", "above_median_rate"),
    }
    monkeypatch.setattr(_bundle(client), "fairness", report)
    monkeypatch.setattr(_bundle(client), "review", None)
    page = client.get("/audit/fairness", params={"lang": "en"}).text
    assert "not available for this version" in page
    flagged = re.findall(r'<tr class="flagged[^"]*">\s*<td>([^<]+)</td>', page)
    assert flagged == ["P"]
    assert "selection &lt; 4/5" in page
    assert "above median &lt; 4/5" in page
    assert "2 four-fifths flags." in page


def test_the_fairness_page_shows_the_reference_columns_and_the_mitigation(
    client: TestClient,
) -> None:
    review = _bundle(client).review
    assert review is not None
    page = client.get("/audit/fairness", params={"lang": "en"}).text
    section = page[page.index('id="fairness-references"') :]
    for column in ("this model", "today&#39;s practice", "the truth", "Beyond", "Blocks"):
        assert column in section
    assert "Mitigation in force: training: none; ranking: none." in page
    blocking = len(review.blocking())
    assert f"{blocking} protected group(s) block promotion." in page
    assert "(protected)" in page
    assert "(qualification, not gated)" in page
    rows = re.findall(r"<td>(gender|age_band|region_of_origin)[^<]* = ", section)
    assert set(rows) <= {"gender", "age_band", "region_of_origin"}
    assert "gender" in rows


def test_an_answer_page_names_the_fairness_policy_that_ordered_it(client: TestClient) -> None:
    manifest = _bundle(client).manifest
    before = manifest.fairness_policy
    policy = FairRankPolicy(method="fair", attributes=("gender",), alpha=0.5)
    manifest.fairness_policy = policy.to_dict()
    try:
        state = client.app.state.holder.current  # type: ignore[attr-defined]
        position = sorted(state.targets)[len(state.targets) // 2]
        answer = client.post(
            f"/v1/positions/{position}/rankings", json={"k": 5}, headers=headers(Role.HR_SYSTEM)
        ).json()
    finally:
        manifest.fairness_policy = before
    page = client.get(f"/audit/rankings/{answer['request_id']}", params={"lang": "en"}).text
    assert 'id="fairness-policy"' in page, page[:2000]
    policy_cell = page[page.index('id="fairness-policy"') :].split("</dd>")[0]
    assert policy.name in policy_cell


def test_a_recommendation_shows_its_vacancies_with_waterfalls(client: TestClient) -> None:
    state = client.app.state.holder.current  # type: ignore[attr-defined]
    frame = state.view(client.app.state.clock()).state  # type: ignore[attr-defined]
    movable = frame[
        (frame["employment_type"] == "PNS")
        & (frame["status"] == "aktif")
        & (frame["discipline_level"] == "none")
        & (frame["years_in_position"] >= 3)
        & (frame["age_years"] < 50)
    ]
    nip = str(movable["nip"].iloc[0])
    response = client.post(
        f"/v1/employees/{nip}/recommendations", json={"k": 3, "explain_top": 2}, headers=HR
    )
    assert response.status_code == 200, response.text
    body = response.json()
    page = client.get(f"/audit/rankings/{body['request_id']}", params={"lang": "en"})
    assert page.status_code == 200
    assert "Recommended vacancies" in page.text
    assert nip in page.text
    for vacancy in body["positions"]:
        assert html.escape(vacancy["position"]["title"]) in page.text
    explained = sum(1 for vacancy in body["positions"] if vacancy["contributions"])
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg" class="waterfall"') == explained
