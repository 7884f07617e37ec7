"""Liveness and readiness (open: no API key)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from serving.api.deps import HolderDep
from serving.domain.ranking import served_model
from serving.schemas.service import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> Health:
    """Always ok while the process runs."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "No model/snapshot loaded yet."}},
    summary="Readiness: a model and a snapshot are loaded",
)
def readyz(holder: HolderDep) -> Health | JSONResponse:
    """Ready once the first load succeeded; otherwise 503 with the reason."""
    if not holder.ready:
        body = Health(status="not_ready", detail=holder.last_error or "loading")
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    return Health(status="ready", model=served_model(holder.current))
