"""The notice (pemberitahuan): what the system assesses and how to ask for a human review.

Open to everyone, like a privacy notice: it holds no personal data."""

from __future__ import annotations

from fastapi import APIRouter

from features.catalogue import load_catalogue
from features.rule_set import rule_set_from_settings
from serving.api.deps import HolderDep, SettingsDep
from serving.domain.participation.notice import build_notice
from serving.errors import NotReadyError
from serving.schemas.notice import Notice

router = APIRouter(prefix="/v1", tags=["notice"])


def served_notice(holder: HolderDep, settings: SettingsDep) -> Notice:
    """The notice of the served model, or of the packaged catalogue and rules before one."""
    try:
        state = holder.current
    except NotReadyError:
        return build_notice(
            load_catalogue(), rule_set_from_settings(settings), None, settings.objection_contact
        )
    return build_notice(state.catalogue, state.rule_set, state.lineage, settings.objection_contact)


@router.get("/notice", response_model=Notice, summary="What the system assesses (pemberitahuan)")
def get_notice(holder: HolderDep, settings: SettingsDep) -> Notice:
    """Every factor the model weighs, every requirement checked, the data read and never read,
    the model version and its card, and how to object and ask for a human review; generated
    from the feature catalogue and the rule set, in Bahasa Indonesia and English."""
    return served_notice(holder, settings)
