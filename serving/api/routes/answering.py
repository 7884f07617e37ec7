"""Turning a computed answer into the HTTP response, with the audit record committed first."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from serving.api.security import Principal
from serving.audit import AuditStore, dumps_request
from serving.audit.records import AnswerRecord, ItemRecord, Lineage

REQUEST_ID_HEADER = "X-Request-ID"

# The error answers every decision endpoint documents in OpenAPI.
DECISION_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API key."},
    403: {"description": "The key's role may not call this endpoint."},
    422: {"description": "A field is invalid; `detail` lists each field and why."},
    503: {"description": "Not ready (no model/snapshot loaded) or the audit log is unavailable."},
}


def new_request_id() -> str:
    """A fresh request id (also the key of the stored answer)."""
    return uuid.uuid4().hex


def audited_response(
    *,
    audit: AuditStore,
    principal: Principal,
    request_id: str,
    endpoint: str,
    request_payload: Mapping[str, Any],
    answer: BaseModel,
    lineage: Lineage,
    as_of: date,
    items: Sequence[ItemRecord],
    position_id: str | None = None,
    subject_nip: str | None = None,
) -> Response:
    """Serialise the answer once, commit it to the audit log, then return those exact bytes.

    If the audit write fails, :class:`~serving.errors.AuditWriteError` propagates (503): an
    answer that is not in the log is never given.
    """
    body = answer.model_dump_json()
    audit.record(
        AnswerRecord(
            request_id=request_id,
            key_id=principal.key_id,
            role=principal.role.value,
            endpoint=endpoint,
            as_of=as_of,
            request_json=dumps_request(request_payload),
            response_json=body,
            lineage=lineage,
            position_id=position_id,
            subject_nip=subject_nip,
            items=items,
        )
    )
    return json_bytes(body, request_id)


def json_bytes(body: str, request_id: str | None = None) -> Response:
    """A JSON response of an already serialised body."""
    headers = {REQUEST_ID_HEADER: request_id} if request_id else None
    return Response(content=body.encode("utf-8"), media_type="application/json", headers=headers)
