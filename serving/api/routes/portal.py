"""Employee self-service: employee tokens for portals, and each employee's own answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status

from serving.api.deps import AuditDep, RankerDep, StateDep
from serving.api.portal import EMPLOYEE_TOKEN_HEADER, EmployeeReaderDep, PortalTokens
from serving.api.routes.answering import DECISION_ERRORS
from serving.audit.queries import as_utc
from serving.audit.tables import AuditAnswer
from serving.domain.participation.letters import moves_of
from serving.errors import FieldProblem, NotFoundError, RequestFieldError
from serving.schemas.common import Nip
from serving.schemas.portal import OwnAnswer, OwnAnswerRef, OwnAnswers, TokenRequest, TokenResponse

router = APIRouter(prefix="/v1", tags=["employees"])

EmployeeNip = Annotated[Nip, Path(description="NIP of the employee.")]
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API key, or (portal) employee token."},
    403: {"description": "The key's role may not, or a portal acts for another employee."},
    422: DECISION_ERRORS[422],
    503: DECISION_ERRORS[503],
}


@router.post(
    "/portal/tokens",
    response_model=TokenResponse,
    status_code=status.HTTP_201_CREATED,
    responses={
        **DECISION_ERRORS,
        422: {"description": "Unknown employee or no employee_portal key with that id."},
    },
    summary="Issue an employee token for a portal key",
)
def issue_token(
    principal: RankerDep, body: TokenRequest, request: Request, state: StateDep
) -> TokenResponse:
    """The HR system vouches that the employee signed in to its portal: the token lets that
    portal key read and write this employee's own usulan, objections, answers and letters,
    nothing else, until it expires."""
    if body.nip not in state.names:
        raise RequestFieldError(
            [FieldProblem(("body", "nip"), f"{body.nip} is not in {state.snapshot_id}", body.nip)]
        )
    tokens: PortalTokens = request.app.state.portal_tokens
    token = tokens.issue(body.portal_key_id, body.nip)
    if token is None:
        known = ", ".join(tokens.portal_key_ids()) or "none configured"
        raise RequestFieldError(
            [
                FieldProblem(
                    ("body", "portal_key_id"),
                    f"{body.portal_key_id!r} is not an employee_portal key ({known})",
                    body.portal_key_id,
                )
            ]
        )
    return TokenResponse(
        token=tokens.encode(token),
        header=EMPLOYEE_TOKEN_HEADER,
        nip=token.nip,
        portal_key_id=token.key_id,
        expires_at=datetime.fromtimestamp(token.expires, UTC),
    )


def _letter_path(answer_id: str, endpoint: str, nip: str, moved: bool) -> str | None:
    return f"/v1/plans/{answer_id}/letters/{nip}" if endpoint == "plan" and moved else None


@router.get(
    "/employees/{nip}/answers",
    response_model=OwnAnswers,
    responses=READ_ERRORS,
    summary="The audited answers about an employee",
)
def own_answers(
    caller: EmployeeReaderDep,
    nip: EmployeeNip,
    audit: AuditDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OwnAnswers:
    """Recommendations for them, rankings and plans that list them, newest first, with the
    path of their letter for plans that move them."""
    caller.check_self(nip, "path nip")
    refs = audit.answers_of(nip, limit, offset)
    return OwnAnswers(
        nip=nip,
        answers=[
            OwnAnswerRef(
                request_id=r.request_id,
                endpoint=r.endpoint,
                created_at=r.created_at,
                as_of=r.as_of,
                position_id=r.position_id,
                concerns="subject" if r.subject_nip == nip else "listed",
                letter=_letter_path(r.request_id, r.endpoint, nip, r.subject_nip != nip),
            )
            for r in refs
        ],
    )


def own_part(answer: AuditAnswer, nip: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(position, entry) of ``nip`` in a stored answer; 404 if it does not concern them."""
    body = json.loads(answer.response_json)
    if answer.subject_nip == nip:
        return None, body
    if "candidates" in body:
        for candidate in body["candidates"]:
            if candidate["nip"] == nip:
                return body["position"], candidate
    move = moves_of(body).get(nip) if "vacancies" in body else None
    if move is not None:
        position = move.pop("_position")
        move.pop("_unit_id")
        return position, move
    raise NotFoundError(f"answer {answer.request_id} does not concern {nip}")


@router.get(
    "/employees/{nip}/answers/{request_id}",
    response_model=OwnAnswer,
    responses={**READ_ERRORS, 404: {"description": "No such answer about this employee."}},
    summary="An audited answer, as far as it concerns the employee",
)
def own_answer(
    caller: EmployeeReaderDep,
    nip: EmployeeNip,
    request_id: Annotated[str, Path(min_length=1, max_length=64)],
    audit: AuditDep,
) -> OwnAnswer:
    """Their own entry of a ranking or plan (their rank or move, prediction and reasons) or the
    recommendations made for them; other people's entries are never part of it."""
    caller.check_self(nip, "path nip")
    answer = audit.answer(request_id)
    if answer is None:
        raise NotFoundError(f"no answer with request id {request_id!r} about {nip}")
    position, entry = own_part(answer, nip)
    body = json.loads(answer.response_json)
    return OwnAnswer(
        request_id=answer.request_id,
        endpoint=answer.endpoint,
        created_at=as_utc(answer.created_at),
        as_of=answer.as_of,
        model=body["model"],
        position=position,
        entry=entry,
    )
