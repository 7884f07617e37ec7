"""A transfer plan for many vacancies at once: inputs from the served state, the exact optimiser,
and an answer that explains each chosen move.

Plain logic (no web framework): ``POST /v1/plans`` and ``mutasi plan`` both call
:func:`make_plan`. The optimiser (``planning``) sees predicted ratings only; the full model
outputs and SHAP reasons are computed afterwards for the chosen pairs alone, which keeps a plan
over thousands of pairs as cheap to explain as a short ranking.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from features.codes import optional_int, optional_str
from mutasi.settings import Settings
from planning import PlanProblem, PlanResult, SolveOptions, solve_plan
from planning.report import group_shares
from serving.audit.records import ItemRecord, Lineage
from serving.domain.participation.usulan import citation
from serving.domain.plan.inputs import PlanInputs, build_plan_inputs
from serving.domain.ranking import (
    Target,
    item_record,
    position_summary,
    resolve_as_of,
    served_model,
)
from serving.domain.scoring import ScoredRow, score_top
from serving.schemas.plans import (
    BindingRule,
    PlanAlternative,
    PlanEligibility,
    PlanGroupShare,
    PlannedMove,
    PlannedVacancy,
    PlanObjective,
    PlanOptOut,
    PlanParticipation,
    PlanRequest,
    PlanResponse,
    UnitStaffing,
)
from serving.state import AsOfView, ServingState

_ROUND = 4  # decimals of ratings, bonuses and objective parts in answers


@dataclass(frozen=True)
class PlanOutcome:
    """An answer plus the plan itself (for files) and what the audit log and metrics need."""

    response: PlanResponse
    result: PlanResult
    inputs: PlanInputs
    lineage: Lineage
    items: list[ItemRecord]
    shap_seconds: float
    seconds: float


@dataclass(frozen=True)
class ExplainedMoves:
    """Model outputs and reasons of the plan's moves, aligned to its assignment rows."""

    rows: list[ScoredRow]
    shap_seconds: float


def make_plan(
    state: ServingState,
    request: PlanRequest,
    *,
    request_id: str,
    today: date,
    settings: Settings,
) -> PlanOutcome:
    """Solve the plan of ``request``; raises :class:`planning.PlanError` when no plan exists."""
    started = time.perf_counter()
    as_of = resolve_as_of(
        request.as_of, today, settings.max_as_of_future_days, "as_of", state.earliest_as_of
    )
    policy = request.policy.to_policy()  # conflicting pins fail before any work
    # Employees who asked not to be moved this cycle are not, unless the request pins them in:
    # an official's explicit choice, which the answer and the person's letter say.
    pinned = {nip for nip, _ in policy.pins_in}
    opt_outs = [
        PlanOptOut(
            nip=nip,
            statement_id=ref.statement_id,
            version=ref.version,
            reason_code=str(ref.opt_out_reason),
            honoured=nip not in pinned,
        )
        for nip, ref in sorted(state.statements.opt_outs(as_of).items())
    ]
    policy = replace(policy, opt_out=set(policy.opt_out) | {o.nip for o in opt_outs if o.honoured})
    view = state.view(as_of)
    inputs = build_plan_inputs(state, view, request, settings)
    problem = inputs.problem(policy)
    result = solve_plan(problem, SolveOptions(time_limit=settings.plan_time_limit))
    targets = {str(t.rules.position_id): t for t in inputs.targets}
    moves = explain_moves(state, view, targets, result.assignments, settings.n_reasons)
    response = PlanResponse(
        request_id=request_id,
        as_of=as_of,
        model=served_model(state),
        status="optimal" if result.status == "optimal" else "time_limit",
        method=result.method,
        objective=_objective(result),
        mip_gap=float(result.mip_gap or 0.0),
        dual_bound=None if result.dual_bound is None else round(result.dual_bound, _ROUND),
        solve_seconds=round(result.seconds, 3),
        vacancies=_vacancies(state, view, inputs, result, moves.rows),
        units=_units(state, result.units),
        binding=[
            BindingRule(family=b.family, count=b.count, detail=b.detail) for b in result.binding
        ],
        eligibility=PlanEligibility(
            n_candidates=len(inputs.pool),
            n_pairs_considered=inputs.n_pairs_considered,
            n_pairs_eligible=len(inputs.pairs),
            n_pairs_excluded=problem.n_pairs_excluded,
            ineligible_by_rule=inputs.ineligible_by_rule,
        ),
        unknown_nips=inputs.unknown_nips,
        fairness=_group_shares(problem, result) if policy.fairness is not None else None,
        participation=PlanParticipation(opt_outs=opt_outs),
    )
    assignments = result.assignments
    items = [
        item_record(replace(row, rank=i + 1), str(nip), str(position_id))
        for i, (row, nip, position_id) in enumerate(
            zip(moves.rows, assignments["nip"], assignments["position_id"], strict=True)
        )
    ]
    return PlanOutcome(
        response,
        result,
        inputs,
        state.lineage,
        items,
        moves.shap_seconds,
        time.perf_counter() - started,
    )


def _group_shares(problem: PlanProblem, result: PlanResult) -> list[PlanGroupShare]:
    shares = group_shares(problem, result.chosen)
    return [
        PlanGroupShare(
            group=str(r["group"]),
            candidate_share=round(float(r["candidate_share"]), 4),
            moves=int(r["moves"]),
            floor=round(float(r["floor"]), 3),
            at_floor=bool(r["at_floor"]),
        )
        for r in shares.to_dict(orient="records")
    ]


def explain_moves(
    state: ServingState,
    view: AsOfView,
    targets: Mapping[str, Target],
    assignments: pd.DataFrame,
    n_reasons: int,
) -> ExplainedMoves:
    """Prediction, interval, P(baik+) and SHAP reasons of every chosen (nip, position) pair,
    one feature batch per vacancy; rows follow ``assignments``."""
    features = np.empty((len(assignments), len(state.feature_names)))
    nips = assignments["nip"].to_numpy(dtype=object)
    for position_id, where in assignments.groupby("position_id", sort=False).indices.items():
        rows = np.array([view.row_of_nip[str(n)] for n in nips[where]], dtype=np.int64)
        features[where] = view.employees.pair_array(targets[str(position_id)].features, rows)
    n = len(assignments)
    scored = score_top(state, features, nips, n, n, n_reasons)
    # score_top returns rank order; ``row`` points back into the assignment rows.
    return ExplainedMoves(sorted(scored.rows, key=lambda r: r.row), scored.shap_seconds)


def _objective(result: PlanResult) -> PlanObjective:
    parts = result.objective
    return PlanObjective(
        total=round(parts.total, _ROUND),
        performance=round(parts.performance, _ROUND),
        preference_bonus=round(parts.preference, _ROUND),
        shortage_term=round(parts.shortage_term, _ROUND),
        shortage_before=parts.shortage_before,
        shortage_after=parts.shortage_after,
        shortage_reduction=parts.shortage_reduction,
    )


def _vacancies(
    state: ServingState,
    view: AsOfView,
    inputs: PlanInputs,
    result: PlanResult,
    moves: list[ScoredRow],
) -> list[PlannedVacancy]:
    """Per vacancy (request order): staffing, seats, the chosen people, the next best."""
    chosen = result.assignments.groupby("position_id", sort=False).indices
    others = result.alternatives.groupby("position_id", sort=False).indices
    none = np.zeros(0, dtype=np.intp)
    planned = []
    for i, target in enumerate(inputs.targets):
        position_id = target.rules.position_id
        filled = result.vacancies.iloc[i]
        planned.append(
            PlannedVacancy(
                position=position_summary(state, view, target),
                open_headcount=int(filled["open_headcount"]),
                filled=int(filled["filled"]),
                unfilled=int(filled["unfilled"]),
                n_eligible=inputs.n_eligible[i],
                assignments=[
                    _move(state, result.assignments.iloc[j], moves[j], view.as_of.date())
                    for j in chosen.get(position_id, none)
                ],
                alternatives=[
                    _alternative(state, result.alternatives.iloc[j])
                    for j in others.get(position_id, none)
                ],
            )
        )
    return planned


def _move(state: ServingState, row: pd.Series, scored: ScoredRow, as_of: date) -> PlannedMove:
    nip = str(row["nip"])
    return PlannedMove(
        nip=nip,
        name=state.names.get(nip),
        from_position_id=str(row["from_position_id"]),
        from_unit_id=str(row["from_unit_id"]),
        prediction=scored.prediction,
        preference_priority=optional_int(row["priority"]),
        preference_bonus=round(float(row["preference_bonus"]), _ROUND),
        pinned=bool(row["pinned"]),
        between_units=bool(row["cross_unit"]),
        contributions=scored.contributions,
        usulan=citation(state, nip, as_of),
    )


def _alternative(state: ServingState, row: pd.Series) -> PlanAlternative:
    nip = str(row["nip"])
    return PlanAlternative(
        rank=int(row["rank"]),
        nip=nip,
        name=state.names.get(nip),
        from_unit_id=str(row["from_unit_id"]),
        rating=round(float(row["score"]), _ROUND),
        preference_bonus=round(float(row["preference_bonus"]), _ROUND),
        reason=str(row["reason"]),
    )


def _units(state: ServingState, units: pd.DataFrame) -> list[UnitStaffing]:
    names = state.units["name"]
    return [
        UnitStaffing(
            unit_id=str(u["unit_id"]),
            unit_name=optional_str(names.get(u["unit_id"])),
            abk_need=int(u["abk_need"]),
            floor=int(u["floor"]),
            bezetting_before=int(u["bezetting_before"]),
            arrivals=int(u["arrivals"]),
            departures=int(u["departures"]),
            moves_within=int(u["moves_within"]),
            bezetting_after=int(u["bezetting_after"]),
            shortage_before=int(u["shortage_before"]),
            shortage_after=int(u["shortage_after"]),
            out_cap=optional_int(u["out_cap"]),
            out_limit=optional_str(u["out_limit"] or None),
            at_cap=bool(u["at_cap"]),
            limit_binds=bool(u["limit_binds"]),
        )
        for u in units.to_dict("records")
    ]
