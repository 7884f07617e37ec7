"""Rank candidates for one position: pool, eligibility, prediction, top k, reasons, staffing.

Plain logic (no web framework): the routes call :func:`rank_position` with a state taken once
per request, the benchmark calls it directly.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from features.codes import optional_int
from features.eligibility import EligibilityResult, PositionTarget, evaluate_eligibility
from mutasi.settings import Settings
from serving.audit.records import ItemRecord, Lineage
from serving.domain.fair_rerank import applied, selector, serving_policy
from serving.domain.participation.usulan import citation
from serving.domain.scoring import ScoredRow, score_top
from serving.errors import FieldProblem, NotFoundError, RequestFieldError
from serving.schemas.common import Failure, PositionSummary, ServedModel, StaffingImpact
from serving.schemas.rankings import (
    EligibilitySummary,
    IneligibleCandidate,
    InlinePosition,
    RankedCandidate,
    RankingOptions,
    RankingResponse,
)
from serving.state import AsOfView, ServingState

SMALL_POOL = 512  # candidate lists up to this long are looked up NIP by NIP


@dataclass(frozen=True)
class Target:
    """A position to rank for: its rule target, what the feature builder takes, and its facts."""

    rules: PositionTarget
    features: str | Mapping[str, Any]
    position_code: int  # -1 for an inline post
    title: str
    abk_need: int


@dataclass(frozen=True)
class RankingOutcome:
    """An answer plus what the audit log and the metrics need."""

    response: RankingResponse
    lineage: Lineage
    items: list[ItemRecord]
    pool_size: int
    shap_seconds: float
    seconds: float


def resolve_as_of(
    requested: date | None,
    today: date,
    max_future_days: int,
    loc: str,
    earliest: date | None = None,
) -> date:
    """The decision date: today by default; too far in the future, or before ``earliest`` (the
    snapshot's first day with anyone in service), is a field error."""
    as_of = requested or today
    why = None
    if as_of > today + timedelta(days=max_future_days):
        why = f"is more than {max_future_days} days after today ({today.isoformat()})"
    elif earliest is not None and as_of < earliest:
        why = (
            f"is before the snapshot's earliest record: nobody in it is in service before "
            f"{earliest.isoformat()} (the day after the earliest tmt_cpns)"
        )
    if why is not None:
        raise RequestFieldError(
            [FieldProblem(("body", loc), f"as_of {as_of.isoformat()} {why}", as_of.isoformat())]
        )
    return as_of


def position_target(state: ServingState, position_id: str) -> Target:
    """Target of an active position of the snapshot; 404 if unknown or inactive."""
    rules = state.targets.get(position_id)
    if rules is None:
        known = position_id in state.positions.index
        why = "is inactive (old structure)" if known else "is not in the snapshot"
        raise NotFoundError(f"position {position_id!r} {why} (snapshot {state.snapshot_id})")
    code, title, abk_need = state.target_facts[position_id]
    return Target(
        rules=rules, features=position_id, position_code=code, title=title, abk_need=abk_need
    )


def inline_target(state: ServingState, post: InlinePosition) -> Target:
    """Target of a position described in the request; its unit must be in the snapshot."""
    if post.unit_id not in state.units.index:
        raise RequestFieldError(
            [
                FieldProblem(
                    ("body", "position", "unit_id"),
                    f"unit {post.unit_id!r} is not in the snapshot {state.snapshot_id}",
                    post.unit_id,
                )
            ]
        )
    unit = state.units.loc[post.unit_id]
    rules = PositionTarget(
        unit_id=post.unit_id,
        region_code=str(unit["region_code"]),
        sector=str(unit["sector"]),
        jabatan_type=post.jabatan_type,
        min_golongan=post.min_golongan,
        min_education_level=post.min_education_level,
    )
    mapping = post.model_dump(exclude={"title"})
    return Target(rules, mapping, -1, post.title, post.abk_need)


def candidate_rows(
    view: AsOfView, nips: list[str] | None, max_pool: int
) -> tuple[np.ndarray | None, list[str]]:
    """Snapshot rows of the requested pool (None = everyone) and the NIPs not in it."""
    if nips is None:
        return None, []
    unique = list(dict.fromkeys(nips))
    if len(unique) > max_pool:
        raise RequestFieldError(
            [
                FieldProblem(
                    ("body", "candidate_nips"),
                    f"{len(unique)} candidates is more than the maximum pool of {max_pool}",
                )
            ]
        )
    if len(unique) <= SMALL_POOL:  # dict lookups; a pandas hash join pays off for larger pools
        row_of = view.row_of_nip
        rows = np.fromiter((row_of.get(nip, -1) for nip in unique), np.int64, len(unique))
    else:
        rows = view.employees.lookup(unique)
    known = rows >= 0
    unknown = [] if known.all() else [nip for nip, r in zip(unique, rows, strict=True) if r < 0]
    return rows[known], unknown


def _ineligible(state: ServingState, result: EligibilityResult) -> list[IneligibleCandidate]:
    """Every ineligible candidate with every bar rule failed, in pool order."""
    failures = result.failures
    out: list[IneligibleCandidate] = []
    for nip, group in failures.groupby("nip", sort=False):
        out.append(
            IneligibleCandidate(
                nip=str(nip),
                name=state.names.get(str(nip)),
                failures=[
                    Failure(
                        rule_id=str(f.rule_id),
                        message_id=str(f.message_id),
                        message_en=str(f.message_en),
                        source=str(f.source),
                    )
                    for f in group.itertuples(index=False)
                ],
            )
        )
    return out


def staffing_impact(
    features: Mapping[str, float | None], source: Mapping[str, Any], target_unit_id: str
) -> StaffingImpact:
    """Shortages before and after moving one employee, from the pair's staffing features."""
    leaves_unit = source.get("unit_id") != target_unit_id
    position_before = _int(features["target_position_shortage"])
    unit_before = _int(features["target_unit_shortage"])
    return StaffingImpact(
        source_position_id=source.get("position_id"),
        source_unit_id=source.get("unit_id"),
        source_unit_shortage_after=optional_int(features["source_unit_shortage_after"]),
        target_position_shortage_before=position_before,
        target_position_shortage_after=position_before - 1,
        target_unit_shortage_before=unit_before,
        target_unit_shortage_after=unit_before - int(leaves_unit),
    )


def _int(value: float | None) -> int:
    return 0 if value is None else round(value)


def position_summary(state: ServingState, view: AsOfView, target: Target) -> PositionSummary:
    """The target position's staffing at the decision date."""
    code = target.position_code
    bezetting = 0 if code < 0 else round(float(view.employees.position_headcount[code]))
    unit_id = target.rules.unit_id
    return PositionSummary(
        position_id=target.rules.position_id,
        unit_id=unit_id,
        unit_name=state.unit_names[unit_id],
        title=target.title,
        jabatan_type=target.rules.jabatan_type,
        abk_need=target.abk_need,
        bezetting=bezetting,
        shortage=target.abk_need - bezetting,
    )


def served_model(state: ServingState) -> ServedModel:
    """Lineage block of every answer."""
    lineage = state.lineage
    return ServedModel(
        name=lineage.model_name,
        version=lineage.model_version,
        run_id=lineage.run_id,
        rule_set_version=lineage.rule_set_version,
        snapshot_id=lineage.snapshot_id,
    )


def rank_position(
    state: ServingState,
    target: Target,
    options: RankingOptions,
    *,
    request_id: str,
    today: date,
    settings: Settings,
) -> RankingOutcome:
    """Top-k eligible candidates for ``target`` with predictions, reasons and staffing impact."""
    started = time.perf_counter()
    as_of = resolve_as_of(
        options.as_of, today, settings.max_as_of_future_days, "as_of", state.earliest_as_of
    )
    view = state.view(as_of)
    rows, unknown = candidate_rows(view, options.candidate_nips, settings.max_pool_size)
    candidates = view.candidates if rows is None else view.candidates.take(rows)
    result = evaluate_eligibility(
        candidates, target.rules, view.as_of, state.rule_set, state.freezes
    )
    pool = np.arange(len(view.state)) if rows is None else rows
    eligible_rows = pool[result.eligible]
    features = view.employees.pair_array(target.features, eligible_rows)
    nips = view.nips[eligible_rows]
    policy = serving_policy(state)
    fair = selector(policy, view, eligible_rows, nips, options.k)
    scored = score_top(
        state, features, nips, options.k, options.n_explained, settings.n_reasons, select=fair
    )
    ranked = [_candidate(state, view, target, r, int(eligible_rows[r.row])) for r in scored.rows]
    score_rank = fair.score_rank if fair is not None else None
    for candidate, r in zip(ranked, scored.rows, strict=True):
        candidate.score_rank = int(score_rank[r.row]) if score_rank is not None else r.rank
    n_ineligible = int((~result.eligible).sum())
    response = RankingResponse(
        request_id=request_id,
        as_of=as_of,
        model=served_model(state),
        position=position_summary(state, view, target),
        candidates=ranked,
        eligibility=EligibilitySummary(
            n_considered=len(pool),
            n_eligible=len(eligible_rows),
            n_ineligible=n_ineligible,
            ineligible_by_rule=result.failing_by_rule(),
            ineligible=_ineligible(state, result) if options.include_ineligible else None,
        ),
        unknown_nips=unknown,
        fairness=fair.applied() if fair is not None else applied(policy),
    )
    items = [
        item_record(r, c.nip, target.rules.position_id)
        for r, c in zip(scored.rows, ranked, strict=True)
    ]
    return RankingOutcome(
        response,
        state.lineage,
        items,
        len(pool),
        scored.shap_seconds,
        time.perf_counter() - started,
    )


def _candidate(
    state: ServingState, view: AsOfView, target: Target, scored: ScoredRow, row: int
) -> RankedCandidate:
    nip = str(view.nips[row])
    current = current_post(view, row)
    return RankedCandidate(
        rank=scored.rank,
        nip=nip,
        name=state.names.get(nip),
        current_position_id=current["position_id"],
        current_unit_id=current["unit_id"],
        prediction=scored.prediction,
        contributions=scored.contributions,
        staffing=staffing_impact(scored.features, current, target.rules.unit_id),
        usulan=citation(state, nip, view.as_of.date()),
    )


def current_post(view: AsOfView, row: int) -> dict[str, str | None]:
    """Position and unit an employee (snapshot row) holds at the view's date."""
    return {"position_id": view.position_ids[row], "unit_id": view.unit_ids[row]}


def item_record(scored: ScoredRow, nip: str, position_id: str | None) -> ItemRecord:
    """The audit record of one returned row."""
    p = scored.prediction
    return ItemRecord(
        rank=scored.rank,
        nip=nip,
        position_id=position_id,
        prediction=p.rating,
        raw_prediction=scored.raw_prediction,
        lower=p.lower,
        upper=p.upper,
        p_baik_or_better=p.p_baik_or_better,
        features=scored.features,
        shap_base_value=scored.shap_base_value,
        shap_values=scored.shap_values,
    )
