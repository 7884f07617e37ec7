"""A plan's export: the audited plan, its moves, the objections' status and every letter.

One zip per plan, made from the audit log (never recomputed): ``plan.json`` is the stored
answer byte for byte, ``moves.csv`` one row per move, ``objections.csv`` each objection's
status (not its text: that is the employee's own account), ``letters/<nip>.<lang>.html`` and
``.pdf`` one page per person in Bahasa Indonesia and English, ``letters/all.<lang>.pdf`` the
batch to print, and ``manifest.json`` with the plan's export status (final, or not final and
why) and the SHA-256 of every file. A plan that is not final exports as a draft: its letters
say RANCANGAN / DRAFT, and only a finalisation (serving.domain.participation.objections) makes
them say final.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from features.catalogue import FeatureCatalogue
from serving.audit import AuditStore
from serving.audit.participation_records import ObjectionRecord
from serving.audit.tables import AuditAnswer
from serving.domain.participation.letter_render import LANGS, render_html, render_pdf
from serving.domain.participation.letters import LetterConfig, moves_of, plan_letters
from serving.domain.participation.objections import find_plan, plan_status
from serving.domain.participation.usulan import state_as_received
from serving.state import ServingState

MOVE_COLUMNS = (
    "nip", "name", "from_position_id", "from_unit_id", "to_position_id", "to_unit_id",
    "rating", "lower", "upper", "p_baik_or_better", "preference_priority", "pinned",
    "usulan_statement_id", "usulan_version",
)  # fmt: skip
OBJECTION_COLUMNS = (
    "objection_id", "nip", "position_id", "category", "status", "submitted_at",
    "reviewed_by", "reviewed_at",
)  # fmt: skip


@dataclass(frozen=True)
class PlanExport:
    """The zip and what its manifest says."""

    content: bytes
    filename: str
    manifest: dict[str, object]


def _csv(columns: tuple[str, ...], rows: Iterator[dict[str, object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _move_rows(answer: AuditAnswer) -> Iterator[dict[str, object]]:
    for nip, move in moves_of(json.loads(answer.response_json)).items():
        prediction, usulan = move["prediction"], move.get("usulan") or {}
        yield {
            "nip": nip,
            "name": move.get("name") or "",
            "from_position_id": move["from_position_id"],
            "from_unit_id": move["from_unit_id"],
            "to_position_id": move["_position"]["position_id"],
            "to_unit_id": move["_unit_id"],
            "rating": prediction["rating"],
            "lower": prediction["lower"],
            "upper": prediction["upper"],
            "p_baik_or_better": prediction["p_baik_or_better"],
            "preference_priority": move.get("preference_priority") or "",
            "pinned": move["pinned"],
            "usulan_statement_id": usulan.get("statement_id", ""),
            "usulan_version": usulan.get("version", ""),
        }


def _objection_rows(objections: list[ObjectionRecord]) -> Iterator[dict[str, object]]:
    for o in objections:
        yield {
            "objection_id": o.objection_id,
            "nip": o.nip,
            "position_id": o.position_id or "",
            "category": o.category,
            "status": o.status,
            "submitted_at": o.submitted_at.isoformat(),
            "reviewed_by": "" if o.review is None else o.review.reviewed_by,
            "reviewed_at": "" if o.review is None else o.review.reviewed_at.isoformat(),
        }


def export_plan(
    audit: AuditStore,
    base: ServingState,
    request_id: str,
    config: LetterConfig,
    catalogue: FeatureCatalogue,
) -> PlanExport:
    """The zip of an audited plan (404 if there is none) with letters in both languages."""
    answer = find_plan(audit, request_id)
    status = plan_status(audit, request_id)
    final = audit.plan_final(request_id)
    state = state_as_received(base, audit, answer.created_at)
    letters = plan_letters(answer, state, final, config)
    nips = [facts.nip for facts in letters]
    files: dict[str, bytes] = {
        "plan.json": answer.response_json.encode("utf-8"),
        "moves.csv": _csv(MOVE_COLUMNS, _move_rows(answer)),
        "objections.csv": _csv(
            OBJECTION_COLUMNS,
            _objection_rows(audit.objections(request_id=request_id, limit=10_000)),
        ),
    }
    pages: dict[str, dict[str, int]] = {nip: {} for nip in nips}
    for lang in LANGS:
        for facts in letters:
            files[f"letters/{facts.nip}.{lang}.html"] = render_html(
                [facts], lang, catalogue
            ).encode("utf-8")
        if letters:
            printed = render_pdf(render_html(letters, lang, catalogue), nips)
            files[f"letters/all.{lang}.pdf"] = printed.document
            for nip in nips:
                files[f"letters/{nip}.{lang}.pdf"] = printed.letters[nip]
                pages[nip][lang] = printed.pages[nip]
    manifest: dict[str, object] = {
        "request_id": request_id,
        "status": status.status,
        "final": None if status.final is None else status.final.model_dump(mode="json"),
        "open_objections": status.open,
        "upheld_objections": status.upheld,
        "plan_snapshot_id": answer.snapshot_id,
        "letters_snapshot_id": state.snapshot_id,
        "model_version": answer.model_version,
        "letters": [{"nip": nip, "pages": pages[nip]} for nip in nips],
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    kind = "final" if status.status == "final" else "draft"
    return PlanExport(buffer.getvalue(), f"plan-{request_id}-{kind}.zip", manifest)
