"""Reading an employee's usulan: every version, the export's rows, and what is in effect.

What is in effect is asked of the feature builder of the participating state
(:func:`serving.domain.participation.usulan.participating_state`), so that it is exactly
what rankings and plans see.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from features.dated_index import day_of
from serving.audit import AuditStore
from serving.audit.participation_records import StatementRecord
from serving.domain.participation.usulan import WITHDRAWAL
from serving.schemas.usulan import (
    EffectivePreference,
    ExportPreference,
    OptOut,
    StatementStatus,
    UsulanChoice,
    UsulanStatement,
    UsulanView,
)
from serving.state import ServingState


def asked_units(state: ServingState, nip: str, as_of: date) -> list[tuple[str, int]]:
    """(unit_id, priority) the features count ``nip`` as asking for at ``as_of``, in order."""
    history = state.snapshot.builder.history_
    code = history.nips.get_indexer(pd.Index([nip], dtype=object))
    if code[0] < 0:
        return []
    candidates: set[str] = set()
    export = state.dataset.preferences
    if export is not None:
        candidates |= set(export.loc[export["nip"].astype(str) == nip, "unit_id"].astype(str))
    for ref in state.statements.by_nip.get(nip, ()):
        candidates |= {u for u, _ in ref.units}
    units = sorted(u for u in candidates if u in history.units)
    if not units:
        return []
    unit_codes = history.units.get_indexer(pd.Index(units, dtype=object))
    priority = history.preference_priority(np.full(len(units), code[0]), unit_codes, day_of(as_of))
    found = [(u, int(p)) for u, p in zip(units, priority, strict=True) if not np.isnan(p)]
    return sorted(found, key=lambda up: (up[1], up[0]))


def _unit_name(state: ServingState, unit_id: str) -> str | None:
    names = state.units["name"]
    return str(names[unit_id]) if unit_id in names.index else None


def _status(
    record: StatementRecord, in_effect: StatementRecord | None, today: date
) -> StatementStatus:
    if record.effective_on > today:
        return "pending"
    if in_effect is None or record.statement_id != in_effect.statement_id:
        return "superseded"
    return "withdrawn" if record.kind == WITHDRAWAL else "active"


def statement_view(
    state: ServingState, record: StatementRecord, status: StatementStatus
) -> UsulanStatement:
    """The answer's form of a stored statement."""
    opt_out = None
    if record.opt_out_reason is not None:
        opt_out = OptOut(reason_code=record.opt_out_reason, note=record.opt_out_note)
    return UsulanStatement(
        statement_id=record.statement_id,
        nip=record.nip,
        version=record.version,
        kind="withdrawal" if record.kind == WITHDRAWAL else "usulan",
        status=status,
        choices=[
            UsulanChoice(
                unit_id=c.unit_id,
                unit_name=_unit_name(state, c.unit_id),
                priority=c.priority,
                reason=c.reason,
            )
            for c in record.choices
        ],
        opt_out=opt_out,
        note=record.note,
        submitted_by=record.submitted_by,
        effective_on=record.effective_on,
        received_at=record.received_at,
        key_id=record.key_id,
        role=record.role,
        seq=record.seq,
    )


def usulan_view(state: ServingState, audit: AuditStore, nip: str, today: date) -> UsulanView:
    """Every version of ``nip``'s usulan, the export's rows and what is in effect ``today``."""
    records = audit.statements(nip)
    in_effect = None
    for record in records:
        if record.effective_on <= today:
            in_effect = record
    history = [statement_view(state, r, _status(r, in_effect, today)) for r in records]
    export = state.dataset.preferences
    rows = (
        []
        if export is None
        else export.loc[export["nip"].astype(str) == nip]
        .sort_values(["submitted_on", "priority"])
        .to_dict("records")
    )
    active = state.statements.active(nip, today)
    from_usulan = set(active.units) if active is not None else set()
    opt_out = None
    if in_effect is not None and in_effect.opt_out_reason is not None:
        opt_out = OptOut(reason_code=in_effect.opt_out_reason, note=in_effect.opt_out_note)
    applied = {r.statement_id for r in state.statements.by_nip.get(nip, ())}
    return UsulanView(
        nip=nip,
        name=state.names.get(nip),
        current=history[-1] if history else None,
        history=history,
        export_preferences=[
            ExportPreference(
                unit_id=str(r["unit_id"]),
                unit_name=_unit_name(state, str(r["unit_id"])),
                priority=int(r["priority"]),
                submitted_on=pd.Timestamp(r["submitted_on"]).date(),
            )
            for r in rows
        ],
        as_of=today,
        effective=[
            EffectivePreference(
                unit_id=unit,
                unit_name=_unit_name(state, unit),
                priority=priority,
                source="usulan" if (unit, priority) in from_usulan else "export",
            )
            for unit, priority in asked_units(state, nip, today)
        ],
        opt_out=opt_out,
        not_applied=[
            f"{r.statement_id}: not applied by the served snapshot {state.snapshot_id}"
            for r in records
            if r.statement_id not in applied
        ]
        + [
            f"{r.statement_id}: unit {c.unit_id} is not in the snapshot"
            for r in records
            for c in r.choices
            if c.unit_id not in state.units.index
        ],
    )
