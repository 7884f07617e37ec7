"""The decision endpoints' request and answer: who the official chose, by whom, and why."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from serving.audit.queries import DecisionRecord
from serving.schemas.common import EXAMPLE_NIP, Nip


class ReasonCode(StrEnum):
    """Why the official chose this person (documented in docs/audit.md)."""

    BEST_RANKED = "best_ranked"
    OPERATIONAL_NEED = "operational_need"
    EMPLOYEE_REQUEST = "employee_request"
    LEGAL_OBLIGATION = "legal_obligation"
    OTHER = "other"


REASONS: dict[ReasonCode, str] = {
    ReasonCode.BEST_RANKED: "The first-ranked candidate was chosen (only when they were).",
    ReasonCode.OPERATIONAL_NEED: "An operational need of the unit the model does not see "
    "(e.g. a skill needed now, continuity of a programme).",
    ReasonCode.EMPLOYEE_REQUEST: "The employee asked for the move (e.g. family reasons).",
    ReasonCode.LEGAL_OBLIGATION: "A legal obligation or decision requires this placement "
    "(e.g. a court or KASN decision, reinstatement).",
    ReasonCode.OTHER: "Another reason, explained in the note (required).",
}


class OverrideKind(StrEnum):
    """How a choice departs from the ranking."""

    NOT_RANKED_FIRST = "not_ranked_first"
    INELIGIBLE = "ineligible"


class DecisionRequest(BaseModel):
    """The official's decision on a ranking."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"chosen_nip": EXAMPLE_NIP, "decided_by": "Drs. Hasan Mahmud (Kepala BKD)"},
                {
                    "chosen_nip": "199001012015032001",
                    "decided_by": "197001011995031001",
                    "reason_code": "operational_need",
                    "note": "Needs a certified auditor before the March inspection.",
                },
            ]
        },
    )

    chosen_nip: Nip
    decided_by: str = Field(
        min_length=1, max_length=200, description="Name or NIP of the official who decided."
    )
    reason_code: ReasonCode | None = Field(
        None,
        description="Why; required (and not best_ranked) when the chosen person was not "
        "ranked first or was ineligible. Default best_ranked for the first-ranked candidate.",
    )
    note: str | None = Field(None, max_length=2000, description="Free text; required for other.")


class DecisionResponse(BaseModel):
    """A recorded decision."""

    decision_id: str
    request_id: str
    decided_at: datetime
    chosen_nip: str
    chosen_rank: int | None = Field(description="Rank in the answer; null if ineligible.")
    decided_by: str
    reason_code: ReasonCode
    note: str | None
    override: bool = Field(description="The choice departs from the ranking.")
    override_kind: OverrideKind | None
    recorded_by: str = Field(description="Key id of the system that recorded the decision.")
    seq: int | None = Field(description="Place of the decision in the audit hash chain.")

    @classmethod
    def of(cls, record: DecisionRecord) -> DecisionResponse:
        """The response for a stored decision."""
        kind = None if record.override_kind is None else OverrideKind(record.override_kind)
        return cls(
            decision_id=record.decision_id,
            request_id=record.request_id,
            decided_at=record.decided_at,
            chosen_nip=record.chosen_nip,
            chosen_rank=record.chosen_rank,
            decided_by=record.decided_by,
            reason_code=ReasonCode(record.reason_code),
            note=record.note,
            override=record.override,
            override_kind=kind,
            recorded_by=record.key_id,
            seq=record.seq,
        )
