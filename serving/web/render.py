"""Rendering a page: the Jinja2 templates, the language of the request, and shared context.

The language comes from ``?lang=`` (which is then remembered in a cookie), else the cookie,
else Bahasa Indonesia. Templates get ``t`` (the translator), ``lang``, ``path`` (URL paths of
the audit routes), ``lang_links`` (this page in each language) and the signed-in ``principal``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from serving.api.security import Principal
from serving.web.i18n import DEFAULT_LANG, LANGS, Lang, Translator, parse_lang

PACKAGE_DIR = Path(__file__).parent
TEMPLATE_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
LANG_COOKIE = "mutasi_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600


def _utc(moment: datetime | None) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM:SS`` (audit timestamps are UTC)."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a misspelt variable fails the test, not the auditor
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["utc"] = _utc
    env.filters["num"] = _num
    return env


TEMPLATES = Jinja2Templates(env=_environment())


def request_lang(request: Request) -> Lang:
    """The page language: query parameter, then cookie, then the default."""
    return (
        parse_lang(request.query_params.get("lang"))
        or parse_lang(request.cookies.get(LANG_COOKIE))
        or DEFAULT_LANG
    )


def _lang_links(request: Request) -> dict[str, str]:
    """This page's URL in each language (other query parameters kept)."""
    return {
        lang: f"{request.url.path}?{urlencode(dict(request.query_params) | {'lang': lang})}"
        for lang in LANGS
    }


def translator(request: Request) -> Translator:
    """The translator of the request's language."""
    return Translator(request_lang(request))


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the request's language; remembers an explicit ``?lang=`` in a cookie."""
    lang = request_lang(request)

    def path(name: str, **params: Any) -> str:
        return str(request.app.url_path_for(name, **params))

    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": Translator(lang),
            "lang": lang,
            "path": path,
            "lang_links": _lang_links(request),
            "principal": principal,
            **context,
        },
        status_code=status_code,
    )
    if parse_lang(request.query_params.get("lang")) is not None:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_SECONDS,
            path="/audit",
            httponly=True,
            samesite="strict",
        )
    return response
