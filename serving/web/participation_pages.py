"""Auditor pages of ASN participation: objections and their review, a plan's export status
and letters; and the public notice (pemberitahuan) with the model card.

Reviewing an objection is the one thing these pages change: a form posted by a signed-in
auditor or admin (the session cookie is SameSite=Strict, and a request from another site is
refused), recorded in the audit log like a review through the API.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from features.catalogue import load_catalogue
from features.rule_set import rule_set_from_settings
from serving.api.security import Principal
from serving.audit import AuditStore
from serving.audit.participation_records import ParticipationConflictError
from serving.domain.participation.letter_render import render_html
from serving.domain.participation.letters import LetterConfig, letter_facts, moves_of
from serving.domain.participation.notice import build_notice
from serving.domain.participation.objections import (
    find_objection,
    find_plan,
    plan_status,
    review_objection,
)
from serving.domain.participation.plan_bundle import export_plan
from serving.domain.participation.usulan import state_as_received
from serving.errors import NotFoundError, NotReadyError, ServingError
from serving.schemas.objections import ReviewOutcome, ReviewRequest
from serving.state import ServingState, StateHolder
from serving.web.auth import AuditorDep, read_form, same_origin
from serving.web.documents import CARD_CSP, served_documents
from serving.web.render import render, translator

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Path(min_length=1, max_length=64)]
STATUSES = ("open", "upheld", "rejected")


def _audit(request: Request) -> AuditStore:
    audit: AuditStore = request.app.state.audit
    return audit


def _holder(request: Request) -> StateHolder:
    holder: StateHolder = request.app.state.holder
    return holder


def _problem(
    request: Request, principal: Principal | None, status: int, message: str
) -> HTMLResponse:
    return render(request, "error.html", principal, status_code=status, message=message)


@router.get("/audit/objections", name="audit_objections")
def objections(
    request: Request,
    principal: AuditorDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    """Every objection, newest first, by status."""
    wanted = status if status in STATUSES else None
    rows = _audit(request).objections(status=wanted, limit=200)
    return render(
        request, "objections.html", principal, rows=rows, status=wanted, statuses=STATUSES
    )


def _objection_page(
    request: Request,
    principal: Principal,
    objection_id: str,
    status_code: int = 200,
    problem: str | None = None,
) -> HTMLResponse:
    audit = _audit(request)
    try:
        objection = find_objection(audit, objection_id)
    except NotFoundError as exc:
        return _problem(request, principal, 404, str(exc))
    answer = audit.answer(objection.request_id)
    plan = None
    if answer is not None and answer.endpoint == "plan":
        plan = plan_status(audit, objection.request_id)
    return render(
        request,
        "objection.html",
        principal,
        status_code=status_code,
        objection=objection,
        endpoint=None if answer is None else answer.endpoint,
        plan=plan,
        outcomes=[o.value for o in ReviewOutcome],
        problem=problem,
    )


@router.get("/audit/objections/{objection_id}", name="audit_objection")
def objection(request: Request, principal: AuditorDep, objection_id: Id) -> HTMLResponse:
    """One objection: what it contests and why, its review or the form to review it, and the
    export status of the plan it is against."""
    return _objection_page(request, principal, objection_id)


@router.post("/audit/objections/{objection_id}/review", name="audit_review")
async def review(request: Request, principal: AuditorDep, objection_id: Id) -> Response:
    """Record the review from the form, then show the objection again."""
    t = translator(request)
    if not same_origin(request):
        return _problem(request, principal, 403, t("login_cross_site"))
    form = await read_form(request)
    try:
        body = ReviewRequest(
            outcome=ReviewOutcome(form.get("outcome", "")),
            reviewed_by=form.get("reviewed_by", ""),
            reason=form.get("reason", ""),
        )
    except ValueError:
        problem = t("review_incomplete")
        return _objection_page(request, principal, objection_id, 422, problem)
    try:
        review_objection(
            _audit(request), objection_id, body, principal.key_id, principal.role.value
        )
    except ParticipationConflictError as exc:
        return _objection_page(request, principal, objection_id, 409, str(exc))
    except NotFoundError as exc:
        return _problem(request, principal, 404, str(exc))
    target = str(request.app.url_path_for("audit_objection", objection_id=objection_id))
    return RedirectResponse(f"{target}?reviewed=1", status_code=303)


@router.get("/audit/plans/{request_id}", name="audit_plan")
def plan_page(request: Request, principal: AuditorDep, request_id: Id) -> HTMLResponse:
    """A plan's export status, its objections and every move with its letters."""
    audit = _audit(request)
    try:
        answer = find_plan(audit, request_id)
    except NotFoundError as exc:
        return _problem(request, principal, 404, str(exc))
    moves = list(moves_of(json.loads(answer.response_json)).values())
    return render(
        request,
        "plan_status.html",
        principal,
        answer=answer,
        status=plan_status(audit, request_id),
        objections=audit.objections(request_id=request_id, limit=500),
        moves=moves,
    )


def _served(request: Request, principal: Principal | None) -> ServingState | HTMLResponse:
    try:
        return _holder(request).current
    except NotReadyError as exc:
        return _problem(
            request, principal, 503, translator(request)("model_not_ready", error=str(exc))
        )


@router.get("/audit/plans/{request_id}/letters/{nip}", name="audit_letter")
def letter(
    request: Request,
    principal: AuditorDep,
    request_id: Id,
    nip: Annotated[str, Path(min_length=18, max_length=18)],
    lang: Annotated[str, Query(max_length=2)] = "id",
) -> Response:
    """The letter of one move, as the employee gets it (its own document)."""
    base = _served(request, principal)
    if isinstance(base, HTMLResponse):
        return base
    audit = _audit(request)
    try:
        answer = find_plan(audit, request_id)
        state = state_as_received(base, audit, answer.created_at)
        config = LetterConfig.of(request.app.state.settings)
        facts = letter_facts(answer, nip, state, audit.plan_final(request_id), config)
    except NotFoundError as exc:
        return _problem(request, principal, 404, str(exc))
    html = render_html([facts], "en" if lang == "en" else "id", base.catalogue)
    return HTMLResponse(html, headers={"Content-Security-Policy": CARD_CSP})


@router.get("/audit/plans/{request_id}/export", name="audit_plan_export")
def plan_export(request: Request, principal: AuditorDep, request_id: Id) -> Response:
    """The plan's export zip (as ``GET /v1/plans/{request_id}/export``)."""
    base = _served(request, principal)
    if isinstance(base, HTMLResponse):
        return base
    config = LetterConfig.of(request.app.state.settings)
    try:
        export = export_plan(_audit(request), base, request_id, config, base.catalogue)
    except ServingError as exc:
        return _problem(
            request, principal, 404 if isinstance(exc, NotFoundError) else 503, str(exc)
        )
    return Response(
        export.content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


@router.get("/notice", name="notice")
def notice(request: Request) -> HTMLResponse:
    """The public notice: what the system assesses, from which data, and how to object."""
    settings = request.app.state.settings
    try:
        state = _holder(request).current
        built = build_notice(
            state.catalogue, state.rule_set, state.lineage, settings.objection_contact
        )
    except NotReadyError:
        rules = rule_set_from_settings(settings)
        built = build_notice(load_catalogue(), rules, None, settings.objection_contact)
    lang = translator(request).lang
    pick: Any = (lambda text: text.id) if lang == "id" else (lambda text: text.en)
    return render(request, "notice.html", None, notice=built, pick=pick)


@router.get("/notice/model-card", name="notice_model_card")
def notice_model_card(request: Request) -> Response:
    """The served model's card, public with the notice (it holds no personal data)."""
    state = _served(request, None)
    if isinstance(state, HTMLResponse):
        return state
    card = served_documents(state).card_html
    if card is None:
        return _problem(request, None, 404, translator(request)("card_not_available"))
    return HTMLResponse(card, headers={"Content-Security-Policy": CARD_CSP})
