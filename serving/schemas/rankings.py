"""Requests and answers of the rankings endpoints: candidates for one position."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from serving.schemas.common import (
    EXAMPLE_NIP,
    CompetencyCode,
    CompetencyLevel,
    Contribution,
    EducationField,
    EducationLevel,
    Failure,
    JabatanType,
    JsonBool,
    JsonDate,
    JsonInt,
    Nip,
    PnsGolongan,
    PositionSummary,
    Prediction,
    ServedModel,
    ShortlistOptions,
    StaffingImpact,
)
from serving.schemas.usulan import UsulanCitation


class RankingOptions(ShortlistOptions):
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

    k: JsonInt = Field(10, ge=1, le=100, description="How many eligible candidates to return.")
    as_of: JsonDate | None = Field(
        None, description="Date of the decision (default: today); not far in the future."
    )
    candidate_nips: list[Nip] | None = Field(
        None,
        min_length=1,
        description="Pool to rank (default: every employee not already in the position). "
        "NIPs not in the snapshot are listed in `unknown_nips`.",
    )
    include_ineligible: JsonBool = Field(
        False, description="Also list every ineligible candidate with the rules it fails."
    )


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
    abk_need: JsonInt = Field(
        1, ge=0, le=10_000, description="Headcount the workload analysis needs."
    )


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
    score_rank: int | None = Field(
        None,
        description="Rank by predicted rating alone; differs from `rank` where the fairness "
        "policy moved the candidate (absent in answers from before fairness policies).",
    )

    usulan: UsulanCitation | None = Field(
        None,
        description="The employee's usulan statement in effect at as_of, which the preference "
        "features used (null: the HR export's preferences only).",
    )


class FairnessApplied(BaseModel):
    """Which fairness policy produced the order of the candidates (docs/fairness.md)."""

    policy: str = Field(examples=["none", "fa*ir(target=1, alpha=0.1: gender, age_band)"])
    method: str = Field(description="`none`: by predicted rating; `fair`: FA*IR re-ranking.")
    attributes: list[str] = Field(description="Protected attributes whose groups it constrains.")
    target: float | None = Field(description="Minimum proportion as a share of the pool share.")
    alpha: float | None = Field(description="Significance of FA*IR's ranked group fairness test.")
    moved_up: int = Field(
        description="Returned candidates the predicted rating alone would not have put in the "
        "top k."
    )
    unmet_groups: list[str] = Field(
        description="Groups whose minimum could not be met (nobody of them left in the pool)."
    )


class RankingResponse(BaseModel):
    """Top-k eligible candidates for a position."""

    request_id: str
    as_of: date
    model: ServedModel
    position: PositionSummary
    candidates: list[RankedCandidate]
    eligibility: EligibilitySummary
    unknown_nips: list[str] = Field(description="Requested NIPs that are not in the snapshot.")
    fairness: FairnessApplied | None = Field(
        None,
        description="The fairness policy that produced this order (absent in answers given "
        "before fairness policies were recorded).",
    )
