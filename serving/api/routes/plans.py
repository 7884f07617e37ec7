"""Transfer plans: many vacancies filled at once, optimally, under the unit staffing rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from planning import PlanError
from serving.api.deps import (
    AuditDep,
    MetricsDep,
    ParticipatingStateDep,
    PlanComputeDep,
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
from serving.domain.plan.answer import make_plan
from serving.schemas.plans import PlanRequest, PlanResponse

router = APIRouter(prefix="/v1", tags=["plans"])

# The audit log's endpoint label (short names, as "rank_position" and "recommend").
ENDPOINT = "plan"

PLAN_ERRORS: dict[int | str, dict[str, Any]] = {
    **DECISION_ERRORS,
    422: {
        "description": "A field is invalid (`detail` lists each field and why: unknown or "
        "inactive positions, a pool over the maximum), or no plan satisfies the rules: then "
        "`detail` is `{constraint, message}`, `constraint` naming the rule family that binds "
        "(person, vacancy, unit_floor, max_moves_out, pins, opt_out, eligibility, input)."
    },
}


@router.post(
    "/plans",
    response_model=PlanResponse,
    responses=PLAN_ERRORS,
    summary="Plan transfers into many vacancies at once",
)
async def create_plan(
    principal: RankerDep,
    body: PlanRequest,
    state: ParticipatingStateDep,
    settings: SettingsDep,
    audit: AuditDep,
    metrics: MetricsDep,
    today: TodayDep,
    compute: PlanComputeDep,
) -> Response:
    """The plan that maximises predicted performance plus preference bonus plus the reduction
    of unit staffing shortages, moving each person at most once and keeping every unit's floor
    and move-out limit; proven optimal (or the gap says how close). Each move comes with the
    predicted SKP rating, interval, P(baik or better) and SHAP reasons; each vacancy with the
    next two candidates and why they are not in the plan; each unit with its staffing before
    and after."""

    def plan() -> AuditedAnswer | Response:
        try:
            outcome = make_plan(
                state, body, request_id=new_request_id(), today=today, settings=settings
            )
        except PlanError as exc:
            return JSONResponse(
                {"detail": {"constraint": exc.constraint, "message": exc.message}},
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            )
        metrics.ranking_seconds.labels(ENDPOINT).observe(outcome.seconds)
        metrics.shap_seconds.observe(outcome.shap_seconds)
        metrics.pool_size.observe(len(outcome.inputs.pool))
        response = outcome.response
        return audited_answer(
            principal=principal,
            request_id=response.request_id,
            endpoint=ENDPOINT,
            request_payload={"body": body.model_dump(mode="json")},
            answer=response,
            lineage=outcome.lineage,
            as_of=response.as_of,
            items=outcome.items,
        )

    return await respond_audited(plan, audit, compute)
