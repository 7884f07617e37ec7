"""Requests and answers of the objection endpoints: an employee contests an audited answer or
a planned move, a person reviews it, and a plan becomes final only when none is left open."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from serving.audit.participation_records import ObjectionRecord, PlanFinalRecord
from serving.schemas.common import EXAMPLE_NIP, Nip


class ObjectionCategory(StrEnum):
    """What the objection is about (docs/participation.md)."""

    WRONG_DATA = "wrong_data"
    PERSONAL_CIRCUMSTANCES = "personal_circumstances"
    WISHES_IGNORED = "wishes_ignored"
    PROCEDURE = "procedure"
    HUMAN_REVIEW = "human_review"
    OTHER = "other"


class ReviewOutcome(StrEnum):
    """A reviewer's finding: the objection is right (upheld) or not (rejected)."""

    UPHELD = "upheld"
    REJECTED = "rejected"


class ObjectionRequest(BaseModel):
    """An objection (keberatan) to an audited answer or plan."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "request_id": "0f3c9a2b4d5e6f708192a3b4c5d6e7f8",
                    "nip": EXAMPLE_NIP,
                    "category": "personal_circumstances",
                    "reason": "Saya merawat orang tua yang sakit di kota ini.",
                    "submitted_by": "portal: pegawai sendiri",
                }
            ]
        },
    )

    request_id: str = Field(
        min_length=1, max_length=64, description="request_id of the audited answer or plan."
    )
    nip: Nip = Field(description="The objecting employee; the answer must concern them.")
    position_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="The move or position objected to (default: the one the answer gives them).",
    )
    category: ObjectionCategory
    reason: str = Field(min_length=1, max_length=4000, description="Why, in their own words.")
    submitted_by: str = Field(min_length=1, max_length=200)


class ReviewRequest(BaseModel):
    """A person's review of an objection."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "outcome": "rejected",
                    "reviewed_by": "Dra. Rahmawati (Kepala Bidang Mutasi)",
                    "reason": "Unit tujuan berada di kota yang sama; tidak ada kendala perawatan.",
                }
            ]
        },
    )

    outcome: ReviewOutcome
    reviewed_by: str = Field(min_length=1, max_length=200, description="Name or NIP.")
    reason: str = Field(min_length=1, max_length=4000, description="Why, for the employee.")


class Review(BaseModel):
    """A recorded review."""

    review_id: str
    outcome: ReviewOutcome
    reviewed_by: str
    reason: str
    reviewed_at: datetime
    key_id: str
    seq: int | None


class ObjectionResponse(BaseModel):
    """A recorded objection and its status."""

    objection_id: str
    request_id: str
    endpoint: str | None = Field(description="What was objected to: plan, rank_position, ...")
    nip: str
    position_id: str | None
    category: str
    reason: str
    submitted_by: str
    submitted_at: datetime
    status: Literal["open", "upheld", "rejected"]
    review: Review | None
    seq: int | None = Field(description="Place in the audit log's hash chain.")

    @classmethod
    def of(cls, record: ObjectionRecord, endpoint: str | None) -> ObjectionResponse:
        """The answer's form of a stored objection."""
        review = record.review
        return cls(
            objection_id=record.objection_id,
            request_id=record.request_id,
            endpoint=endpoint,
            nip=record.nip,
            position_id=record.position_id,
            category=record.category,
            reason=record.reason,
            submitted_by=record.submitted_by,
            submitted_at=record.submitted_at,
            status="open" if review is None else ReviewOutcome(review.outcome).value,
            review=None
            if review is None
            else Review(
                review_id=review.review_id,
                outcome=ReviewOutcome(review.outcome),
                reviewed_by=review.reviewed_by,
                reason=review.reason,
                reviewed_at=review.reviewed_at,
                key_id=review.key_id,
                seq=review.seq,
            ),
            seq=record.seq,
        )


class ObjectionList(BaseModel):
    """A page of objections, newest first."""

    objections: list[ObjectionResponse]


class FinalisationRequest(BaseModel):
    """Declare a plan final (the official adopting it)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"finalised_by": "Drs. Hasan Mahmud (Kepala BKPSDM)"}]},
    )

    finalised_by: str = Field(min_length=1, max_length=200)
    override_reason: str | None = Field(
        None,
        min_length=1,
        max_length=4000,
        description="Admin only: why the plan becomes final while objections to it are open or "
        "were upheld.",
    )


class Finalisation(BaseModel):
    """A plan's finalisation as recorded."""

    final_id: str
    finalised_by: str
    finalised_at: datetime
    override: bool
    override_reason: str | None
    overridden: list[str] = Field(description="Objection ids the override passed over.")
    key_id: str
    role: str
    seq: int | None

    @classmethod
    def of(cls, record: PlanFinalRecord) -> Finalisation:
        """The answer's form of a stored finalisation."""
        return cls(
            final_id=record.final_id,
            finalised_by=record.finalised_by,
            finalised_at=record.finalised_at,
            override=record.override,
            override_reason=record.override_reason,
            overridden=list(record.overridden),
            key_id=record.key_id,
            role=record.role,
            seq=record.seq,
        )


ExportStatus = Literal["open_objections", "upheld_objections", "ready", "final"]


class PlanStatus(BaseModel):
    """Whether a plan may be exported as final, and why not."""

    request_id: str
    status: ExportStatus = Field(
        description="open_objections / upheld_objections: not final yet (an admin may override "
        "with a reason); ready: may be declared final; final: declared final."
    )
    n_moves: int
    open: list[str] = Field(description="Ids of open objections.")
    upheld: list[str]
    rejected: list[str]
    final: Finalisation | None
