"""Usulan: an employee's wishes for the next mutasi (up to three units, or an opt-out), sent by
the HR system or the employee's portal; versioned in the audit log and used from the next
ranking or plan on."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from serving.api.deps import AuditDep, HolderDep, TodayDep
from serving.api.portal import EmployeeReaderDep, EmployeeWriterDep, conflicts_as_409
from serving.api.routes.answering import DECISION_ERRORS
from serving.audit import AuditStore
from serving.domain.participation.usulan import (
    Submitter,
    check_employee,
    check_units,
    new_statement,
    participating_state,
    transition,
)
from serving.domain.participation.usulan_view import statement_view, usulan_view
from serving.errors import NotFoundError
from serving.schemas.common import Nip
from serving.schemas.usulan import UsulanRequest, UsulanStatement, UsulanView
from serving.state import StateHolder

router = APIRouter(prefix="/v1", tags=["usulan"])

EmployeeNip = Annotated[Nip, Path(description="NIP of the employee.")]
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **DECISION_ERRORS,
    401: {"description": "Missing or invalid API key, or (portal) employee token."},
    403: {"description": "The key's role may not, or a portal acts for another employee."},
    409: {
        "description": "The newest version says otherwise: an usulan exists already (POST), "
        "none or a withdrawn one (PUT, DELETE), or replaces_version is not the newest."
    },
    422: {
        "description": "A field is invalid (`detail` names it): unknown NIP, a unit not in "
        "the snapshot, more than three choices, repeated units or priorities."
    },
}


def _write(
    caller: EmployeeWriterDep,
    nip: str,
    body: UsulanRequest | None,
    action: str,
    replaces: int | None,
    submitted_by: str,
    holder: StateHolder,
    audit: AuditStore,
    today: date,
) -> UsulanStatement:
    caller.check_self(nip, "path nip")
    # Checked against the served snapshot (who is in service, which units exist), not the state
    # with the statements applied: a burst of submissions then never rebuilds the overlay, the
    # next ranking or plan does, once (the statements' token has changed).
    state = holder.current
    check_employee(state, nip, today)
    if body is not None:
        check_units(state, body)
    principal = caller.principal
    statement = new_statement(
        nip, body, Submitter(principal.key_id, principal.role.value), today, submitted_by
    )
    with conflicts_as_409():
        record = audit.record_statement(statement, transition(action, nip, replaces))
    return statement_view(state, record, "active" if body else "withdrawn")


@router.post(
    "/employees/{nip}/usulan",
    response_model=UsulanStatement,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
    summary="Submit an employee's usulan (wishes or an opt-out)",
)
def submit_usulan(
    caller: EmployeeWriterDep,
    nip: EmployeeNip,
    body: UsulanRequest,
    holder: HolderDep,
    audit: AuditDep,
    today: TodayDep,
) -> UsulanStatement:
    """Up to three units with a priority and a reason, or an opt-out from being moved this
    cycle with a reason code. Version 1, or the next version after a withdrawal; it wins over
    the HR export's preferences from the next ranking or plan on."""
    return _write(caller, nip, body, "submit", None, body.submitted_by, holder, audit, today)


@router.put(
    "/employees/{nip}/usulan",
    response_model=UsulanStatement,
    responses=WRITE_ERRORS,
    summary="Change an employee's usulan (a new version)",
)
def change_usulan(
    caller: EmployeeWriterDep,
    nip: EmployeeNip,
    body: UsulanRequest,
    holder: HolderDep,
    audit: AuditDep,
    today: TodayDep,
) -> UsulanStatement:
    """Replace the wishes with a new version (the old one stays readable in the history);
    ``replaces_version`` guards against overwriting a change made meanwhile."""
    replaces = body.replaces_version
    return _write(caller, nip, body, "change", replaces, body.submitted_by, holder, audit, today)


@router.delete(
    "/employees/{nip}/usulan",
    response_model=UsulanStatement,
    responses=WRITE_ERRORS,
    summary="Withdraw an employee's usulan",
)
def withdraw_usulan(
    caller: EmployeeWriterDep,
    nip: EmployeeNip,
    holder: HolderDep,
    audit: AuditDep,
    today: TodayDep,
    submitted_by: Annotated[str, Query(min_length=1, max_length=200, description="Who.")],
    replaces_version: Annotated[int | None, Query(ge=1)] = None,
) -> UsulanStatement:
    """Take every wish and any opt-out back (a withdrawal version): the export's older
    preferences do not come back either."""
    return _write(
        caller, nip, None, "withdraw", replaces_version, submitted_by, holder, audit, today
    )


@router.get(
    "/employees/{nip}/usulan",
    response_model=UsulanView,
    responses={
        401: WRITE_ERRORS[401],
        403: WRITE_ERRORS[403],
        404: {"description": "No such employee in the snapshot and no usulan of them."},
        503: DECISION_ERRORS[503],
    },
    summary="An employee's usulan: every version and what is in effect",
)
def read_usulan(
    caller: EmployeeReaderDep,
    nip: EmployeeNip,
    holder: HolderDep,
    audit: AuditDep,
    today: TodayDep,
) -> UsulanView:
    """Every version (oldest first), the HR export's preferences (kept), and the wishes and
    opt-out in effect today, as rankings and plans see them."""
    caller.check_self(nip, "path nip")
    state = participating_state(holder, audit)
    view = usulan_view(state, audit, nip, today)
    if not view.history and nip not in state.names:
        raise NotFoundError(f"employee {nip} is not in snapshot {state.snapshot_id}")
    return view
