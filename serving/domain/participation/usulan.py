"""Usulan statements: checked against the snapshot, versioned, and overlaid on the export.

The HR export's ``preferences`` table stays as it is (both are kept); statements received
through the service are added to it as rows the feature builder reads with the same as-of
lookup as training (:meth:`features.history.EmployeeHistory.with_preferences`):

- each version of a statement lists every unit the employee has ever asked for: the chosen
  ones with their priority, the others with no priority (withdrawn). So the newest statement
  wins over older export rows and earlier versions, and a withdrawal takes every wish back;
- a statement arriving during day ``d`` is known to every request after it, including those
  for ``as_of = d``; the as-of index counts records dated strictly before ``as_of``, so its
  rows are dated ``d - 1``, and a decision dated before ``d`` never sees it (no leakage into
  past dates);
- on the same day a statement wins over the export (the ``sequence`` column).

The state with the overlay is rebuilt only when a statement arrives or the snapshot is
reloaded (:meth:`serving.state.StateHolder.derived`), from the next request on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from features.history import SEQUENCE_COLUMN
from serving.audit import AuditStore
from serving.audit.participation_records import (
    NewStatement,
    ParticipationConflictError,
    StatementRecord,
    UnitChoice,
)
from serving.errors import FieldProblem, RequestFieldError
from serving.schemas.usulan import (
    UsulanCitation,
    UsulanRequest,
)
from serving.state import ServingState, StateHolder
from serving.state.overlay import OverlaidState
from serving.state.statements import StatementRef, Statements

USULAN = "usulan"
WITHDRAWAL = "withdrawal"


@dataclass(frozen=True)
class Submitter:
    """Who sends a statement: the API key (id and role) and the person named in the body."""

    key_id: str
    role: str


# --- checking a statement --------------------------------------------------------------------


def check_employee(state: ServingState, nip: str, today: date) -> None:
    """422 naming ``path.nip`` unless the employee is in the snapshot and in service today."""
    if nip in state.view(today).row_of_nip:
        return
    why = "is not in service on" if nip in state.names else "is not an employee of the snapshot on"
    raise RequestFieldError(
        [
            FieldProblem(
                ("path", "nip"), f"{nip} {why} {today.isoformat()} ({state.snapshot_id})", nip
            )
        ]
    )


def check_units(state: ServingState, body: UsulanRequest) -> None:
    """422 naming ``body.choices[i].unit_id`` for every unit that is not in the snapshot."""
    problems = [
        FieldProblem(
            ("body", "choices", i, "unit_id"),
            f"unit {c.unit_id!r} is not in the snapshot {state.snapshot_id}",
            c.unit_id,
        )
        for i, c in enumerate(body.choices)
        if c.unit_id not in state.units.index
    ]
    if problems:
        raise RequestFieldError(problems)


def new_statement(
    nip: str, body: UsulanRequest | None, by: Submitter, today: date, submitted_by: str
) -> NewStatement:
    """The statement to store: the body's wishes, or a withdrawal when ``body`` is None."""
    if body is None:
        return NewStatement(
            nip, WITHDRAWAL, (), None, None, None, submitted_by, today, by.key_id, by.role
        )
    choices = tuple(
        UnitChoice(c.unit_id, c.priority, c.reason or None)
        for c in sorted(body.choices, key=lambda c: c.priority)
    )
    opt_out = body.opt_out
    return NewStatement(
        nip=nip,
        kind=USULAN,
        choices=choices,
        opt_out_reason=None if opt_out is None else opt_out.reason_code.value,
        opt_out_note=None if opt_out is None else opt_out.note,
        note=body.note,
        submitted_by=submitted_by,
        effective_on=today,
        key_id=by.key_id,
        role=by.role,
    )


def transition(
    action: str, nip: str, replaces: int | None
) -> Callable[[StatementRecord | None], None]:
    """The check of a submit / change / withdraw against the newest stored version (409s)."""

    def check(latest: StatementRecord | None) -> None:
        active = latest is not None and latest.kind == USULAN
        if action == "submit" and active:
            assert latest is not None
            raise ParticipationConflictError(
                f"{nip} already has an usulan (version {latest.version}): change it with PUT "
                f"and replaces_version {latest.version}, or withdraw it with DELETE"
            )
        if action in ("change", "withdraw") and not active:
            if latest is None:
                raise ParticipationConflictError(
                    f"{nip} has no usulan to {action}; submit one with POST"
                )
            raise ParticipationConflictError(
                f"the usulan of {nip} was withdrawn (version {latest.version}, "
                f"{latest.effective_on.isoformat()}): submit a new one with POST"
            )
        if replaces is not None and latest is not None and replaces != latest.version:
            raise ParticipationConflictError(
                f"replaces_version {replaces} is not the newest version of the usulan of {nip} "
                f"(it is {latest.version}): read it again and resend"
            )

    return check


# --- the overlay -----------------------------------------------------------------------------


def statement_ref(record: StatementRecord) -> StatementRef:
    """What answers cite of a stored statement."""
    return StatementRef(
        statement_id=record.statement_id,
        nip=record.nip,
        version=record.version,
        kind=record.kind,
        effective_on=record.effective_on,
        units=tuple((c.unit_id, c.priority) for c in record.choices),
        opt_out_reason=record.opt_out_reason,
    )


@dataclass(frozen=True)
class Overlay:
    """The overlaid preferences table, the statements it applies and what it could not."""

    preferences: pd.DataFrame | None
    statements: Statements
    not_applied: list[str]


def overlay_preferences(
    export: pd.DataFrame | None,
    statements: Sequence[StatementRecord],
    nips: pd.Index,
    units: pd.Index,
    token: object = None,
) -> Overlay:
    """The export's preferences plus the rows of every statement (see the module docstring).

    Statements of NIPs the snapshot does not have, and choices of units it does not have, are
    left out and listed in ``not_applied``.
    """
    asked: dict[str, set[str]] = {}
    if export is not None:
        for nip, unit in zip(export["nip"].astype(str), export["unit_id"].astype(str), strict=True):
            asked.setdefault(nip, set()).add(unit)
    rows: list[tuple[str, pd.Timestamp, str, float, float]] = []
    applied: list[StatementRef] = []
    skipped: list[str] = []
    known_nips, known_units = set(nips), set(units)  # pd.Index lookups cost ~10x a set's
    for sequence, record in enumerate(
        sorted(statements, key=lambda r: (r.received_at, r.version)), 1
    ):
        if record.nip not in known_nips:
            skipped.append(f"{record.statement_id}: employee {record.nip} is not in the snapshot")
            continue
        day = pd.Timestamp(record.effective_on - timedelta(days=1))
        chosen = {c.unit_id: c.priority for c in record.choices if c.unit_id in known_units}
        skipped += [
            f"{record.statement_id}: unit {c.unit_id} is not in the snapshot"
            for c in record.choices
            if c.unit_id not in known_units
        ]
        before = asked.setdefault(record.nip, set())
        for unit in sorted(before | set(chosen)):
            rows.append((record.nip, day, unit, float(chosen.get(unit, np.nan)), float(sequence)))
        before |= set(chosen)
        applied.append(statement_ref(record))
    if not applied:
        return Overlay(export, Statements((), token), skipped)
    added = pd.DataFrame(
        rows, columns=["nip", "submitted_on", "unit_id", "priority", SEQUENCE_COLUMN]
    )
    parts = [added]
    if export is not None:
        parts.insert(
            0,
            export[["nip", "submitted_on", "unit_id", "priority"]]
            .astype({"priority": "float64"})
            .assign(**{SEQUENCE_COLUMN: 0.0}),
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["submitted_on"] = pd.to_datetime(frame["submitted_on"])
    return Overlay(frame, Statements(applied, token), skipped)


def apply_statements(
    base: ServingState, statements: Sequence[StatementRecord], token: object = None
) -> ServingState:
    """``base`` with ``statements`` applied (``base`` itself when there are none)."""
    if not statements:
        return base
    history = base.snapshot.builder.history_
    overlay = overlay_preferences(
        base.dataset.preferences, statements, history.nips, history.units, token
    )
    if not len(overlay.statements):
        return base
    return OverlaidState(base, overlay.preferences, overlay.statements)


def participating_state(holder: StateHolder, audit: AuditStore) -> ServingState:
    """The current state with every statement received so far (cached until the next one)."""
    base = holder.current
    token = audit.statements_token()
    return holder.derived(base, token, lambda b: apply_statements(b, audit.statements(), token))


def state_as_received(base: ServingState, audit: AuditStore, before: datetime) -> ServingState:
    """``base`` with the statements received before ``before``: what an answer given then saw
    (replays and letters)."""
    return apply_statements(base, audit.statements(received_before=before))


def citation(state: ServingState, nip: str, as_of: date) -> UsulanCitation | None:
    """The statement in effect for ``nip`` at ``as_of`` that an answer used, if any."""
    ref = state.statements.active(nip, as_of)
    if ref is None:
        return None
    return UsulanCitation(
        statement_id=ref.statement_id,
        version=ref.version,
        kind="withdrawal" if ref.kind == WITHDRAWAL else "usulan",
        effective_on=ref.effective_on,
        opt_out_reason=ref.opt_out_reason,
    )
