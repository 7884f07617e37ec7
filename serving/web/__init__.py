"""Server-rendered, read-only pages for auditors under ``/audit`` (Jinja2, no JavaScript).

An auditor signs in with an API key (role auditor or admin), then sees every recorded answer
with why it was given (SHAP reasons and waterfall, eligibility, lineage) and what the official
decided, the served model's card and fairness report, and whether the audit chain is intact.
:func:`install_web` adds the pages to the API application.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from mutasi.settings import Settings
from serving.api.middleware import SecurityHeaders
from serving.web.auth import LoginRequired, login_url
from serving.web.headers import SECURITY_HEADERS
from serving.web.participation_pages import router as participation_router
from serving.web.render import STATIC_DIR
from serving.web.routes import router
from serving.web.session import SessionCodec, new_secret

__all__ = ["install_web"]


def _secret(settings: Settings) -> bytes:
    configured = settings.web_session_secret
    return new_secret() if configured is None else configured.get_secret_value().encode("utf-8")


def install_web(app: FastAPI, settings: Settings) -> None:
    """Mount the auditor pages, their stylesheet, security headers and sign-in redirect.

    Call after ``app.state.keyring`` is set: sessions are checked against its keys.
    """
    app.state.web_sessions = SessionCodec(
        _secret(settings), settings.web_session_minutes * 60, app.state.keyring
    )
    app.include_router(router)
    app.mount("/audit/static", StaticFiles(directory=STATIC_DIR), name="audit_static")
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS, prefix="/audit")
    # ASN participation (issue 14): objections, plans and letters; the public notice.
    app.include_router(participation_router)
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS, prefix="/notice")

    @app.exception_handler(LoginRequired)
    async def _to_login(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_url(exc.next_path, exc.expired), status_code=303)
