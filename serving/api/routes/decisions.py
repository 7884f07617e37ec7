"""Decisions: the official's choice on a ranking, recorded in the audit log, and read back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status

from serving.api.deps import AnswerReaderDep, AuditDep, RankerDep
from serving.api.routes.answering import DECISION_ERRORS
from serving.audit.records import DecisionExistsError
from serving.domain.decisions import record_decision
from serving.errors import NotFoundError
from serving.schemas.decisions import DecisionRequest, DecisionResponse

router = APIRouter(prefix="/v1", tags=["decisions"])

RequestId = Annotated[
    str, Path(min_length=1, max_length=64, description="request_id of a stored ranking.")
]


@router.post(
    "/rankings/{request_id}/decision",
    response_model=DecisionResponse,
    status_code=status.HTTP_201_CREATED,
    responses={
        **DECISION_ERRORS,
        404: {"description": "No answer with this request id."},
        409: {"description": "The ranking already has a decision (decisions are final)."},
        422: {
            "description": "A field is invalid: the chosen person is not in the ranking, an "
            "override has no reason, `other` has no note."
        },
    },
    summary="Record the official's decision on a ranking",
)
def post_decision(
    principal: RankerDep, request_id: RequestId, body: DecisionRequest, audit: AuditDep
) -> DecisionResponse:
    """Who was chosen, by whom and why. Choosing anyone but the first-ranked candidate, or an
    ineligible one, is an override and needs a reason_code other than best_ranked."""
    try:
        record = record_decision(audit, request_id, body, principal.key_id, principal.role.value)
    except DecisionExistsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    return DecisionResponse.of(record)


@router.get(
    "/rankings/{request_id}/decision",
    response_model=DecisionResponse,
    responses={
        401: DECISION_ERRORS[401],
        403: DECISION_ERRORS[403],
        404: {"description": "No such answer, or no decision on it yet."},
        503: {"description": "The audit log is unavailable."},
    },
    summary="The decision recorded on a ranking",
)
def get_decision(
    principal: AnswerReaderDep, request_id: RequestId, audit: AuditDep
) -> DecisionResponse:
    """The stored decision, with whether it overrode the ranking and its place in the chain."""
    record = audit.decision(request_id)
    if record is None:
        if audit.response_body(request_id) is None:
            raise NotFoundError(f"no answer with request id {request_id!r}")
        raise NotFoundError(f"no decision recorded on {request_id!r} yet")
    return DecisionResponse.of(record)
