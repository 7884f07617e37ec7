"""Monitoring: the latest ``mutasi monitor`` report and its mentoring list (daftar
pendampingan) for HR systems and auditors."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Response

from serving.api.deps import AnswerReaderDep, ModelReaderDep, MonitorRunsDep
from serving.api.routes.answering import DECISION_ERRORS
from serving.domain.monitor_runs import filter_entries, mentoring_csv
from serving.schemas.monitoring import MentoringFlag, MentoringList, MonitoringReport

router = APIRouter(prefix="/v1/monitoring", tags=["monitoring"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: DECISION_ERRORS[401],
    403: DECISION_ERRORS[403],
    404: {"description": "No monitoring run yet (run `mutasi monitor DATA_DIR`)."},
    503: {"description": "The latest run's files cannot be read."},
}


@router.get(
    "/report",
    response_model=MonitoringReport,
    responses=_ERRORS,
    summary="The latest monitoring report",
)
def monitoring_report(principal: ModelReaderDep, runs: MonitorRunsDep) -> MonitoringReport:
    """Realised vs predicted SKP of the moves that followed recorded answers (counts that
    reconcile), by model version, sector, unit and protected group; overrides vs followed
    recommendations; drift against the serving model's training data; the retrain / keep
    recommendation with its evidence."""
    return runs.report()


@router.get(
    "/mentoring",
    response_model=MentoringList,
    responses={
        **_ERRORS,
        200: {"content": {"text/csv": {}}, "description": "The list (JSON, or CSV)."},
    },
    summary="The mentoring list (daftar pendampingan)",
)
def mentoring_list(
    principal: AnswerReaderDep,
    runs: MonitorRunsDep,
    unit_id: str | None = Query(None, max_length=64, description="Only this target unit."),
    flag: MentoringFlag | None = Query(None, description="Only entries with this flag."),
    nip: str | None = Query(None, min_length=18, max_length=18, description="One person."),
    list_format: Literal["json", "csv"] = Query("json", alias="format"),
) -> Response:
    """Moved employees rated butuh_perbaikan or worse, far under their interval, or (before
    their SKP) with a large gap in the prediction's own reasons; each with the reasons, the
    gaps against the new post and the training that would close them."""
    listing = runs.mentoring()
    entries = filter_entries(listing.entries, unit_id=unit_id, flag=flag, nip=nip)
    if list_format == "csv":
        text, name = mentoring_csv(listing, entries)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    body = listing.model_copy(update={"entries": entries})
    return Response(body.model_dump_json(), media_type="application/json")
