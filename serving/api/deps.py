"""Typed dependencies of the routes: settings, state, audit store, the caller and its role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from mutasi.settings import Settings
from serving.api.metrics import ServingMetrics
from serving.api.security import API_KEY_HEADER, KeyRing, Principal, Role
from serving.audit import AuditStore
from serving.domain.monitor_runs import MonitorRuns
from serving.domain.participation.usulan import participating_state
from serving.state import ServingState, StateHolder

_api_key = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="API key issued with `mutasi keys`."
)


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_holder(request: Request) -> StateHolder:
    """The holder of the current state (reload swaps what it holds)."""
    holder: StateHolder = request.app.state.holder
    return holder


async def get_state(holder: Annotated[StateHolder, Depends(get_holder)]) -> ServingState:
    """The state this request uses from start to end, even if a reload swaps it meanwhile."""
    return holder.current


async def get_audit(request: Request) -> AuditStore:
    """The audit store."""
    audit: AuditStore = request.app.state.audit
    return audit


async def get_metrics(request: Request) -> ServingMetrics:
    """The app's custom Prometheus metrics."""
    metrics: ServingMetrics = request.app.state.metrics
    return metrics


async def get_compute_limiter(request: Request) -> CapacityLimiter:
    """How many answers may be computed at once (``compute_threads``)."""
    limiter: CapacityLimiter = request.app.state.compute_limiter
    return limiter


async def get_plan_limiter() -> CapacityLimiter:
    """Where plans are computed: the thread pool's default limiter, not the compute threads
    (one plan may take up to ``plan_time_limit`` seconds; rankings must not wait behind it)."""
    return anyio.to_thread.current_default_thread_limiter()


async def get_today(request: Request) -> date:
    """The decision date default (the app's clock, replaceable in tests)."""
    today: date = request.app.state.clock()
    return today


async def get_monitor_runs(request: Request) -> MonitorRuns:
    """The reader of the latest monitoring run."""
    runs: MonitorRuns = request.app.state.monitor_runs
    return runs


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
HolderDep = Annotated[StateHolder, Depends(get_holder)]
StateDep = Annotated[ServingState, Depends(get_state)]
AuditDep = Annotated[AuditStore, Depends(get_audit)]
MetricsDep = Annotated[ServingMetrics, Depends(get_metrics)]
ComputeDep = Annotated[CapacityLimiter, Depends(get_compute_limiter)]
PlanComputeDep = Annotated[CapacityLimiter, Depends(get_plan_limiter)]
TodayDep = Annotated[date, Depends(get_today)]
MonitorRunsDep = Annotated[MonitorRuns, Depends(get_monitor_runs)]


async def get_principal(
    request: Request, api_key: Annotated[str | None, Security(_api_key)]
) -> Principal:
    """The caller behind the API key; 401 without a valid key."""
    return principal_of(request, api_key)


def principal_of(request: Request, api_key: str | None) -> Principal:
    """The caller behind ``api_key``; 401 without a valid key (one SHA-256: no thread needed)."""
    keyring: KeyRing = request.app.state.keyring
    principal = keyring.authenticate(api_key)
    if principal is None:
        detail = "missing API key" if not api_key else "invalid API key"
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"{detail}: send it in the {API_KEY_HEADER} header",
            headers={"WWW-Authenticate": "APIKey"},
        )
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only callers with one of ``roles`` (403 otherwise)."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role.value} may not do this; needs one of: {allowed}",
            )
        return principal

    return check


RankerDep = Annotated[Principal, Depends(require_roles(Role.HR_SYSTEM))]
AnswerReaderDep = Annotated[Principal, Depends(require_roles(Role.AUDITOR, Role.HR_SYSTEM))]
ModelReaderDep = Annotated[
    Principal, Depends(require_roles(Role.AUDITOR, Role.HR_SYSTEM, Role.ADMIN))
]
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


# --- ASN participation (issue 14) ------------------------------------------------------------


def get_participating_state(holder: HolderDep, audit: AuditDep) -> ServingState:
    """The state with every usulan statement received so far applied (rankings, plans,
    recommendations): a statement counts from the next request on."""
    return participating_state(holder, audit)


ParticipatingStateDep = Annotated[ServingState, Depends(get_participating_state)]
ReviewerDep = Annotated[Principal, Depends(require_roles(Role.AUDITOR, Role.ADMIN))]
FinaliserDep = Annotated[Principal, Depends(require_roles(Role.HR_SYSTEM, Role.ADMIN))]
PlanReaderDep = Annotated[
    Principal, Depends(require_roles(Role.AUDITOR, Role.HR_SYSTEM, Role.ADMIN))
]
