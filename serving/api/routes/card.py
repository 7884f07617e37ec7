"""The served model's model card (``GET /v1/model/card``), as its bundle carries it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response

from serving.api.deps import ModelReaderDep, StateDep
from serving.api.routes.answering import DECISION_ERRORS
from serving.errors import NotFoundError
from serving.web.documents import CARD_CSP, served_documents

router = APIRouter(prefix="/v1", tags=["model"])


@router.get(
    "/model/card",
    responses={
        200: {
            "content": {"text/html": {}, "text/markdown": {}},
            "description": "The model card (HTML by default, Markdown with format=md).",
        },
        401: DECISION_ERRORS[401],
        403: DECISION_ERRORS[403],
        404: {"description": "The served model version has no model card."},
        503: DECISION_ERRORS[503],
    },
    summary="The served model's model card",
)
def model_card(
    principal: ModelReaderDep,
    state: StateDep,
    card_format: Literal["html", "md"] = Query(
        "html", alias="format", description="html or md (Markdown)."
    ),
) -> Response:
    """The model card training wrote into the served version's bundle (intended use, data,
    metrics, fairness by group, limits)."""
    docs = served_documents(state)
    text = docs.card_html if card_format == "html" else docs.card_markdown
    if text is None:
        lineage = state.lineage
        raise NotFoundError(
            f"model card not available for this model version: {lineage.model_name} version "
            f"{lineage.model_version or '-'} (run {lineage.run_id}) has no "
            f"model_card/model_card.{card_format} in its bundle"
        )
    if card_format == "md":
        return Response(text, media_type="text/markdown; charset=utf-8")
    return Response(
        text,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": CARD_CSP, "X-Content-Type-Options": "nosniff"},
    )
