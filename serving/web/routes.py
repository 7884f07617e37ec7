"""The auditor pages under ``/audit``: sign-in, recorded answers, one answer, model card,
fairness report, monitoring (post-move outcomes, drift, mentoring list) and the audit chain's
status. Read-only: no page changes anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from features.catalogue import FeatureCatalogue, load_catalogue
from mutasi.settings import Settings
from serving.api.security import Principal
from serving.audit import AuditStore
from serving.domain.monitor_runs import MonitoringReportError, MonitorRuns
from serving.errors import AuditError, NotFoundError, NotReadyError
from serving.state import ServingState, StateHolder
from serving.web.auth import (
    HOME,
    AuditorDep,
    check_login,
    clear_session,
    optional_principal,
    read_form,
    safe_next,
    same_origin,
    set_session,
)
from serving.web.documents import CARD_CSP, served_documents
from serving.web.fairness_view import fairness_tables
from serving.web.monitoring_view import MonitoringPage, mentoring_csv_text, monitoring_page
from serving.web.render import render, translator
from serving.web.session import SessionCodec
from serving.web.views import PAGE_SIZE, AnswerList, answer_view, parse_filters

router = APIRouter(prefix="/audit", include_in_schema=False)
RequestId = Annotated[str, Path(min_length=1, max_length=64)]
T = TypeVar("T")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _audit(request: Request) -> AuditStore:
    audit: AuditStore = request.app.state.audit
    return audit


def _state(request: Request) -> ServingState:
    holder: StateHolder = request.app.state.holder
    return holder.current


def _problem(request: Request, principal: Principal, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", principal, status_code=status, message=message)


def _reading(request: Request, principal: Principal, read: Callable[[], T]) -> T | HTMLResponse:
    """Run a read of the audit log; a page saying why if the log cannot be read."""
    try:
        return read()
    except (AuditError, SQLAlchemyError) as exc:
        text = translator(request)("audit_unavailable", error=type(exc).__name__)
        return _problem(request, principal, 503, text)


@router.get("", name="audit_home")
@router.get("/", name="audit_home_slash")
def home() -> RedirectResponse:
    """The list of answers is the start page."""
    return RedirectResponse(HOME, status_code=303)


@router.get("/login", name="audit_login")
def login_form(request: Request) -> Response:
    """The sign-in form (straight to the answers when already signed in)."""
    principal = optional_principal(request)
    target = safe_next(request.query_params.get("next"))
    if principal is not None:
        return RedirectResponse(target, status_code=303)
    notice = None
    if request.query_params.get("expired"):
        notice = "login_expired"
    elif request.query_params.get("out"):
        notice = "logged_out"
    return _login_page(request, target, notice=notice)


def _login_page(
    request: Request,
    target: str,
    *,
    problem: str | None = None,
    status_code: int = 200,
    notice: str | None = None,
    **values: object,
) -> HTMLResponse:
    insecure = _settings(request).web_cookie_secure and request.url.scheme != "https"
    return render(
        request,
        "login.html",
        None,
        status_code=status_code,
        next_path=target,
        problem=problem,
        problem_values=values,
        notice=notice,
        insecure=insecure,
    )


@router.post("/login", name="audit_login_submit")
async def login_submit(request: Request) -> Response:
    """Check the key and its role; on success set the session and go back to ``next``."""
    form = await read_form(request)
    target = safe_next(form.get("next"))
    if not same_origin(request):
        return _login_page(request, target, problem="login_cross_site", status_code=403)
    outcome = check_login(request.app.state.keyring, form.get("api_key", ""))
    if outcome.principal is None:
        status_code = 403 if outcome.problem == "login_role_refused" else 401
        return _login_page(
            request, target, problem=outcome.problem, status_code=status_code, role=outcome.role
        )
    codec: SessionCodec = request.app.state.web_sessions
    response = RedirectResponse(target, status_code=303)
    set_session(response, codec.issue(outcome.principal), _settings(request))
    return response


@router.post("/logout", name="audit_logout")
def logout(request: Request) -> Response:
    """End the session (the cookie is dropped; the token dies at its expiry anyway)."""
    if not same_origin(request):
        return _login_page(request, HOME, problem="login_cross_site", status_code=403)
    response = RedirectResponse("/audit/login?out=1", status_code=303)
    clear_session(response, _settings(request))
    return response


@router.get("/rankings", name="audit_answers")
def answers(request: Request, principal: AuditorDep) -> HTMLResponse:
    """Recorded answers, newest first, filtered and paged."""
    t = translator(request)
    filters = parse_filters(request.query_params, t)
    audit = _audit(request)

    def read() -> AnswerList:
        where = filters.store_filters()
        offset = (filters.page - 1) * PAGE_SIZE
        rows = audit.list_answers(**where, limit=PAGE_SIZE, offset=offset)
        return AnswerList(filters, rows, audit.count_answers(**where))

    listing = _reading(request, principal, read)
    if isinstance(listing, HTMLResponse):
        return listing
    return render(request, "answers.html", principal, listing=listing)


def _catalogue(request: Request) -> FeatureCatalogue:
    """The served model's feature catalogue (the packaged one before a model is loaded)."""
    try:
        return _state(request).catalogue
    except NotReadyError:
        return load_catalogue()


def _rule_sources(request: Request) -> dict[str, str]:
    try:
        return {rule.id: rule.source for rule in _state(request).rule_set.rules}
    except NotReadyError:
        return {}


@router.get("/rankings/{request_id}", name="audit_answer")
def answer(request: Request, principal: AuditorDep, request_id: RequestId) -> HTMLResponse:
    """One answer: lineage, eligibility, every result with its reasons and SHAP waterfall,
    and the official's decision."""
    audit = _audit(request)
    found = _reading(
        request, principal, lambda: (audit.answer(request_id), audit.decision(request_id))
    )
    if isinstance(found, HTMLResponse):
        return found
    row, decision = found
    t = translator(request)
    if row is None:
        return _problem(request, principal, 404, t("not_found", request_id=request_id))
    view = answer_view(row, decision, _catalogue(request), t)
    return render(request, "answer.html", principal, view=view, sources=_rule_sources(request))


def _served(request: Request, principal: Principal) -> ServingState | HTMLResponse:
    try:
        return _state(request)
    except NotReadyError as exc:
        text = translator(request)("model_not_ready", error=str(exc))
        return _problem(request, principal, 503, text)


@router.get("/model-card", name="audit_model_card")
def model_card(request: Request, principal: AuditorDep) -> HTMLResponse:
    """The served model's card and test metrics, or a note that it has none."""
    state = _served(request, principal)
    if isinstance(state, HTMLResponse):
        return state
    docs = served_documents(state)
    return render(request, "model_card.html", principal, state=state, docs=docs)


@router.get("/model-card/full", name="audit_model_card_full")
def model_card_full(request: Request, principal: AuditorDep) -> Response:
    """The model card's own HTML document, sandboxed."""
    state = _served(request, principal)
    if isinstance(state, HTMLResponse):
        return state
    docs = served_documents(state)
    if docs.card_html is None:
        return _problem(request, principal, 404, translator(request)("card_not_available"))
    return HTMLResponse(docs.card_html, headers={"Content-Security-Policy": CARD_CSP})


@router.get("/fairness", name="audit_fairness")
def fairness(request: Request, principal: AuditorDep) -> HTMLResponse:
    """The served model's fairness report with the four-fifths flags highlighted."""
    state = _served(request, principal)
    if isinstance(state, HTMLResponse):
        return state
    docs = served_documents(state)
    tables = None if docs.fairness is None else fairness_tables(docs.fairness)
    return render(request, "fairness.html", principal, state=state, docs=docs, tables=tables)


MENTORING_ON_PAGE = 200


def _monitoring(request: Request, principal: Principal) -> MonitoringPage | HTMLResponse:
    runs: MonitorRuns = request.app.state.monitor_runs
    try:
        return monitoring_page(runs, _served_snapshot(request), MENTORING_ON_PAGE)
    except MonitoringReportError as exc:
        return _problem(request, principal, 503, translator(request)("mon_unreadable", error=exc))


def _served_snapshot(request: Request) -> str | None:
    try:
        return _state(request).snapshot_id
    except NotReadyError:
        return None


@router.get("/monitoring", name="audit_monitoring")
def monitoring(request: Request, principal: AuditorDep) -> HTMLResponse:
    """The latest monitoring run: counts, realised vs predicted, overrides, drift, truth and
    the mentoring list."""
    page = _monitoring(request, principal)
    if isinstance(page, HTMLResponse):
        return page
    return render(request, "monitoring.html", principal, **page.context())


@router.get("/monitoring/mentoring.csv", name="audit_mentoring_csv")
def mentoring_csv(request: Request, principal: AuditorDep) -> Response:
    """The whole mentoring list as CSV."""
    runs: MonitorRuns = request.app.state.monitor_runs
    try:
        text, name = mentoring_csv_text(runs)
    except NotFoundError:
        return _problem(request, principal, 404, translator(request)("mon_none"))
    except MonitoringReportError as exc:
        return _problem(request, principal, 503, translator(request)("mon_unreadable", error=exc))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/chain", name="audit_chain")
def chain(request: Request, principal: AuditorDep) -> HTMLResponse:
    """Whether the audit log's hash chain is intact, and where it first breaks if not."""
    audit = _audit(request)
    report = _reading(request, principal, audit.verify)
    if isinstance(report, HTMLResponse):
        return report
    return render(request, "chain.html", principal, report=report, checked_at=datetime.now(UTC))
