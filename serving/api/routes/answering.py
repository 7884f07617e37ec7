"""Turning a computed answer into the HTTP response, with the audit record committed first."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Response
from pydantic import BaseModel

from serving.api.security import Principal
from serving.audit import AuditStore, answer_pending, dumps_request
from serving.audit.pending import PendingRecord
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


@dataclass(frozen=True)
class AuditedAnswer:
    """A computed answer: the response body, serialised once, and its record for the log."""

    body: str
    pending: PendingRecord

    @property
    def request_id(self) -> str:
        """The answer's request id (the key of its record)."""
        return self.pending.record_id


def audited_answer(
    *,
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
) -> AuditedAnswer:
    """Serialise the answer once and build its audit record from those exact bytes."""
    body = answer.model_dump_json()
    record = AnswerRecord(
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
    return AuditedAnswer(body, answer_pending(record))


async def respond_audited(
    compute: Callable[[], AuditedAnswer | Response], audit: AuditStore, limiter: CapacityLimiter
) -> Response:
    """Compute an answer on a worker thread (at most ``limiter``'s tokens at once), commit its
    record, then return those exact bytes; a ``Response`` from ``compute`` (e.g. a 422 of the
    plan) is returned as it is.

    The commit is awaited on the event loop, not on the worker thread: threads waiting for
    the group commit would otherwise hold the pool, and more threads than that competing for
    the GIL starve the writer. If the audit write fails, :class:`~serving.errors.AuditWriteError`
    propagates (503): an answer that is not in the log is never given.
    """
    answer = await anyio.to_thread.run_sync(compute, limiter=limiter)
    if isinstance(answer, Response):
        return answer
    await audit.record_async(answer.pending)
    return json_bytes(answer.body, answer.request_id)


def json_bytes(body: str, request_id: str | None = None) -> Response:
    """A JSON response of an already serialised body."""
    headers = {REQUEST_ID_HEADER: request_id} if request_id else None
    return Response(content=body.encode("utf-8"), media_type="application/json", headers=headers)
