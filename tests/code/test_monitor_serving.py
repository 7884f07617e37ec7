"""The service's side of monitoring: /v1/monitoring/*, /metrics gauges and the auditor page,
on a hand-made run (no model needed), including no run yet and an unreadable one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from serving.api.security import Role
from serving.domain.monitor_runs import MonitoringReportError, MonitorRuns, filter_entries
from serving.errors import NotFoundError
from tests.code.monitor_cases import NIPS, REPORT_ID, sample_mentoring, write_sample_run
from tests.code.web_cases import KEYS, sign_in, web_client


def _key(role: Role) -> dict[str, str]:
    return {"X-API-Key": KEYS[role]}


def test_before_the_first_run_the_api_says_how_to_make_one(tmp_path: Path) -> None:
    with web_client(tmp_path, monitor_dir=tmp_path / "monitoring") as client:
        answer = client.get("/v1/monitoring/report", headers=_key(Role.AUDITOR))
        assert answer.status_code == 404
        assert "mutasi monitor" in answer.json()["detail"]
        assert "mutasi_drift_psi" not in client.get("/metrics").text
        assert client.get("/audit/monitoring", follow_redirects=False).status_code == 303
        sign_in(client)
        page = client.get("/audit/monitoring?lang=en")
        assert page.status_code == 200
        assert 'id="monitoring-missing"' in page.text


def test_the_report_and_the_list_are_served_with_roles_and_filters(tmp_path: Path) -> None:
    root = tmp_path / "monitoring"
    write_sample_run(root)
    with web_client(tmp_path, monitor_dir=root) as client:
        for role in (Role.AUDITOR, Role.HR_SYSTEM, Role.ADMIN):
            report = client.get("/v1/monitoring/report", headers=_key(role))
            assert report.status_code == 200
            assert report.json()["report_id"] == REPORT_ID
        assert client.get("/v1/monitoring/report").status_code == 401
        assert client.get("/v1/monitoring/mentoring", headers=_key(Role.ADMIN)).status_code == 403
        listing = client.get("/v1/monitoring/mentoring", headers=_key(Role.HR_SYSTEM)).json()
        assert [e["nip"] for e in listing["entries"]] == list(NIPS)
        only = client.get(
            "/v1/monitoring/mentoring", params={"unit_id": "U2"}, headers=_key(Role.AUDITOR)
        ).json()
        assert [e["nip"] for e in only["entries"]] == [NIPS[1]]
        early = client.get(
            "/v1/monitoring/mentoring", params={"flag": "early_gap"}, headers=_key(Role.AUDITOR)
        ).json()
        assert [e["flags"] for e in early["entries"]] == [["early_gap"]]
        bad = client.get(
            "/v1/monitoring/mentoring", params={"flag": "nope"}, headers=_key(Role.AUDITOR)
        )
        assert bad.status_code == 422
        text = client.get(
            "/v1/monitoring/mentoring", params={"format": "csv"}, headers=_key(Role.AUDITOR)
        )
        assert text.headers["content-type"].startswith("text/csv")
        lines = text.text.strip().splitlines()
        assert lines[0].startswith("nip,name,transfer_id")
        assert len(lines) == 3
        assert "Pelatihan Kepemimpinan Administrator (PKA)" in lines[1]


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_export_the_latest_runs_drift_and_counts(tmp_path: Path) -> None:
    root = tmp_path / "monitoring"
    write_sample_run(root)
    with web_client(tmp_path, monitor_dir=root) as client:
        samples = _samples(client.get("/metrics").text)
    run = {("model_version", "3"), ("report_id", REPORT_ID)}

    def value(name: str, **labels: str) -> float:
        return samples[(name, frozenset(run | set(labels.items())))]

    assert value("mutasi_drift_psi", column="target_unit_shortage", kind="feature") == 0.81
    assert value("mutasi_drift_shifted", column="target_unit_shortage", kind="feature") == 1.0
    assert value("mutasi_drift_shifted", column="gender", kind="attribute") == 0.0
    assert value("mutasi_monitoring_retrain_recommended") == 1.0
    assert value("mutasi_monitoring_moves", category="recommended_and_moved", status="rated") == 3
    assert value("mutasi_monitoring_moves", category="recommended_only", status="not_moved") == 2
    assert value("mutasi_mentoring_entries", flag="early_gap") == 1
    assert value("mutasi_monitoring_model_quality", metric="coverage") == 0.79
    assert value("mutasi_monitoring_report_age_seconds") != 0


@pytest.mark.parametrize(
    ("lang", "words"),
    [("id", ["Latih ulang model", "Daftar pendampingan", "Hanya dimutasi"]),
     ("en", ["Retrain the model", "Mentoring list", "Moved only"])],
)  # fmt: skip
def test_the_page_shows_the_run_in_both_languages(
    tmp_path: Path, lang: str, words: list[str]
) -> None:
    root = tmp_path / "monitoring"
    write_sample_run(root)
    with web_client(tmp_path, monitor_dir=root) as client:
        sign_in(client)
        page = client.get(f"/audit/monitoring?lang={lang}")
        assert page.status_code == 200
        for word in words:
            assert word in page.text
        assert 'class="flagged" data-column="target_unit_shortage"' in page.text
        csv = client.get("/audit/monitoring/mentoring.csv")
        assert csv.status_code == 200
        assert NIPS[1] in csv.text


def test_an_unreadable_run_is_a_clear_503(tmp_path: Path) -> None:
    root = tmp_path / "monitoring"
    run = write_sample_run(root)
    (run / "report.json").write_text("{not json", encoding="utf-8")
    with web_client(tmp_path, monitor_dir=root) as client:
        answer = client.get("/v1/monitoring/report", headers=_key(Role.AUDITOR))
        assert answer.status_code == 503
        assert "report.json" in answer.json()["detail"]
        assert "mutasi_drift_psi" not in client.get("/metrics").text
        sign_in(client)
        assert client.get("/audit/monitoring").status_code == 503


def test_the_reader_rereads_a_changed_run_and_refuses_a_path_outside(tmp_path: Path) -> None:
    root = tmp_path / "monitoring"
    run = write_sample_run(root)
    runs = MonitorRuns(root)
    assert runs.report().model.version == "3"
    changed = json.loads((run / "report.json").read_text())
    changed["model"]["version"] = "4"
    (run / "report.json").write_text(json.dumps(changed) + " ", encoding="utf-8")
    assert runs.report().model.version == "4"
    (root / "latest.json").write_text(json.dumps({"report_id": "../elsewhere"}))
    with pytest.raises(MonitoringReportError, match="names no run directory"):
        runs.report()
    with pytest.raises(NotFoundError):
        MonitorRuns(tmp_path / "nothing").mentoring()


def test_filters_combine() -> None:
    entries = sample_mentoring().entries
    assert filter_entries(entries) == entries
    assert filter_entries(entries, unit_id="U1", flag="early_gap") == []
    assert [e.nip for e in filter_entries(entries, nip=NIPS[0])] == [NIPS[0]]
