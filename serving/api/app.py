"""The FastAPI application: ``create_app(settings)`` wires settings, state, audit and routes.

The model bundle, HR snapshot, feature builder and rule set are loaded once, in the lifespan,
before the first request; ``POST /v1/admin/reload`` replaces them atomically later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date

from anyio import CapacityLimiter
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator

from mutasi.settings import Settings, get_settings
from serving.api.errors import install_error_handlers
from serving.api.log_privacy import install_log_masking
from serving.api.metrics import MonitoringCollector, ServingMetrics
from serving.api.middleware import document_transport_errors, install_middleware
from serving.api.portal import install_portal
from serving.api.routes import ROUTERS
from serving.api.security import KeyRing
from serving.audit import AuditStore
from serving.domain.monitor_runs import MonitorRuns
from serving.errors import (
    NotReadyError,
)
from serving.state import StateHolder
from serving.state.fallback import make_holder
from serving.state.memory import tune_allocators
from serving.web import install_web

API_VERSION = "1"
DESCRIPTION = """
Decision support for planning transfers (mutasi) of civil servants (ASN).

Every ranking lists only candidates the eligibility rules allow, predicts their SKP rating
after the move (1 = sangat kurang .. 5 = sangat baik) with a conformal interval and
P(baik or better), explains each prediction with SHAP contributions in Bahasa Indonesia and
English, and is stored in an audit log before it is returned (`GET /v1/rankings/{request_id}`).
Authenticate with an API key in the `X-API-Key` header (`mutasi keys <role>` creates one).
"""
TAGS = [
    {"name": "rankings", "description": "Candidates for a position."},
    {"name": "recommendations", "description": "Vacancies for an employee."},
    {"name": "plans", "description": "Many vacancies filled at once (rencana mutasi)."},
    {"name": "decisions", "description": "Officials' decisions on rankings (audited)."},
    {"name": "model", "description": "The served model, features and rules."},
    {"name": "admin", "description": "Reload model and snapshot."},
    {"name": "health", "description": "Liveness, readiness (no key needed)."},
    {"name": "usulan", "description": "Employees' wishes and opt-outs for the next mutasi."},
    {"name": "objections", "description": "Objections to answers and plans; human review."},
    {"name": "employees", "description": "Self-service: employee tokens, own answers."},
    {"name": "notice", "description": "What the system assesses (no key needed)."},
    {"name": "monitoring", "description": "Post-move evaluation, drift, mentoring list."},
]


def create_app(settings: Settings | None = None, clock: Callable[[], date] = date.today) -> FastAPI:
    """The API for ``settings`` (default: the process settings); ``clock`` gives "today"."""
    settings = settings or get_settings()
    tune_allocators(settings.malloc_arena_max)  # before any snapshot is read or thread starts
    holder = make_holder(settings)
    audit = AuditStore(settings.audit_url)
    registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        audit.create_schema()
        # Loading takes seconds of CPU: off the event loop, once, before serving (unless
        # `mutasi serve` already loaded it to refuse starting without a model).
        if not holder.ready:
            await run_in_threadpool(holder.load_initial, clock())
        yield
        audit.dispose()

    app = FastAPI(
        title="Mutasi ranking API",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.keyring = KeyRing(settings.api_keys)
    install_portal(app, settings)  # employee tokens of the employee_portal role (issue 14)
    app.state.holder = holder
    app.state.audit = audit
    app.state.metrics = ServingMetrics(registry)
    app.state.compute_limiter = CapacityLimiter(settings.compute_threads)
    app.state.monitor_runs = MonitorRuns(settings.monitoring_dir)
    registry.register(MonitoringCollector(app.state.monitor_runs))
    app.state.clock = clock
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    install_web(app, settings)
    install_middleware(app, settings)
    install_log_masking()
    document_transport_errors(app)
    Instrumentator(
        registry=registry, excluded_handlers=["/metrics", "/healthz", "/readyz"]
    ).instrument(app).expose(app, tags=["health"])
    return app


def preload(app: FastAPI) -> None:
    """Load the model and snapshot now, before serving; :class:`NotReadyError` says why not."""
    holder: StateHolder = app.state.holder
    holder.load_initial(app.state.clock())
    if not holder.ready:
        raise NotReadyError(f"no model/snapshot loaded: {holder.last_error or 'unknown reason'}")
