"""Signing auditors in and out of the web pages: API key form -> signed session cookie.

Only keys with the auditor or admin role may sign in. The cookie is httponly (no script reads
it), SameSite=Strict (no other site's page sends it, which is what keeps the read-only pages and
the sign-out form safe from cross-site requests), Secure unless configured otherwise, and ends
after ``MUTASI_WEB_SESSION_MINUTES``. Sign-in and sign-out also refuse a request whose Origin is
another site. A page asked for without a valid session redirects to the sign-in form.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs, quote, unquote, urlsplit

from fastapi import Depends, Request, Response

from mutasi.settings import Settings
from serving.api.security import KeyRing, Principal
from serving.web.session import SESSION_COOKIE, WEB_ROLES, SessionCodec

HOME = "/audit/rankings"
AUDIT_PREFIX = "/audit/"
MAX_FORM_BYTES = 4096
MAX_NEXT_LENGTH = 2048
MAX_DECODE_ROUNDS = 3
QUERY_SAFE = "=&%+,;:@/"  # a query's own syntax and its existing %-escapes stay as they are


class LoginRequired(Exception):  # noqa: N818 - it is a redirect, not an error
    """No valid session: the page redirects to the sign-in form, then back to ``next_path``."""

    def __init__(self, next_path: str, expired: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


def _unsafe_text(text: str) -> bool:
    # Browsers read a backslash as a slash and drop tabs and newlines from URLs, so a path
    # holding any of them may resolve elsewhere than it reads.
    return "\\" in text or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


def _decoded(path: str) -> str | None:
    """``path`` percent-decoded until stable (None if it still changes after a few rounds)."""
    for _ in range(MAX_DECODE_ROUNDS):
        decoded = unquote(path)
        if decoded == path:
            return path
        path = decoded
    return None


def safe_next(value: str | None) -> str:
    """A local audit page to return to after sign-in (anything else: the list of answers).

    The path is percent-decoded and its ``.``/``..`` segments resolved the way a browser
    resolves them (``/audit/%2e%2e/x`` is ``/x``); only a result under ``/audit/`` passes, and
    it is returned in that normal form, so the form cannot be used to redirect elsewhere.
    """
    if not value or len(value) > MAX_NEXT_LENGTH or _unsafe_text(value):
        return HOME
    parts = urlsplit(value)
    path = _decoded(parts.path)
    if parts.scheme or parts.netloc or path is None or _unsafe_text(path):
        return HOME
    if not path.startswith("/") or path.startswith("//"):
        return HOME
    normal = posixpath.normpath(path)
    if not normal.startswith(AUDIT_PREFIX):
        return HOME
    query = f"?{quote(parts.query, safe=QUERY_SAFE)}" if parts.query else ""
    return quote(normal, safe="/") + query


def login_url(next_path: str, expired: bool = False) -> str:
    """The sign-in form returning to ``next_path``."""
    flag = "&expired=1" if expired else ""
    return f"/audit/login?next={quote(safe_next(next_path), safe='/')}{flag}"


def web_principal(request: Request) -> Principal:
    """The signed-in auditor; :class:`LoginRequired` without a valid session."""
    codec: SessionCodec = request.app.state.web_sessions
    token = request.cookies.get(SESSION_COOKIE)
    session = codec.read(token)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target, expired=token is not None)
    return Principal(session.key_id, session.role)


AuditorDep = Annotated[Principal, Depends(web_principal)]


def optional_principal(request: Request) -> Principal | None:
    """The signed-in auditor, or None (for the sign-in page itself)."""
    try:
        return web_principal(request)
    except LoginRequired:
        return None


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site.

    Browsers send ``Sec-Fetch-Site``; older ones only ``Origin`` (which is ``null`` under our
    ``Referrer-Policy: no-referrer``, so it cannot be compared then).
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def read_form(request: Request) -> dict[str, str]:
    """A small url-encoded form body (no multipart needed for one field)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if len(body) > MAX_FORM_BYTES or content_type != "application/x-www-form-urlencoded":
        return {}
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {name: values[0] for name, values in fields.items()}


@dataclass(frozen=True)
class LoginOutcome:
    """A principal allowed in, or the catalogue key of why not (with its values)."""

    principal: Principal | None
    problem: str | None = None
    role: str | None = None


def check_login(keyring: KeyRing, presented: str) -> LoginOutcome:
    """Authenticate a key typed into the form and check its role."""
    presented = presented.strip()
    if not presented:
        return LoginOutcome(None, "login_missing")
    principal = keyring.authenticate(presented)
    if principal is None:
        return LoginOutcome(None, "login_invalid")
    if principal.role not in WEB_ROLES:
        return LoginOutcome(None, "login_role_refused", principal.role.value)
    return LoginOutcome(principal)


def set_session(response: Response, token: str, settings: Settings) -> None:
    """Attach the session cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.web_session_minutes * 60,
        path="/audit",
        httponly=True,
        samesite="strict",
        secure=settings.web_cookie_secure,
    )


def clear_session(response: Response, settings: Settings) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/audit",
        httponly=True,
        samesite="strict",
        secure=settings.web_cookie_secure,
    )
