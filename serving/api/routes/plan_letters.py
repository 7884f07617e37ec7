"""An audited plan's way to final: its export status, the finalisation (blocked while
objections are open unless an admin overrides), the export zip, and the personal letters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from serving.api.deps import AuditDep, FinaliserDep, HolderDep, PlanReaderDep, SettingsDep
from serving.api.portal import EmployeeReaderDep, conflicts_as_409
from serving.api.routes.answering import DECISION_ERRORS
from serving.api.security import Role
from serving.domain.participation.letter_render import (
    LettersUnavailableError,
    render_html,
    render_pdf,
)
from serving.domain.participation.letters import LetterConfig, letter_facts
from serving.domain.participation.objections import finalise_plan, find_plan, plan_status
from serving.domain.participation.plan_bundle import export_plan
from serving.domain.participation.usulan import state_as_received
from serving.schemas.common import Nip
from serving.schemas.objections import FinalisationRequest, PlanStatus

router = APIRouter(prefix="/v1", tags=["plans"])

PlanId = Annotated[
    str, Path(min_length=1, max_length=64, description="request_id of an audited plan.")
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No audited plan with this request id (or it moves no one with it)."}
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "The audit log is unavailable, no state is loaded, or PDF printing "
        "(WeasyPrint, pango) is not installed."
    }
}
FILE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API key, or (portal) employee token."},
    403: {"description": "The key's role may not, or a portal acts for another employee."},
    422: DECISION_ERRORS[422],
    **NOT_FOUND,
    **UNAVAILABLE,
}


@router.get(
    "/plans/{request_id}/status",
    response_model=PlanStatus,
    responses={**DECISION_ERRORS, **NOT_FOUND},
    summary="Whether a plan may be exported as final",
)
def get_plan_status(principal: PlanReaderDep, request_id: PlanId, audit: AuditDep) -> PlanStatus:
    """open_objections or upheld_objections (not final yet), ready, or final (by whom, and
    whether an admin overrode objections)."""
    return plan_status(audit, request_id)


@router.post(
    "/plans/{request_id}/final",
    response_model=PlanStatus,
    status_code=status.HTTP_201_CREATED,
    responses={
        **DECISION_ERRORS,
        403: {"description": "The role may not; only an admin may give override_reason."},
        **NOT_FOUND,
        409: {"description": "Objections to the plan are open or upheld, or it is final."},
    },
    summary="Declare a plan final",
)
def post_plan_final(
    principal: FinaliserDep, request_id: PlanId, body: FinalisationRequest, audit: AuditDep
) -> PlanStatus:
    """Only when every objection to it was reviewed and none upheld, unless an admin gives an
    override_reason (recorded with the objections it passed over)."""
    if body.override_reason is not None and principal.role is not Role.ADMIN:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"body.override_reason: only an admin may override objections, not "
            f"{principal.role.value}",
        )
    with conflicts_as_409():
        finalise_plan(audit, request_id, body, principal.key_id, principal.role.value)
    return plan_status(audit, request_id)


@router.get(
    "/plans/{request_id}/export",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The plan's export (zip)."},
        **{k: v for k, v in DECISION_ERRORS.items() if k != 422},
        **NOT_FOUND,
        **UNAVAILABLE,
    },
    summary="The plan with every letter (zip; a draft until final)",
)
def get_plan_export(
    principal: PlanReaderDep,
    request_id: PlanId,
    audit: AuditDep,
    holder: HolderDep,
    settings: SettingsDep,
) -> Response:
    """plan.json (as audited), moves.csv, objections.csv, each person's letter in Bahasa
    Indonesia and English (HTML and PDF, one page each), and manifest.json with the export
    status and every file's SHA-256."""
    base = holder.current
    try:
        export = export_plan(audit, base, request_id, LetterConfig.of(settings), base.catalogue)
    except LettersUnavailableError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from exc
    return Response(
        export.content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


@router.get(
    "/plans/{request_id}/letters/{nip}",
    response_class=Response,
    responses={
        200: {
            "content": {"text/html": {}, "application/pdf": {}},
            "description": "The letter (surat penjelasan mutasi), one page.",
        },
        **FILE_ERRORS,
    },
    summary="One person's letter explaining their planned move",
)
def get_letter(
    caller: EmployeeReaderDep,
    request_id: PlanId,
    nip: Annotated[Nip, Path()],
    audit: AuditDep,
    holder: HolderDep,
    settings: SettingsDep,
    lang: Annotated[Literal["id", "en"], Query()] = "id",
    format_is: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html",
) -> Response:
    """Why this post, which of their wishes were honoured or why not, the support planned,
    how to object, and that a person decides; a portal reads only its employee's letter."""
    caller.check_self(nip, "path nip")
    answer = find_plan(audit, request_id)
    base = holder.current
    state = state_as_received(base, audit, answer.created_at)
    facts = letter_facts(
        answer, nip, state, audit.plan_final(request_id), LetterConfig.of(settings)
    )
    html = render_html([facts], lang, base.catalogue)
    if format_is == "html":
        return Response(html, media_type="text/html; charset=utf-8")
    try:
        pdf = render_pdf(html, [nip]).document
    except LettersUnavailableError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from exc
    filename = f"surat-{request_id[:12]}-{nip}-{lang}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
