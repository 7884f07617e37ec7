"""Objections (keberatan) to audited answers and plans, and their review by a person."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status

from serving.api.deps import AuditDep, ReviewerDep
from serving.api.portal import EmployeeReaderDep, EmployeeWriterDep, conflicts_as_409
from serving.api.routes.answering import DECISION_ERRORS
from serving.audit import AuditStore
from serving.audit.participation_records import ObjectionRecord
from serving.domain.participation.objections import (
    find_objection,
    review_objection,
    submit_objection,
)
from serving.errors import NotFoundError
from serving.schemas.common import Nip
from serving.schemas.objections import (
    ObjectionList,
    ObjectionRequest,
    ObjectionResponse,
    ReviewRequest,
)

router = APIRouter(prefix="/v1", tags=["objections"])

ObjectionId = Annotated[str, Path(min_length=1, max_length=64, description="objection_id.")]
ERRORS: dict[int | str, dict[str, Any]] = {
    **DECISION_ERRORS,
    401: {"description": "Missing or invalid API key, or (portal) employee token."},
    403: {"description": "The key's role may not, or a portal acts for another employee."},
}


def _endpoint(audit: AuditStore, record: ObjectionRecord) -> str | None:
    answer = audit.answer(record.request_id)
    return None if answer is None else answer.endpoint


@router.post(
    "/objections",
    response_model=ObjectionResponse,
    status_code=status.HTTP_201_CREATED,
    responses={
        **ERRORS,
        409: {"description": "The employee already has an open objection to this answer."},
        422: {
            "description": "A field is invalid (`detail` names it): no audited answer with "
            "this request_id, the answer does not concern this nip, or no such position in it."
        },
    },
    summary="Object to an audited answer or a planned move",
)
def post_objection(
    caller: EmployeeWriterDep, body: ObjectionRequest, audit: AuditDep
) -> ObjectionResponse:
    """Record the employee's objection; it shows on the auditor pages as open until a person
    reviews it, and a plan with an open objection cannot be declared final."""
    caller.check_self(body.nip, "body nip")
    principal = caller.principal
    with conflicts_as_409():
        record, endpoint = submit_objection(audit, body, principal.key_id, principal.role.value)
    return ObjectionResponse.of(record, endpoint)


@router.get(
    "/objections",
    response_model=ObjectionList,
    responses={**ERRORS, 422: DECISION_ERRORS[422]},
    summary="Objections, newest first",
)
def list_objections(
    caller: EmployeeReaderDep,
    audit: AuditDep,
    request_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    nip: Annotated[Nip | None, Query()] = None,
    status_is: Annotated[
        Literal["open", "upheld", "rejected"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ObjectionList:
    """Filtered by answer, employee and status; a portal sees only its employee's."""
    if caller.employee is not None:
        if nip is not None:
            caller.check_self(nip, "query nip")
        nip = caller.employee
    records = audit.objections(
        request_id=request_id, nip=nip, status=status_is, limit=limit, offset=offset
    )
    return ObjectionList(objections=[ObjectionResponse.of(r, _endpoint(audit, r)) for r in records])


@router.get(
    "/objections/{objection_id}",
    response_model=ObjectionResponse,
    responses={**ERRORS, 404: {"description": "No such objection (of this employee)."}},
    summary="One objection and its review",
)
def get_objection(
    caller: EmployeeReaderDep, objection_id: ObjectionId, audit: AuditDep
) -> ObjectionResponse:
    """The objection with its status; a portal reads only its employee's (else 404)."""
    record = find_objection(audit, objection_id)
    if caller.employee is not None and record.nip != caller.employee:
        raise NotFoundError(f"no objection with id {objection_id!r}")
    return ObjectionResponse.of(record, _endpoint(audit, record))


@router.post(
    "/objections/{objection_id}/review",
    response_model=ObjectionResponse,
    status_code=status.HTTP_201_CREATED,
    responses={
        **DECISION_ERRORS,
        404: {"description": "No such objection."},
        409: {"description": "The objection was already reviewed (reviews are final)."},
    },
    summary="Record a person's review of an objection",
)
def post_review(
    principal: ReviewerDep, objection_id: ObjectionId, body: ReviewRequest, audit: AuditDep
) -> ObjectionResponse:
    """Upheld (the employee is right: the plan must change) or rejected, by whom and why."""
    with conflicts_as_409():
        review_objection(audit, objection_id, body, principal.key_id, principal.role.value)
    record = find_objection(audit, objection_id)
    return ObjectionResponse.of(record, _endpoint(audit, record))
