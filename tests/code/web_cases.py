"""Synthetic audit records and an app without a model, for the fast auditor-page tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from mutasi.settings import Settings
from serving.api.app import create_app
from serving.api.security import Role, key_line
from serving.audit import AuditStore
from serving.audit.records import AnswerRecord, ItemRecord, Lineage
from serving.schemas.common import (
    Contribution,
    Failure,
    PositionSummary,
    Prediction,
    ServedModel,
    StaffingImpact,
)
from serving.schemas.rankings import (
    EligibilitySummary,
    IneligibleCandidate,
    RankedCandidate,
    RankingResponse,
)

KEYS: dict[Role, str] = {role: f"mk_web_{role.value}_fedcba9876543210" for role in Role}
LINEAGE = Lineage("mutasi-fit", "3", "run123", "2025.1", "abc123def456")
NIPS = ("198503122010011002", "199001012015032001", "198801012012121001")
# Feature -> (value, SHAP contribution); 13 features so that the waterfall lumps the smallest.
SHAP: dict[str, tuple[float | None, float]] = {
    "field_sector_fit": (1.0, 0.31),
    "field_position_fit": (1.0, 0.12),
    "education_level_gap": (0.0, -0.05),
    "overqualification": (0.0, 0.01),
    "golongan_gap": (2.0, 0.08),
    "years_in_grade": (3.5, -0.11),
    "f07": (None, 0.004),
    "f08": (0.2, -0.003),
    "f09": (1.0, 0.002),
    "f10": (1.0, 0.02),
    "f11": (5.0, -0.02),
    "f12": (1.0, 0.0),
    "f13": (7.0, 0.07),
}
BASE = 3.4


def web_settings(tmp_path: Path, **changes: object) -> Settings:
    """Settings on a throw-away var dir with the web test keys."""
    lines = [key_line(f"web-{role.value}", role, key) for role, key in KEYS.items()]
    values: dict[str, object] = {
        "var_dir": tmp_path,
        "data_dir": tmp_path / "no-data",
        "audit_db_url": f"sqlite:///{tmp_path / 'audit.db'}",
        "api_keys": lines,
        "web_cookie_secure": False,
    } | changes
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@contextmanager
def web_client(tmp_path: Path, **changes: object) -> Iterator[TestClient]:
    """The app with its audit log but no model (lifespan not run: no load is attempted)."""
    app = create_app(web_settings(tmp_path, **changes))
    app.state.audit.create_schema()
    try:
        yield TestClient(app)
    finally:
        app.state.audit.dispose()


def store_of(client: TestClient) -> AuditStore:
    """The audit store behind a test client."""
    store: AuditStore = client.app.state.audit  # type: ignore[attr-defined]
    return store


def sign_in(client: TestClient, role: Role = Role.AUDITOR) -> None:
    """Sign the client in with the test key of ``role`` (asserts it worked)."""
    response = client.post("/audit/login", data={"api_key": KEYS[role]}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _candidate(rank: int, nip: str) -> RankedCandidate:
    top = sorted(SHAP.items(), key=lambda kv: -abs(kv[1][1]))[:5]
    return RankedCandidate(
        rank=rank,
        nip=nip,
        name=f"Pegawai {rank}",
        current_position_id=f"P{rank:03d}",
        current_unit_id="U001",
        prediction=Prediction(
            rating=4.0 - rank / 10, lower=3.5, upper=4.5, interval_level=0.8, p_baik_or_better=0.7
        ),
        contributions=[
            Contribution(
                feature=name,
                value=value,
                contribution=shap,
                reason_id=f"alasan {name} ({shap:+.2f})",
                reason_en=f"reason {name} ({shap:+.2f})",
            )
            for name, (value, shap) in top
        ],
        staffing=StaffingImpact(
            source_position_id=f"P{rank:03d}",
            source_unit_id="U001",
            source_unit_shortage_after=1,
            target_position_shortage_before=1,
            target_position_shortage_after=0,
            target_unit_shortage_before=2,
            target_unit_shortage_after=1,
        ),
    )


def ranking_record(request_id: str, position_id: str = "P900", key_id: str = "hr") -> AnswerRecord:
    """A stored ranking of two candidates for ``position_id``, the first explained by SHAP."""
    candidates = [_candidate(1, NIPS[0]), _candidate(2, NIPS[1])]
    response = RankingResponse(
        request_id=request_id,
        as_of=date(2025, 1, 31),
        model=ServedModel(
            name="mutasi-fit",
            version="3",
            run_id="run123",
            rule_set_version="2025.1",
            snapshot_id="abc123def456",
        ),
        position=PositionSummary(
            position_id=position_id,
            unit_id="U009",
            unit_name="Dinas Kesehatan",
            title="Analis <Kebijakan>",
            jabatan_type="fungsional_ahli_muda",
            abk_need=3,
            bezetting=1,
            shortage=2,
        ),
        candidates=candidates,
        eligibility=EligibilitySummary(
            n_considered=3,
            n_eligible=2,
            n_ineligible=1,
            ineligible_by_rule={"min_golongan": 1},
            ineligible=[
                IneligibleCandidate(
                    nip=NIPS[2],
                    name="Pegawai 3",
                    failures=[
                        Failure(
                            rule_id="min_golongan",
                            message_id="Golongan di bawah syarat",
                            message_en="Grade below the requirement",
                            source="PP 11/2017",
                        )
                    ],
                )
            ],
        ),
        unknown_nips=[],
    )
    features = {name: value for name, (value, _) in SHAP.items()}
    values = {name: shap for name, (_, shap) in SHAP.items()}
    raw = BASE + sum(values.values())
    items = [
        ItemRecord(
            rank=1,
            nip=NIPS[0],
            position_id="P001",
            prediction=raw,
            raw_prediction=raw,
            lower=3.5,
            upper=4.5,
            p_baik_or_better=0.7,
            features=features,
            shap_base_value=BASE,
            shap_values=values,
        ),
        ItemRecord(
            rank=2,
            nip=NIPS[1],
            position_id="P002",
            prediction=3.8,
            raw_prediction=3.8,
            lower=3.3,
            upper=4.3,
            p_baik_or_better=0.6,
            features=features,
        ),
    ]
    return AnswerRecord(
        request_id=request_id,
        key_id=key_id,
        role="hr_system",
        endpoint="rank_position",
        as_of=date(2025, 1, 31),
        request_json=json.dumps({"position_id": position_id}),
        response_json=response.model_dump_json(),
        lineage=LINEAGE,
        position_id=position_id,
        items=items,
    )
