"""Request and response models of ``POST /v1/plans``: a transfer plan for many vacancies at once."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planning import GroupFloor, PlanPolicy
from serving.schemas.common import (
    EXAMPLE_NIP,
    Contribution,
    JsonDate,
    JsonFloat,
    JsonInt,
    Nip,
    PositionSummary,
    Prediction,
    ServedModel,
)
from serving.schemas.usulan import UsulanCitation

# The optimiser's own defaults, so that the API, the CLI and the library cannot drift apart.
DEFAULT_POLICY = PlanPolicy()
PositionId = Annotated[
    str, Field(min_length=1, max_length=64, description="position_id of an active position.")
]

# ---------------------------------------------------------------------------------------------
# Requests


class PlanVacancy(BaseModel):
    """One position to fill and how many seats."""

    model_config = ConfigDict(extra="forbid")

    position_id: PositionId
    count: JsonInt | None = Field(
        None,
        ge=1,
        le=1_000,
        description="Seats to fill (default: the position's shortage, ABK need minus headcount, "
        "at as_of; a position without a shortage then needs an explicit count).",
    )


class PlanPin(BaseModel):
    """A move that must happen (pins_in) or must not (pins_out)."""

    model_config = ConfigDict(extra="forbid")

    nip: Nip
    position_id: PositionId


FloorAttribute = Literal["gender", "age_band", "region_of_origin"]
FLOOR_DEFAULT: tuple[FloorAttribute, ...] = ("gender", "age_band", "region_of_origin")


class PlanFairnessRequest(BaseModel):
    """A floor on each protected group's share of the plan's moves (FA*IR's family, issue 13)."""

    model_config = ConfigDict(extra="forbid")

    attributes: list[FloorAttribute] = Field(
        default_factory=lambda: list(FLOOR_DEFAULT),
        min_length=1,
        description="Protected attributes whose groups get a floor.",
    )
    target: float = Field(
        1.0, gt=0, le=1, description="A group's floor as a share of its share of the candidates."
    )
    alpha: float = Field(
        0.1, gt=0, lt=1, description="Binomial tolerance: the floor at full size is FA*IR's "
        "minimum F^-1(alpha; seats, target x share).",
    )  # fmt: skip

    def to_floor(self) -> GroupFloor:
        """The optimiser's group floor."""
        return GroupFloor(tuple(self.attributes), self.target, self.alpha)


class PlanGroupShare(BaseModel):
    """A protected group's share of the candidates and of the plan's moves."""

    group: str = Field(examples=["gender=P"])
    candidate_share: float
    moves: int
    floor: float = Field(description="The fewest moves of the group the plan may have.")
    at_floor: bool


class PlanPolicyRequest(BaseModel):
    """The planner's rules and weights (docs/planning.md); every field is optional."""

    model_config = ConfigDict(extra="forbid")

    shortage_weight: JsonFloat = Field(
        DEFAULT_POLICY.shortage_weight,
        ge=0,
        allow_inf_nan=False,
        description="Value of reducing the total unit staffing shortage by one person, in "
        "rating points.",
    )
    min_unit_share: JsonFloat = Field(
        DEFAULT_POLICY.min_unit_share,
        ge=0,
        le=1,
        description="A unit keeps at least ceil(share x ABK need) staff after its moves out.",
    )
    max_moves_out: JsonInt | None = Field(
        DEFAULT_POLICY.max_moves_out, ge=0, description="At most this many people leave a unit."
    )
    preference_weight: JsonFloat = Field(
        DEFAULT_POLICY.preference_weight,
        ge=0,
        allow_inf_nan=False,
        description="Bonus for a move the employee asked for (first choice; 2/3 and 1/3 of it "
        "for a second and third choice).",
    )
    opt_out: list[Nip] = Field(default_factory=list, description="NIPs never moved.")
    pins_in: list[PlanPin] = Field(default_factory=list, description="Moves that must happen.")
    pins_out: list[PlanPin] = Field(default_factory=list, description="Moves that must not.")
    fairness: PlanFairnessRequest | None = Field(
        None, description="Floors on protected groups' shares of the moves (none by default)."
    )

    def to_policy(self) -> PlanPolicy:
        """The optimiser's policy (raises :class:`planning.PlanError` on conflicting pins)."""
        return PlanPolicy(
            shortage_weight=self.shortage_weight,
            min_unit_share=self.min_unit_share,
            max_moves_out=self.max_moves_out,
            preference_weight=self.preference_weight,
            opt_out=self.opt_out,
            pins_in=[(p.nip, p.position_id) for p in self.pins_in],
            pins_out=[(p.nip, p.position_id) for p in self.pins_out],
            fairness=self.fairness.to_floor() if self.fairness is not None else None,
        )


class PlanRequest(BaseModel):
    """Fill many vacancies at once from one candidate pool."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "vacancies": [
                        {"position_id": "J000123"},
                        {"position_id": "J000456", "count": 2},
                    ],
                    "as_of": "2026-01-02",
                    "policy": {
                        "shortage_weight": 1.0,
                        "min_unit_share": 0.8,
                        "max_moves_out": 3,
                        "opt_out": [EXAMPLE_NIP],
                    },
                }
            ]
        },
    )

    vacancies: list[PlanVacancy] = Field(min_length=1, description="Positions to fill.")
    as_of: JsonDate | None = Field(
        None, description="Date of the decision (default: today); not far in the future."
    )
    candidate_nips: list[Nip] | None = Field(
        None,
        min_length=1,
        description="Pool to plan from (default: every employee in service at as_of). NIPs not "
        "in the snapshot are listed in `unknown_nips`.",
    )
    policy: PlanPolicyRequest = Field(default_factory=PlanPolicyRequest)

    @model_validator(mode="after")
    def _unique_vacancies(self) -> PlanRequest:
        ids = [v.position_id for v in self.vacancies]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"vacancies: each position_id once; repeated: {repeated}")
        return self


# ---------------------------------------------------------------------------------------------
# Responses


class PlanObjective(BaseModel):
    """The plan's value: predicted performance + preference bonus + shortage term."""

    total: float
    performance: float = Field(description="Sum of the chosen moves' predicted ratings.")
    preference_bonus: float
    shortage_term: float = Field(description="shortage_weight x shortage_reduction.")
    shortage_before: int = Field(description="Total unit shortage (staff) before the plan.")
    shortage_after: int
    shortage_reduction: int


class PlannedMove(BaseModel):
    """One person the plan moves into the vacancy, with why the model expects them to do well."""

    nip: str
    name: str | None
    from_position_id: str
    from_unit_id: str
    prediction: Prediction
    preference_priority: int | None = Field(description="1 = the employee's first choice.")
    preference_bonus: float
    pinned: bool
    between_units: bool = Field(description="False for a rotation inside one unit.")
    contributions: list[Contribution] = Field(description="Top SHAP contributions by magnitude.")
    usulan: UsulanCitation | None = Field(
        None,
        description="The employee's usulan statement in effect at as_of, which the preference "
        "features used (null: the HR export's preferences only).",
    )


class PlanAlternative(BaseModel):
    """A strong candidate the plan does not move here, and why."""

    rank: int
    nip: str
    name: str | None
    from_unit_id: str
    rating: float = Field(description="Predicted SKP rating after the move (1..5).")
    preference_bonus: float
    reason: str = Field(examples=["moves to J000456", "unit U00012 is at its unit_floor limit"])


class PlannedVacancy(BaseModel):
    """A vacancy, who fills it and who came next."""

    position: PositionSummary
    open_headcount: int
    filled: int
    unfilled: int
    n_eligible: int = Field(description="Eligible candidates in the pool.")
    assignments: list[PlannedMove]
    alternatives: list[PlanAlternative]


class UnitStaffing(BaseModel):
    """A unit's staffing before and after the plan (shortage = max(0, ABK need - headcount))."""

    unit_id: str
    unit_name: str | None
    abk_need: int
    floor: int = Field(description="Headcount moves out may not go below.")
    bezetting_before: int
    arrivals: int
    departures: int
    moves_within: int
    bezetting_after: int
    shortage_before: int
    shortage_after: int
    out_cap: int | None = Field(description="Most people who may leave; null = no limit.")
    out_limit: str | None = Field(description="unit_floor or max_moves_out: what sets out_cap.")
    at_cap: bool
    limit_binds: bool = Field(description="At its cap while someone who could leave stays.")


class BindingRule(BaseModel):
    """A constraint family that shapes the plan."""

    family: str = Field(examples=["unit_floor"])
    count: int
    detail: str


class PlanEligibility(BaseModel):
    """The pool and how many (candidate, vacancy) pairs the rules allow."""

    n_candidates: int
    n_pairs_considered: int
    n_pairs_eligible: int
    n_pairs_excluded: int = Field(description="Eligible pairs removed by opt_out and pins_out.")
    ineligible_by_rule: dict[str, int] = Field(
        description="Ineligible pairs per rule (a pair failing two rules counts in both)."
    )


class PlanOptOut(BaseModel):
    """An employee's opt-out from being moved (their usulan statement) and what the plan did."""

    nip: str
    statement_id: str
    version: int
    reason_code: str
    honoured: bool = Field(description="False when the request pins the person into a move.")


class PlanParticipation(BaseModel):
    """What the plan took from usulan statements received through the service."""

    opt_outs: list[PlanOptOut]


class PlanResponse(BaseModel):
    """A transfer plan: who moves where, what it is worth, and which rules shaped it."""

    request_id: str
    as_of: date
    model: ServedModel
    status: Literal["optimal", "time_limit"]
    method: str = Field(description="milp or linear_sum_assignment.")
    objective: PlanObjective
    mip_gap: float = Field(description="Relative optimality gap; 0 = proven optimal.")
    dual_bound: float | None
    solve_seconds: float
    vacancies: list[PlannedVacancy]
    units: list[UnitStaffing]
    binding: list[BindingRule]
    eligibility: PlanEligibility
    unknown_nips: list[str]
    fairness: list[PlanGroupShare] | None = Field(
        None, description="With a fairness policy: each constrained group's share of the moves."
    )
    participation: PlanParticipation = Field(
        default_factory=lambda: PlanParticipation(opt_outs=[]),
        description="Opt-outs from usulan statements; each move cites its statement (usulan).",
    )
