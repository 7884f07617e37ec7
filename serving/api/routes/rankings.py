"""Rankings: candidates for an existing or an inline position, and stored answers by id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response

from serving.api.deps import (
    AnswerReaderDep,
    AuditDep,
    ComputeDep,
    MetricsDep,
    ParticipatingStateDep,
    RankerDep,
    SettingsDep,
    TodayDep,
)
from serving.api.routes.answering import (
    DECISION_ERRORS,
    AuditedAnswer,
    audited_answer,
    json_bytes,
    new_request_id,
    respond_audited,
)
from serving.api.security import Principal
from serving.domain.ranking import RankingOutcome, inline_target, position_target, rank_position
from serving.errors import NotFoundError
from serving.schemas.rankings import InlineRankingRequest, RankingOptions, RankingResponse
from serving.schemas.recommendations import RecommendationResponse

router = APIRouter(prefix="/v1", tags=["rankings"])

PositionId = Annotated[
    str, Path(min_length=1, max_length=64, description="position_id of an active position.")
]


def _answer(
    outcome: RankingOutcome,
    principal: Principal,
    metrics: MetricsDep,
    endpoint: str,
    payload: Mapping[str, Any],
) -> AuditedAnswer:
    metrics.ranking_seconds.labels(endpoint).observe(outcome.seconds)
    metrics.shap_seconds.observe(outcome.shap_seconds)
    metrics.pool_size.observe(outcome.pool_size)
    response = outcome.response
    return audited_answer(
        principal=principal,
        request_id=response.request_id,
        endpoint=endpoint,
        request_payload=payload,
        answer=response,
        lineage=outcome.lineage,
        as_of=response.as_of,
        items=outcome.items,
        position_id=response.position.position_id,
    )


@router.post(
    "/positions/{position_id}/rankings",
    response_model=RankingResponse,
    responses={**DECISION_ERRORS, 404: {"description": "Unknown or inactive position."}},
    summary="Rank candidates for an existing position",
)
async def rank_existing_position(
    principal: RankerDep,
    position_id: PositionId,
    state: ParticipatingStateDep,
    settings: SettingsDep,
    audit: AuditDep,
    metrics: MetricsDep,
    today: TodayDep,
    compute: ComputeDep,
    # An absent body means the defaults; an explicit JSON `null` is not options: 422.
    options: Annotated[RankingOptions, Body()] = RankingOptions(),
) -> Response:
    """Top-k eligible candidates for the position, with predicted SKP rating, interval,
    P(baik or better), SHAP reasons and staffing impact; ineligible candidates counted by rule."""

    def rank() -> AuditedAnswer:
        outcome = rank_position(
            state,
            position_target(state, position_id),
            options,
            request_id=new_request_id(),
            today=today,
            settings=settings,
        )
        payload = {"position_id": position_id, "body": options.model_dump(mode="json")}
        return _answer(outcome, principal, metrics, "rank_position", payload)

    return await respond_audited(rank, audit, compute)


@router.post(
    "/rankings",
    response_model=RankingResponse,
    responses=DECISION_ERRORS,
    summary="Rank candidates for a position described inline",
)
async def rank_inline_position(
    principal: RankerDep,
    body: InlineRankingRequest,
    state: ParticipatingStateDep,
    settings: SettingsDep,
    audit: AuditDep,
    metrics: MetricsDep,
    today: TodayDep,
    compute: ComputeDep,
) -> Response:
    """The same ranking for a post that is not in the snapshot (e.g. a new one)."""

    def rank() -> AuditedAnswer:
        outcome = rank_position(
            state,
            inline_target(state, body.position),
            body,
            request_id=new_request_id(),
            today=today,
            settings=settings,
        )
        return _answer(
            outcome, principal, metrics, "rank_inline", {"body": body.model_dump(mode="json")}
        )

    return await respond_audited(rank, audit, compute)


@router.get(
    "/rankings/{request_id}",
    response_model=RankingResponse | RecommendationResponse,
    responses={
        401: DECISION_ERRORS[401],
        403: DECISION_ERRORS[403],
        404: {"description": "No answer with this request id."},
        503: {"description": "The audit log is unavailable."},
    },
    summary="A stored answer, byte for byte as it was returned",
)
def stored_answer(
    principal: AnswerReaderDep,
    request_id: Annotated[str, Path(min_length=1, max_length=64)],
    audit: AuditDep,
) -> Response:
    """The audit log's copy of an answer (rankings and recommendations) by its request id."""
    body = audit.response_body(request_id)
    if body is None:
        raise NotFoundError(f"no answer with request id {request_id!r}")
    return json_bytes(body, request_id)
