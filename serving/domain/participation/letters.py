"""The facts of a surat penjelasan mutasi: one per planned move, from the audited plan.

Everything a letter says comes from the audit log and the state the plan was made on: the
stored plan answer (the move, its prediction and SHAP reasons, the post's and unit's staffing),
the stored model inputs of the move (competency shortfalls: the support planned), the usulan
statements the plan saw (received before it) with the export's preferences (which wishes were
honoured, and why not), and whether the plan is final. The words are in
``letter_wording.yaml``; :mod:`.letter_render` turns facts into HTML and PDF.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from features.eligibility import evaluate_eligibility
from mutasi.settings import Settings
from serving.audit.participation_records import PlanFinalRecord
from serving.audit.queries import as_utc
from serving.audit.tables import AuditAnswer
from serving.domain.participation.usulan import WITHDRAWAL
from serving.domain.participation.usulan_view import asked_units
from serving.domain.ranking import position_target
from serving.errors import NotFoundError
from serving.state import ServingState

WishOutcome = Literal[
    "honoured", "higher_choice", "no_vacancy", "not_eligible", "seats_taken", "not_determined"
]
SupportKind = Literal[
    "manajerial", "sosiokultural", "teknis", "not_assessed", "orientation", "none"
]
WishSource = Literal["usulan", "export", "withdrawn", "none"]
N_REASONS = 3  # reasons a letter gives for the post: a page has room for three
SHORTFALLS: tuple[SupportKind, ...] = ("manajerial", "sosiokultural", "teknis")


@dataclass(frozen=True)
class LetterConfig:
    """What the pemda puts in every letter (settings)."""

    issuer: str
    objection_contact: str
    objection_days: int
    notice_url: str

    @classmethod
    def of(cls, settings: Settings) -> LetterConfig:
        """The letters' settings (MUTASI_LETTER_ISSUER, ...)."""
        return cls(
            issuer=settings.letter_issuer,
            objection_contact=settings.objection_contact,
            objection_days=settings.objection_days,
            notice_url=f"{settings.public_base_url.rstrip('/')}/notice",
        )


@dataclass(frozen=True)
class Wish:
    """One unit the employee asked for and what the plan did with it."""

    priority: int
    unit_id: str
    unit_name: str
    outcome: WishOutcome
    rule_id: str = ""
    rule_message: tuple[str, str] = ("", "")  # (id, en) of the first requirement not met


@dataclass(frozen=True)
class Support:
    """Mentoring or training planned for a gap (``levels`` short, 0 where not a level)."""

    kind: SupportKind
    levels: int = 0


@dataclass(frozen=True)
class LetterFacts:
    """Everything one letter states, before words."""

    request_id: str
    nip: str
    name: str
    created_on: date
    as_of: date
    model_version: str
    final: PlanFinalRecord | None
    from_title: str
    from_unit: str
    to_title: str
    to_unit: str
    to_position_id: str
    rating: float
    lower: float
    upper: float
    p_baik_or_better: float
    reasons: tuple[tuple[str, float | None], ...]  # (feature, value) speaking for the move
    need: int
    bezetting: int
    unit_before: int
    unit_after: int
    wish_source: WishSource
    statement: tuple[int, date] | None  # (version, effective_on) of the usulan used
    wishes: tuple[Wish, ...]
    opt_out_overridden: str | None  # the opt-out reason code a pin passed over
    support: tuple[Support, ...]
    deadline: date
    config: LetterConfig


def _title(state: ServingState, position_id: str) -> str:
    positions = state.positions
    return (
        str(positions.at[position_id, "title"]) if position_id in positions.index else position_id
    )


def unit_label(state: ServingState, unit_id: str, fallback: str | None = None) -> str:
    """A unit's name as a letter writes it: with its id when another unit of the snapshot has
    the same name (two "SMA Negeri 1 Gorontalo" in different regions), so that a wish and the
    move are never ambiguous; ``fallback`` (else the id) for a unit the snapshot lacks."""
    names = state.units["name"]
    if unit_id not in names.index:
        return fallback or unit_id
    name = str(names[unit_id])
    return f"{name} ({unit_id})" if int((names == name).sum()) > 1 else name


def _support(features: dict[str, Any], between_units: bool) -> tuple[Support, ...]:
    """Training for every competency the position requires above the assessed level."""
    out: list[Support] = []
    unassessed = False
    for kind in SHORTFALLS:
        value = features.get(f"competency_shortfall_{kind}")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            unassessed = True
        elif value > 0:
            out.append(Support(kind, round(value)))
    if unassessed:
        out.append(Support("not_assessed"))
    if between_units and not features.get("years_in_target_sector"):
        out.append(Support("orientation"))
    return tuple(out) or (Support("none"),)


def _wish(
    state: ServingState,
    answer: AuditAnswer,
    nip: str,
    wish: tuple[str, int],
    move: dict[str, Any],
    plan: dict[str, Any],
) -> Wish:
    unit_id, priority = wish
    name = unit_label(state, unit_id)
    target_unit = move["_unit_id"]
    honoured = move.get("preference_priority")
    if unit_id == target_unit:
        return Wish(priority, unit_id, name, "honoured")
    if honoured is not None and honoured < priority:
        return Wish(priority, unit_id, name, "higher_choice")
    there = [
        v["position"]["position_id"]
        for v in plan["vacancies"]
        if v["position"]["unit_id"] == unit_id
    ]
    if not there:
        return Wish(priority, unit_id, name, "no_vacancy")
    if state.snapshot_id != answer.snapshot_id:
        return Wish(priority, unit_id, name, "not_determined")
    view = state.view(answer.as_of)
    row = view.row_of_nip.get(nip)
    if row is None:
        return Wish(priority, unit_id, name, "not_determined")
    first_failure: tuple[str, str, str] | None = None
    for position_id in there:
        result = evaluate_eligibility(
            view.state.iloc[[row]],
            position_target(state, position_id).rules,
            view.as_of,
            state.rule_set,
            state.dataset.freeze_periods,
        )
        if bool(result.eligible[0]):
            return Wish(priority, unit_id, name, "seats_taken")
        if first_failure is None and len(result.failures):
            f = result.failures.iloc[0]
            first_failure = (str(f["rule_id"]), str(f["message_id"]), str(f["message_en"]))
    rule_id, message_id, message_en = first_failure or ("", "", "")
    return Wish(priority, unit_id, name, "not_eligible", rule_id, (message_id, message_en))


def moves_of(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every planned move by NIP, with the vacancy's position summary attached."""
    out: dict[str, dict[str, Any]] = {}
    for vacancy in plan["vacancies"]:
        for move in vacancy["assignments"]:
            out[str(move["nip"])] = {
                **move,
                "_position": vacancy["position"],
                "_unit_id": vacancy["position"]["unit_id"],
            }
    return out


def letter_facts(
    answer: AuditAnswer,
    nip: str,
    state: ServingState,
    final: PlanFinalRecord | None,
    config: LetterConfig,
) -> LetterFacts:
    """The letter of ``nip``'s move in the plan ``answer`` (404 if the plan does not move them).

    ``state`` is the served state with the statements received before the plan
    (:func:`~serving.domain.participation.usulan.state_as_received`).
    """
    plan = json.loads(answer.response_json)
    move = moves_of(plan).get(nip)
    if move is None:
        raise NotFoundError(f"plan {answer.request_id} does not move {nip}: no letter")
    position = move["_position"]
    unit_id = str(position["unit_id"])
    units = {u["unit_id"]: u for u in plan["units"]}
    item = next(i for i in answer.items if i.nip == nip)
    as_of = answer.as_of
    statement = state.statements.active(nip, as_of)
    wishes = asked_units(state, nip, as_of)
    source: WishSource = "export" if wishes else "none"
    if statement is not None:
        source = "withdrawn" if statement.kind == WITHDRAWAL else "usulan"
    overridden = next(
        (
            o["reason_code"]
            for o in plan.get("participation", {}).get("opt_outs", [])
            if o["nip"] == nip and not o["honoured"]
        ),
        None,
    )
    prediction = move["prediction"]
    created = as_utc(answer.created_at).date()
    return LetterFacts(
        request_id=answer.request_id,
        nip=nip,
        name=move.get("name") or nip,
        created_on=created,
        as_of=as_of,
        model_version=str(plan["model"]["version"]),
        final=final,
        from_title=_title(state, str(move["from_position_id"])),
        from_unit=unit_label(state, str(move["from_unit_id"])),
        to_title=str(position["title"]),
        to_unit=unit_label(state, unit_id, position.get("unit_name")),
        to_position_id=str(position["position_id"]),
        rating=float(prediction["rating"]),
        lower=float(prediction["lower"]),
        upper=float(prediction["upper"]),
        p_baik_or_better=float(prediction["p_baik_or_better"]),
        reasons=tuple(
            (str(c["feature"]), c["value"]) for c in move["contributions"] if c["contribution"] > 0
        )[:N_REASONS],
        need=int(position["abk_need"]),
        bezetting=int(position["bezetting"]),
        unit_before=int(units.get(unit_id, {}).get("shortage_before", 0)),
        unit_after=int(units.get(unit_id, {}).get("shortage_after", 0)),
        wish_source=source,
        statement=None if statement is None else (statement.version, statement.effective_on),
        wishes=tuple(_wish(state, answer, nip, w, move, plan) for w in wishes),
        opt_out_overridden=overridden,
        support=_support(dict(item.features), bool(move.get("between_units", True))),
        deadline=created + timedelta(days=config.objection_days),
        config=config,
    )


def plan_letters(
    answer: AuditAnswer, state: ServingState, final: PlanFinalRecord | None, config: LetterConfig
) -> list[LetterFacts]:
    """The letter of every move of the plan, in the plan's order."""
    plan = json.loads(answer.response_json)
    return [letter_facts(answer, nip, state, final, config) for nip in moves_of(plan)]
