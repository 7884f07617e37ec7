"""The served model and the administration of what is served."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from serving.api.deps import AdminDep, HolderDep, MetricsDep, ModelReaderDep, StateDep, TodayDep
from serving.api.routes.answering import DECISION_ERRORS
from serving.domain.model_info import model_info
from serving.domain.ranking import served_model
from serving.schemas.service import ModelInfo, ReloadRequest, ReloadResponse

router = APIRouter(prefix="/v1", tags=["model"])


@router.get(
    "/model",
    response_model=ModelInfo,
    responses={401: DECISION_ERRORS[401], 403: DECISION_ERRORS[403], 503: DECISION_ERRORS[503]},
    summary="The served model, its metrics, feature catalogue and rule set",
)
def get_model(principal: ModelReaderDep, state: StateDep) -> ModelInfo:
    """Name, version, run id and metrics of the model; the catalogue; the rule set."""
    return model_info(state)


@router.post(
    "/admin/reload",
    response_model=ReloadResponse,
    responses={
        401: DECISION_ERRORS[401],
        403: DECISION_ERRORS[403],
        409: {"description": "The new model/snapshot could not be loaded; the old one serves."},
        422: DECISION_ERRORS[422],
    },
    tags=["admin"],
    summary="Load the current champion and/or a new HR snapshot without downtime",
)
def reload_state(
    principal: AdminDep,
    body: ReloadRequest,
    holder: HolderDep,
    metrics: MetricsDep,
    today: TodayDep,
) -> ReloadResponse:
    """Builds the new state beside the serving one, then swaps it in atomically."""
    try:
        outcome = holder.reload_requested(
            model=body.model,
            snapshot=body.snapshot,
            data_dir=Path(body.data_dir) if body.data_dir else None,
            today=today,
        )
    except Exception:
        metrics.reloads.labels("failed").inc()
        raise
    metrics.reloads.labels("ok").inc()
    return ReloadResponse(
        status="reloaded",
        reloaded=outcome.reloaded,
        model=served_model(outcome.state),
        seconds=round(outcome.seconds, 3),
    )
