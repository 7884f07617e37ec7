"""Requests and answers of the employee self-service endpoints: employee tokens for portals,
and the answers about one employee, their own part only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from serving.schemas.common import EXAMPLE_NIP, Nip


class TokenRequest(BaseModel):
    """Let a portal key act for one employee (the HR system has signed them in)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"nip": EXAMPLE_NIP, "portal_key_id": "portal-1"}]},
    )

    nip: Nip
    portal_key_id: str = Field(
        min_length=1, max_length=64, description="key_id of a configured employee_portal key."
    )


class TokenResponse(BaseModel):
    """An employee token: the portal sends it in X-Employee-Token with its own key."""

    token: str
    header: str
    nip: str
    portal_key_id: str
    expires_at: datetime


class OwnAnswerRef(BaseModel):
    """An audited answer that concerns the employee."""

    request_id: str
    endpoint: str
    created_at: datetime
    as_of: date
    position_id: str | None
    concerns: Literal["subject", "listed"] = Field(
        description="subject: recommendations for them; listed: a ranking or plan lists them."
    )
    letter: str | None = Field(description="Path of their letter, for plans that move them.")


class OwnAnswers(BaseModel):
    """The answers about one employee, newest first."""

    nip: str
    answers: list[OwnAnswerRef]


class OwnAnswer(BaseModel):
    """One answer as it concerns the employee: their own entry, never anyone else's."""

    request_id: str
    endpoint: str
    created_at: datetime
    as_of: date
    model: dict[str, Any]
    position: dict[str, Any] | None = Field(description="The ranked or planned position.")
    entry: dict[str, Any] = Field(
        description="Their candidate entry (rankings), their move (plans), or the whole "
        "answer (recommendations for them), exactly as stored."
    )
