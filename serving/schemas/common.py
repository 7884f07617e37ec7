"""What every answer of the API (v1) shares: field types with validation, the served model,
the position, a prediction and its SHAP contributions. Each endpoint's own models live in the
module named after it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from features.contract import (
    COMPETENCY_CODES,
    COMPETENCY_LEVELS,
    EDUCATION_FIELDS,
    EDUCATION_LEVELS,
    JABATAN_TYPES,
    PNS_GOLONGAN,
)

EXAMPLE_NIP = "198503122010011002"


def _nip(value: str) -> str:
    if len(value) != 18 or not value.isascii() or not value.isdigit():
        raise ValueError("a NIP is exactly 18 digits")
    return value


def _date_text(value: object) -> object:
    # Lax pydantic reads a number as a Unix timestamp; a decision date is written YYYY-MM-DD.
    if isinstance(value, str | date):
        return value
    raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")


def _one_of(codes: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in codes:
            raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(codes)}")
        return value

    return AfterValidator(check)


# Request fields take JSON's own types only. FastAPI validates the parsed body in pydantic's
# lax Python mode, which would read `true` as 1, "10" as 10 and 1 as True, while the OpenAPI
# schema promises integers, numbers and booleans. (Strict still admits an integer where a float
# is asked, as JSON does.)
JsonInt = Annotated[int, Strict()]
JsonFloat = Annotated[float, Strict()]
JsonBool = Annotated[bool, Strict()]
JsonDate = Annotated[date, BeforeValidator(_date_text)]

Nip = Annotated[
    str,
    AfterValidator(_nip),
    Field(description="NIP: 18 digits", examples=[EXAMPLE_NIP]),
]
JabatanType = Annotated[
    str, _one_of(JABATAN_TYPES, "jabatan type"), Field(json_schema_extra={"enum": [*JABATAN_TYPES]})
]
# A position's minimum grade is a PNS golongan: PPPK grades are another scheme (no mutasi).
PnsGolongan = Annotated[
    str, _one_of(PNS_GOLONGAN, "PNS golongan"), Field(json_schema_extra={"enum": [*PNS_GOLONGAN]})
]
EducationLevel = Annotated[
    str,
    _one_of(EDUCATION_LEVELS, "education level"),
    Field(json_schema_extra={"enum": [*EDUCATION_LEVELS]}),
]
EducationField = Annotated[
    str,
    _one_of(EDUCATION_FIELDS, "education field"),
    Field(json_schema_extra={"enum": [*EDUCATION_FIELDS]}),
]
CompetencyCode = Annotated[str, _one_of(COMPETENCY_CODES, "competency code")]
CompetencyLevel = Annotated[JsonInt, Field(ge=min(COMPETENCY_LEVELS), le=max(COMPETENCY_LEVELS))]


class Contribution(BaseModel):
    """One SHAP contribution with its plain-language reason."""

    feature: str
    value: float | None = Field(description="The feature's value for this pair (null = missing).")
    contribution: float = Field(description="Effect on the predicted rating, in rating points.")
    reason_id: str = Field(examples=["Bidang pendidikan sangat sesuai dengan sektor unit (+0.31)"])
    reason_en: str = Field(examples=["Education field fits the unit's sector very well (+0.31)"])


class Prediction(BaseModel):
    """Predicted SKP rating after the move (1 = sangat kurang .. 5 = sangat baik)."""

    rating: float = Field(examples=[4.21])
    lower: float = Field(description="Lower end of the conformal interval.", examples=[3.62])
    upper: float = Field(description="Upper end of the conformal interval.", examples=[4.80])
    interval_level: float = Field(description="Nominal coverage of the interval.", examples=[0.9])
    p_baik_or_better: float = Field(description="P(rating is baik or sangat baik).", ge=0, le=1)


class StaffingImpact(BaseModel):
    """Shortage (ABK need - headcount; negative = surplus) before and after the move."""

    source_position_id: str | None
    source_unit_id: str | None
    source_unit_shortage_after: int | None = Field(
        description="Shortage of the candidate's current unit once the candidate leaves."
    )
    target_position_shortage_before: int
    target_position_shortage_after: int
    target_unit_shortage_before: int
    target_unit_shortage_after: int


class Failure(BaseModel):
    """One eligibility rule a candidate fails."""

    rule_id: str
    message_id: str
    message_en: str
    source: str = Field(description="Legal basis of the rule, e.g. 'PP 11/2017 Pasal 190(3)'.")


class ServedModel(BaseModel):
    """Lineage of an answer."""

    name: str
    version: str
    run_id: str
    rule_set_version: str
    snapshot_id: str


class PositionSummary(BaseModel):
    """The target position and its staffing."""

    position_id: str | None = Field(description="Null for an inline position.")
    unit_id: str
    unit_name: str | None
    title: str
    jabatan_type: str
    abk_need: int
    bezetting: int
    shortage: int


class ShortlistOptions(BaseModel):
    """What every shortlist request asks: how many rows, as of when, how many explained."""

    k: JsonInt = Field(10, ge=1, le=100, description="How many rows to return.")
    as_of: JsonDate | None = Field(None, description="Date of the decision (default: today).")
    explain_top: JsonInt | None = Field(
        None, ge=0, le=100, description="How many of the top k get SHAP reasons (default: k)."
    )

    @model_validator(mode="after")
    def _explain_within_k(self) -> ShortlistOptions:
        if self.explain_top is not None and self.explain_top > self.k:
            raise ValueError(f"explain_top ({self.explain_top}) cannot exceed k ({self.k})")
        return self

    @property
    def n_explained(self) -> int:
        """Rows to explain: ``explain_top`` or all ``k``."""
        return self.k if self.explain_top is None else self.explain_top
