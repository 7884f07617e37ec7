"""Requests and answers of the usulan endpoints: an employee's wishes for the next mutasi.

An usulan names up to three units with a priority and the reason in the employee's words, or
asks not to be moved this cycle (with a reason code). Each submission, change or withdrawal is
a new version; the newest one in effect wins over the HR export's ``preferences``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from serving.schemas.common import EXAMPLE_NIP, JsonInt

MAX_CHOICES = 3  # contract: preferences.priority is 1 (first choice) .. 3


class OptOutReason(StrEnum):
    """Why an employee asks not to be moved this cycle (docs/participation.md)."""

    HEALTH = "health"
    FAMILY = "family"
    TUGAS_BELAJAR = "tugas_belajar"
    CHILDCARE = "childcare"
    NEAR_RETIREMENT = "near_retirement"
    OTHER = "other"


class UsulanChoiceIn(BaseModel):
    """One unit wished for."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit_id: str = Field(min_length=1, max_length=64, description="A unit of the snapshot.")
    priority: JsonInt = Field(ge=1, le=MAX_CHOICES, description="1 = first choice.")
    reason: str | None = Field(
        None, max_length=1000, description="Why, in the employee's words (shown to reviewers)."
    )


class OptOutIn(BaseModel):
    """Not to be moved in this cycle."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason_code: OptOutReason
    note: str | None = Field(
        None, max_length=1000, validate_default=True, description="Required for `other`."
    )

    @field_validator("note", mode="after")
    @classmethod
    def _note_for_other(cls, note: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("reason_code") is OptOutReason.OTHER and not note:
            raise ValueError("reason_code other needs a note saying why")
        return note


class UsulanRequest(BaseModel):
    """Submit (POST) or change (PUT) an employee's usulan."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "choices": [
                        {"unit_id": "U001", "priority": 1, "reason": "Dekat keluarga"},
                        {"unit_id": "U004", "priority": 2},
                    ],
                    "submitted_by": "portal: pegawai sendiri",
                },
                {
                    "opt_out": {"reason_code": "tugas_belajar"},
                    "submitted_by": "Siti Aminah (BKPSDM)",
                },
            ]
        },
    )

    choices: list[UsulanChoiceIn] = Field(
        default_factory=list,
        max_length=MAX_CHOICES,
        description="Up to three different units, each with its own priority.",
    )
    opt_out: OptOutIn | None = Field(
        None, validate_default=True, description="Ask not to be moved this cycle."
    )
    submitted_by: str = Field(
        min_length=1, max_length=200, description="Who entered it (the employee, an HR officer)."
    )
    note: str | None = Field(None, max_length=2000)
    replaces_version: JsonInt | None = Field(
        None,
        ge=1,
        description="PUT: the version being changed (409 if another change came first).",
    )

    @field_validator("choices")
    @classmethod
    def _each_once(cls, choices: list[UsulanChoiceIn]) -> list[UsulanChoiceIn]:
        units = [c.unit_id for c in choices]
        if len(set(units)) != len(units):
            repeated = sorted({u for u in units if units.count(u) > 1})
            raise ValueError(f"each unit once; repeated: {repeated}")
        priorities = [c.priority for c in choices]
        if len(set(priorities)) != len(priorities):
            raise ValueError(f"each priority once; got {sorted(priorities)}")
        return choices

    # Runs when opt_out is absent too (validate_default), after choices: the error names
    # body.opt_out, the field that would make an empty statement valid.
    @field_validator("opt_out", mode="after")
    @classmethod
    def _wishes_or_opt_out(cls, opt_out: OptOutIn | None, info: ValidationInfo) -> OptOutIn | None:
        if "choices" not in info.data:  # choices itself failed: its error says why
            return opt_out
        choices = info.data["choices"]
        if not choices and opt_out is None:
            raise ValueError(
                "name at least one unit in choices or give opt_out (DELETE withdraws an usulan)"
            )
        if choices and opt_out is not None:
            raise ValueError("an opt-out from being moved cannot also name units in choices")
        return opt_out


class UsulanChoice(BaseModel):
    """One unit wished for, as stored."""

    unit_id: str
    unit_name: str | None = Field(description="Its name in the served snapshot (null if gone).")
    priority: int
    reason: str | None


class OptOut(BaseModel):
    """An opt-out as stored."""

    reason_code: str
    note: str | None


StatementStatus = Literal["active", "superseded", "withdrawn", "pending"]


class UsulanStatement(BaseModel):
    """One version of an employee's usulan."""

    statement_id: str
    nip: str
    version: int
    kind: Literal["usulan", "withdrawal"]
    status: StatementStatus = Field(
        description="active = the version in effect; pending = in effect from effective_on."
    )
    choices: list[UsulanChoice]
    opt_out: OptOut | None
    note: str | None
    submitted_by: str
    effective_on: date = Field(description="Counts for decisions on or after this date.")
    received_at: datetime
    key_id: str
    role: str
    seq: int | None = Field(description="Place in the audit log's hash chain.")


class ExportPreference(BaseModel):
    """A row of the HR export's ``preferences`` table (kept; the newest statement wins)."""

    unit_id: str
    unit_name: str | None
    priority: int
    submitted_on: date


class EffectivePreference(BaseModel):
    """A unit the employee counts as asking for at a date (what the features see)."""

    unit_id: str
    unit_name: str | None
    priority: int
    source: Literal["usulan", "export"]


class UsulanView(BaseModel):
    """An employee's usulan: every version, the export's rows, and what is in effect today."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"nip": EXAMPLE_NIP}]})

    nip: str
    name: str | None
    current: UsulanStatement | None = Field(description="The newest version, if any.")
    history: list[UsulanStatement] = Field(description="Every version, oldest first.")
    export_preferences: list[ExportPreference]
    as_of: date
    effective: list[EffectivePreference] = Field(
        description="Units asked for at as_of, first choice first, as rankings and plans see it."
    )
    opt_out: OptOut | None = Field(description="The opt-out in effect at as_of, if any.")
    not_applied: list[str] = Field(
        description="Parts of statements the served snapshot cannot apply (e.g. a unit gone)."
    )


class UsulanCitation(BaseModel):
    """The statement an answer used for an employee (audited with the answer)."""

    statement_id: str
    version: int
    kind: Literal["usulan", "withdrawal"]
    effective_on: date
    opt_out_reason: str | None = None
