"""Transport hardening of the API: request size limit, security headers, CORS (closed by default).

All three are plain ASGI middleware so that they also cover errors raised before a route runs
(401, 404, body parsing) and the auditor pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mutasi.settings import Settings

# Every response; the auditor pages add their own CSP and cache rules (serving.web.headers).
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class RequestSizeLimit:
    """Answer 413 to a request whose body is over ``max_bytes``, without reading it all.

    A declared ``Content-Length`` over the limit is refused before the body is touched; a
    chunked body is counted as it arrives and refused as soon as it passes the limit: the 413
    goes out at once and the application is told the client left, so it stops reading (its
    own answer to that is dropped).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    if not started:
                        await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body over {self.max_bytes} bytes (MUTASI_MAX_REQUEST_BYTES)"},
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class SecurityHeaders:
    """Add ``headers`` (default :data:`SECURITY_HEADERS`) to every HTTP response under
    ``prefix`` (default: all); a route's own value wins."""

    def __init__(
        self, app: ASGIApp, headers: Mapping[str, str] = SECURITY_HEADERS, prefix: str = ""
    ) -> None:
        self.app = app
        self.headers = dict(headers)
        self.prefix = prefix.rstrip("/")

    def _applies(self, path: str) -> bool:
        return not self.prefix or path == self.prefix or path.startswith(self.prefix + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._applies(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Register the hardening middleware; CORS only for the origins settings name."""
    if settings.cors_origins:
        # Browsers may call from these origins only; the key travels in a header, no cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Content-Type"],
            allow_credentials=False,
        )
    # Outside the routes and CORS, so an oversized body is refused before anything reads it.
    app.add_middleware(RequestSizeLimit, max_bytes=settings.max_request_bytes)
    # Added last so it runs first: even the size limit's 413 carries the headers.
    app.add_middleware(SecurityHeaders)


def document_transport_errors(app: FastAPI) -> None:
    """Declare in OpenAPI the answers any operation with a body may give before its route runs:
    400 (the body is not parseable) and 413 (over the size limit)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path_item in schema.get("paths", {}).values():
                for operation in path_item.values():
                    if "requestBody" in operation:
                        responses = operation.setdefault("responses", {})
                        responses.setdefault("400", {"description": "The body is not parseable."})
                        responses.setdefault("413", {"description": "The body is too large."})
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
