"""HTTP answers for the domain errors (:mod:`serving.errors`): a clear ``detail``, never a
traceback. The logic raises plain exceptions; only this module knows their status codes."""

from __future__ import annotations

import math

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from features.codes import FeatureInputError
from serving.api.deps import get_principal, principal_of
from serving.api.security import API_KEY_HEADER
from serving.domain.monitor_runs import MonitoringReportError
from serving.errors import AuditError, NotFoundError, NotReadyError, ReloadError, RequestFieldError

# How a 422 echoes a number JSON cannot carry (Python's parser reads `NaN`, `Infinity` and
# overflowing literals such as 1e309; a JSON answer may not contain them).
NON_FINITE_TEXT: dict[str, str] = {"inf": "Infinity", "-inf": "-Infinity", "nan": "NaN"}


def json_safe(value: object) -> object:
    """``value`` with every non-finite float, at any depth, replaced by its name as a string."""
    if isinstance(value, float) and not math.isfinite(value):
        return NON_FINITE_TEXT[repr(value)]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _detail(status_code: int, detail: object) -> JSONResponse:
    return JSONResponse({"detail": json_safe(detail)}, status_code=status_code)


def _needs_key(dependant: Dependant) -> bool:
    return any(d.call is get_principal or _needs_key(d) for d in dependant.dependencies)


def install_error_handlers(app: FastAPI) -> None:
    """Domain errors -> HTTP answers with a clear ``detail`` (never a traceback)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI parses the body before it runs the route's dependencies: a caller without a
        # valid key must hear 401, not how its body was wrong.
        route = request.scope.get("route")
        if isinstance(route, APIRoute) and _needs_key(route.dependant):
            try:
                principal_of(request, request.headers.get(API_KEY_HEADER))
            except HTTPException as refused:
                return JSONResponse(
                    {"detail": refused.detail}, refused.status_code, headers=refused.headers
                )
        # FastAPI's own handler echoes each `input` as is, and a non-finite one made it a 500.
        return _detail(status.HTTP_422_UNPROCESSABLE_CONTENT, jsonable_encoder(exc.errors()))

    @app.exception_handler(RequestFieldError)
    async def _field(_: Request, exc: RequestFieldError) -> JSONResponse:
        return _detail(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [
                {"type": "value_error", "loc": list(p.loc), "msg": p.message, "input": p.value}
                for p in exc.problems
            ],
        )

    @app.exception_handler(FeatureInputError)
    async def _feature_input(_: Request, exc: FeatureInputError) -> JSONResponse:
        return _detail(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))

    statuses: list[tuple[type[Exception], int]] = [
        (NotFoundError, status.HTTP_404_NOT_FOUND),
        (NotReadyError, status.HTTP_503_SERVICE_UNAVAILABLE),
        (AuditError, status.HTTP_503_SERVICE_UNAVAILABLE),
        (ReloadError, status.HTTP_409_CONFLICT),
        (MonitoringReportError, status.HTTP_503_SERVICE_UNAVAILABLE),
    ]
    for error, code in statuses:

        async def _handler(_: Request, exc: Exception, code: int = code) -> JSONResponse:
            return _detail(code, str(exc))

        app.add_exception_handler(error, _handler)
