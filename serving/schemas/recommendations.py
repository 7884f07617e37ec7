"""Requests and answers of the recommendations endpoint: vacancies for one employee."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from serving.schemas.common import (
    Contribution,
    JsonInt,
    PositionSummary,
    Prediction,
    ServedModel,
    ShortlistOptions,
    StaffingImpact,
)
from serving.schemas.usulan import UsulanCitation


class RecommendationRequest(ShortlistOptions):
    """Which vacancies suit one employee best."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"k": 5, "as_of": "2026-01-02"}]}
    )

    k: JsonInt = Field(10, ge=1, le=100, description="How many vacancies to return.")


class RecommendedPosition(BaseModel):
    """One vacancy in rank order for the employee."""

    rank: int
    position: PositionSummary
    prediction: Prediction
    contributions: list[Contribution]
    staffing: StaffingImpact


class VacancyEligibility(BaseModel):
    """How many vacancies the employee may move to."""

    n_vacancies: int
    n_eligible: int
    n_ineligible: int
    ineligible_by_rule: dict[str, int]


class RecommendationResponse(BaseModel):
    """Best vacancies for one employee."""

    request_id: str
    as_of: date
    model: ServedModel
    nip: str
    name: str | None
    current_position_id: str | None
    positions: list[RecommendedPosition]
    eligibility: VacancyEligibility
    usulan: UsulanCitation | None = Field(
        None,
        description="The employee's usulan statement in effect at as_of, which the preference "
        "features used (null: the HR export's preferences only).",
    )
