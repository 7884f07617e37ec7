"""Human decisions on rankings: who the official chose, and why when it was not the model's first.

The service only supports the decision; an official takes it. Recording the decision next to
the ranking it was taken on makes every departure from the ranking visible: choosing anyone
but the first-ranked candidate, or a candidate the rules had found ineligible, is an
*override* and needs a documented reason (:class:`ReasonCode`). The chosen person must be in
the stored answer, as a ranked candidate or in its ineligible list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from serving.audit import AuditStore
from serving.audit.queries import DecisionRecord
from serving.audit.records import NewDecision
from serving.errors import FieldProblem, NotFoundError, RequestFieldError
from serving.schemas.decisions import DecisionRequest, OverrideKind, ReasonCode


@dataclass(frozen=True)
class Choice:
    """Where the chosen person stands in the answer."""

    rank: int | None
    override_kind: OverrideKind | None


def _field_error(field: str, message: str, value: Any = None) -> RequestFieldError:
    return RequestFieldError([FieldProblem(("body", field), message, value)])


def assess_choice(request_id: str, response_json: str, chosen_nip: str) -> Choice:
    """The chosen person's rank or ineligibility in a stored ranking; 422 if not in it."""
    answer = json.loads(response_json)
    if "candidates" not in answer:
        raise _field_error(
            "chosen_nip",
            f"{request_id} is not a ranking (decisions are recorded on rankings of candidates)",
        )
    ranks = {c["nip"]: int(c["rank"]) for c in answer["candidates"]}
    if chosen_nip in ranks:
        rank = ranks[chosen_nip]
        return Choice(rank, None if rank == 1 else OverrideKind.NOT_RANKED_FIRST)
    ineligible = answer["eligibility"].get("ineligible")
    if ineligible is not None and chosen_nip in {c["nip"] for c in ineligible}:
        return Choice(None, OverrideKind.INELIGIBLE)
    listed = "ranked candidates" if ineligible is None else "ranked or ineligible candidates"
    hint = "" if ineligible is not None else " (the ranking did not list ineligible candidates)"
    raise _field_error(
        "chosen_nip",
        f"{chosen_nip} is not among the {listed} of {request_id}{hint}",
        chosen_nip,
    )


def reason_for(choice: Choice, body: DecisionRequest) -> ReasonCode:
    """The reason code to store; 422 when an override lacks a reason or 'other' a note."""
    reason = body.reason_code
    if choice.override_kind is not None and reason in (None, ReasonCode.BEST_RANKED):
        where = "was ineligible" if choice.rank is None else f"was ranked {choice.rank}"
        allowed = ", ".join(r.value for r in ReasonCode if r is not ReasonCode.BEST_RANKED)
        raise _field_error(
            "reason_code",
            f"the chosen person {where}, not first: an override needs a reason_code, one of "
            f"{allowed}",
            None if reason is None else reason.value,
        )
    if reason is ReasonCode.OTHER and not (body.note and body.note.strip()):
        raise _field_error("note", "reason_code 'other' needs a note explaining the reason")
    return reason or ReasonCode.BEST_RANKED


def record_decision(
    store: AuditStore, request_id: str, body: DecisionRequest, key_id: str, role: str
) -> DecisionRecord:
    """Judge the choice against the stored ranking and append the decision to the log, recorded
    by the key ``key_id`` of role ``role``."""
    response_json = store.response_body(request_id)
    if response_json is None:
        raise NotFoundError(f"no answer with request id {request_id!r}")
    choice = assess_choice(request_id, response_json, body.chosen_nip)
    reason = reason_for(choice, body)
    return store.record_decision(
        NewDecision(
            request_id=request_id,
            key_id=key_id,
            role=role,
            chosen_nip=body.chosen_nip,
            decided_by=body.decided_by,
            reason_code=reason.value,
            note=body.note,
            override=choice.override_kind is not None,
            override_kind=None if choice.override_kind is None else choice.override_kind.value,
            chosen_rank=choice.rank,
        )
    )
