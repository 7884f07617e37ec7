"""Recommendations: the best vacancies for one employee."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Response

from serving.api.deps import (
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
    new_request_id,
    respond_audited,
)
from serving.domain.recommend import recommend
from serving.schemas.common import EXAMPLE_NIP
from serving.schemas.recommendations import RecommendationRequest, RecommendationResponse

router = APIRouter(prefix="/v1", tags=["recommendations"])

NipPath = Annotated[
    str, Path(pattern=r"^[0-9]{18}$", description="NIP: 18 digits", examples=[EXAMPLE_NIP])
]


@router.post(
    "/employees/{nip}/recommendations",
    response_model=RecommendationResponse,
    responses={**DECISION_ERRORS, 404: {"description": "Employee not in service at as_of."}},
    summary="Best vacancies for one employee",
)
async def recommend_positions(
    principal: RankerDep,
    nip: NipPath,
    state: ParticipatingStateDep,
    settings: SettingsDep,
    audit: AuditDep,
    metrics: MetricsDep,
    today: TodayDep,
    compute: ComputeDep,
    # An absent body means the defaults; an explicit JSON `null` is not options: 422.
    options: Annotated[RecommendationRequest, Body()] = RecommendationRequest(),
) -> Response:
    """Vacancies (active posts with a shortage) ranked by the employee's predicted SKP rating
    there, with interval, P(baik or better), SHAP reasons, staffing impact; ineligible
    vacancies counted by rule."""

    def recommend_for() -> AuditedAnswer:
        outcome = recommend(
            state, nip, options, request_id=new_request_id(), today=today, settings=settings
        )
        metrics.ranking_seconds.labels("recommend").observe(outcome.seconds)
        metrics.shap_seconds.observe(outcome.shap_seconds)
        response = outcome.response
        return audited_answer(
            principal=principal,
            request_id=response.request_id,
            endpoint="recommend",
            request_payload={"nip": nip, "body": options.model_dump(mode="json")},
            answer=response,
            lineage=outcome.lineage,
            as_of=response.as_of,
            items=outcome.items,
            subject_nip=nip,
        )

    return await respond_audited(recommend_for, audit, compute)
