"""Request and response models of the API (v1), with field-level validation and examples."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

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


def _one_of(codes: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in codes:
            raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(codes)}")
        return value

    return AfterValidator(check)


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
CompetencyLevel = Annotated[int, Field(ge=min(COMPETENCY_LEVELS), le=max(COMPETENCY_LEVELS))]


# ---------------------------------------------------------------------------------------------
# Requests


class RankingOptions(BaseModel):
    """How many candidates, as of when, from which pool, how much explanation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"k": 10, "as_of": "2026-01-02", "explain_top": 3, "include_ineligible": False},
                {"k": 5, "candidate_nips": [EXAMPLE_NIP, "199001012015032001"]},
            ]
        },
    )

    k: int = Field(10, ge=1, le=100, description="How many eligible candidates to return.")
    as_of: date | None = Field(
        None, description="Date of the decision (default: today); not far in the future."
    )
    candidate_nips: list[Nip] | None = Field(
        None,
        min_length=1,
        description="Pool to rank (default: every employee not already in the position). "
        "NIPs not in the snapshot are listed in `unknown_nips`.",
    )
    explain_top: int | None = Field(
        None, ge=0, le=100, description="How many of the top k get SHAP reasons (default: k)."
    )
    include_ineligible: bool = Field(
        False, description="Also list every ineligible candidate with the rules it fails."
    )

    @model_validator(mode="after")
    def _explain_within_k(self) -> RankingOptions:
        if self.explain_top is not None and self.explain_top > self.k:
            raise ValueError(f"explain_top ({self.explain_top}) cannot exceed k ({self.k})")
        return self

    @property
    def n_explained(self) -> int:
        """Rows to explain: ``explain_top`` or all ``k``."""
        return self.k if self.explain_top is None else self.explain_top


class InlinePosition(BaseModel):
    """A position described in the request (e.g. a new post that is not in the snapshot yet)."""

    model_config = ConfigDict(extra="forbid")

    unit_id: str = Field(min_length=1, description="Unit of the post; must be in the snapshot.")
    title: str = Field(min_length=1, max_length=200)
    jabatan_type: JabatanType
    min_golongan: PnsGolongan | None = None
    min_education_level: EducationLevel | None = None
    education_fields: list[EducationField] = Field(
        default_factory=list, description="Fields that fit the post; empty = any field."
    )
    competency_requirements: dict[CompetencyCode, CompetencyLevel] = Field(
        default_factory=dict, description="Required competency levels, e.g. {'manajerial': 3}."
    )
    abk_need: int = Field(1, ge=0, le=10_000, description="Headcount the workload analysis needs.")


class InlineRankingRequest(RankingOptions):
    """Rank candidates for a position described inline."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "position": {
                        "unit_id": "U001",
                        "title": "Analis Kebijakan Kesehatan",
                        "jabatan_type": "fungsional_ahli_muda",
                        "min_golongan": "III/c",
                        "min_education_level": "S1",
                        "education_fields": ["kesehatan_masyarakat", "administrasi_publik"],
                        "competency_requirements": {"teknis_kesehatan": 3},
                        "abk_need": 2,
                    },
                    "k": 10,
                }
            ]
        },
    )

    position: InlinePosition


class RecommendationRequest(BaseModel):
    """Which vacancies suit one employee best."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"k": 5, "as_of": "2026-01-02"}]}
    )

    k: int = Field(10, ge=1, le=100, description="How many vacancies to return.")
    as_of: date | None = Field(None, description="Date of the decision (default: today).")
    explain_top: int | None = Field(None, ge=0, le=100, description="Default: k.")

    @model_validator(mode="after")
    def _explain_within_k(self) -> RecommendationRequest:
        if self.explain_top is not None and self.explain_top > self.k:
            raise ValueError(f"explain_top ({self.explain_top}) cannot exceed k ({self.k})")
        return self

    @property
    def n_explained(self) -> int:
        """Rows to explain: ``explain_top`` or all ``k``."""
        return self.k if self.explain_top is None else self.explain_top


class ReloadRequest(BaseModel):
    """What to reload: the champion model and/or the HR snapshot."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"model": True, "snapshot": False}]},
    )

    model: bool = Field(True, description="Load the current champion from the registry.")
    snapshot: bool = Field(False, description="Load the HR snapshot again (or from data_dir).")
    data_dir: str | None = Field(
        None, description="Contract directory of the new snapshot (default: the one served now)."
    )

    @model_validator(mode="after")
    def _something(self) -> ReloadRequest:
        if not (self.model or self.snapshot):
            raise ValueError("nothing to reload: set model and/or snapshot")
        if self.data_dir is not None and not self.snapshot:
            raise ValueError("data_dir needs snapshot=true")
        return self


# ---------------------------------------------------------------------------------------------
# Responses


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


class IneligibleCandidate(BaseModel):
    """A candidate the rules exclude, with every rule failed."""

    nip: str
    name: str | None
    failures: list[Failure]


class EligibilitySummary(BaseModel):
    """How the pool fared against the rule set."""

    n_considered: int
    n_eligible: int
    n_ineligible: int
    ineligible_by_rule: dict[str, int] = Field(
        description="Ineligible count per rule (a candidate failing two rules counts in both)."
    )
    ineligible: list[IneligibleCandidate] | None = Field(
        None, description="Only with include_ineligible."
    )


class RankedCandidate(BaseModel):
    """One eligible candidate in rank order."""

    rank: int
    nip: str
    name: str | None
    current_position_id: str | None
    current_unit_id: str | None
    prediction: Prediction
    contributions: list[Contribution] = Field(
        description="Top SHAP contributions by magnitude (empty beyond explain_top)."
    )
    staffing: StaffingImpact


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


class RankingResponse(BaseModel):
    """Top-k eligible candidates for a position."""

    request_id: str
    as_of: date
    model: ServedModel
    position: PositionSummary
    candidates: list[RankedCandidate]
    eligibility: EligibilitySummary
    unknown_nips: list[str] = Field(description="Requested NIPs that are not in the snapshot.")


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


class FeatureInfo(BaseModel):
    """One model feature as the catalogue describes it."""

    name: str
    meaning_en: str
    meaning_id: str
    unit: str
    group: str
    monotone: int


class ModelInfo(BaseModel):
    """The served model, its metrics, features and rule set."""

    name: str
    version: str
    run_id: str
    model_uri: str
    metrics: dict[str, float] = Field(description="Test-split metrics logged by training.")
    interval_level: float
    interval_half_width: float = Field(description="Conformal half-width, in rating points.")
    trained_on_snapshot_id: str
    trained_with_rule_set_version: str
    snapshot_id: str = Field(description="The HR snapshot served now.")
    snapshot_export_date: date | None
    features: list[FeatureInfo]
    rule_set: dict[str, Any]
    loaded_at: str


class ReloadResponse(BaseModel):
    """Outcome of a reload: what now serves."""

    status: Literal["reloaded"]
    reloaded: list[str]
    model: ServedModel
    seconds: float


class Health(BaseModel):
    """Liveness / readiness."""

    status: Literal["ok", "ready", "not_ready"]
    detail: str | None = None
    model: ServedModel | None = None
