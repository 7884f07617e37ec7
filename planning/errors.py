"""Why a plan cannot be made: errors that name the input field or the constraint family."""

from __future__ import annotations

from enum import StrEnum


class Family(StrEnum):
    """Constraint families of the plan; messages and the infeasibility diagnosis use these names."""

    PERSON = "person"  # each person moves at most once
    VACANCY = "vacancy"  # each vacancy takes at most its open headcount
    UNIT_FLOOR = "unit_floor"  # a source unit keeps its minimum share of ABK need
    MAX_MOVES_OUT = "max_moves_out"  # at most N moves out of any one unit
    PINS = "pins"  # pinned pairs in (forced) and out (forbidden)
    GROUP_FLOOR = "group_floor"  # each protected group gets its share of the moves (issue 13)
    OPT_OUT = "opt_out"  # nips excluded from the plan
    ELIGIBILITY = "eligibility"  # only eligible pairs are variables
    INPUT = "input"  # malformed input tables or policy


class PlanError(ValueError):
    """A plan cannot be made. ``constraint`` names the constraint family (or ``input``)."""

    def __init__(self, message: str, constraint: Family | str) -> None:
        super().__init__(message)
        self.message = message
        self.constraint = str(constraint)


class PlanInputError(PlanError):
    """The input tables or the policy are malformed; the message names table, field and rows."""

    def __init__(self, message: str) -> None:
        super().__init__(message, Family.INPUT)


class PlanInfeasibleError(PlanError):
    """The rules admit no plan (or nothing to plan); ``constraint`` is the family that binds."""
