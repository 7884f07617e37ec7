"""The best vacancies for one employee: eligibility per vacancy, prediction, top k, reasons."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from features.eligibility import PositionTarget, evaluate_eligibility
from features.eligibility_checks import JUDGED_TARGET_FIELDS
from mutasi.settings import Settings
from serving.audit.records import ItemRecord, Lineage
from serving.domain.participation.usulan import citation
from serving.domain.ranking import (
    Target,
    current_post,
    item_record,
    position_summary,
    position_target,
    resolve_as_of,
    served_model,
    staffing_impact,
)
from serving.domain.scoring import score_top
from serving.errors import NotFoundError
from serving.schemas.recommendations import (
    RecommendationRequest,
    RecommendationResponse,
    RecommendedPosition,
    VacancyEligibility,
)
from serving.state import AsOfView, ServingState


@dataclass(frozen=True)
class RecommendationOutcome:
    """An answer plus what the audit log and the metrics need."""

    response: RecommendationResponse
    lineage: Lineage
    items: list[ItemRecord]
    n_vacancies: int
    shap_seconds: float
    seconds: float


def vacancies(state: ServingState, view: AsOfView, row: int) -> np.ndarray:
    """Position ids of active posts with a shortage (ABK need above headcount) at the date,
    other than the employee's own post."""
    open_posts = state.active_positions & (view.position_shortage > 0)
    ids = state.position_code.to_numpy()[open_posts]
    return np.asarray(ids[ids != view.position_ids[row]], dtype=object)


def eligible_vacancies(
    state: ServingState, view: AsOfView, row: int, position_ids: np.ndarray
) -> tuple[np.ndarray, dict[str, int]]:
    """Which vacancies the employee may move into, and how many fail each bar rule.

    The rule engine evaluates many candidates against one post; here it is one candidate
    against many posts. Rules judge a post by ``JUDGED_TARGET_FIELDS`` (region, jabatan type,
    minimum golongan and education), not by its id or unit; the id only matters to
    ``same_position``, and the employee's own post is not among the vacancies. So posts alike
    in those fields are evaluated once (a test checks this against evaluating every post).
    """
    groups: dict[tuple[str | None, ...], tuple[PositionTarget, list[int]]] = {}
    for i, position_id in enumerate(position_ids):
        target = state.targets[position_id]
        key = tuple(getattr(target, name) for name in JUDGED_TARGET_FIELDS)
        groups.setdefault(key, (replace(target, position_id=None), []))[1].append(i)
    candidate = view.state.iloc[[row]]
    counts = {r.id: 0 for r in state.rule_set.rules if r.kind == "bar"}
    ok = np.zeros(len(position_ids), dtype=bool)
    for target, members in groups.values():
        result = evaluate_eligibility(
            candidate, target, view.as_of, state.rule_set, state.dataset.freeze_periods
        )
        ok[members] = bool(result.eligible[0])
        for rule_id, failing in result.counts_by_rule().items():
            counts[str(rule_id)] += int(failing) * len(members)
    return ok, counts


def recommend(
    state: ServingState,
    nip: str,
    options: RecommendationRequest,
    *,
    request_id: str,
    today: date,
    settings: Settings,
) -> RecommendationOutcome:
    """Top-k vacancies for an employee with predictions, reasons and staffing impact."""
    started = time.perf_counter()
    as_of = resolve_as_of(options.as_of, today, settings.max_as_of_future_days, "as_of")
    view = state.view(as_of)
    row = view.row_of_nip.get(nip, -1)
    if row < 0:
        raise NotFoundError(
            f"employee {nip} is not in snapshot {state.snapshot_id} or not in service on "
            f"{as_of.isoformat()}"
        )
    open_ids = vacancies(state, view, row)
    ok, counts = eligible_vacancies(state, view, row, open_ids)
    chosen = open_ids[ok]
    triples = pd.DataFrame({"nip": [nip] * len(chosen), "position_id": chosen, "as_of": view.as_of})
    features = state.snapshot.builder.transform(triples).to_numpy(dtype=np.float64)
    scored = score_top(
        state, features, chosen.astype(str), options.k, options.n_explained, settings.n_reasons
    )
    current = current_post(view, row)
    targets: list[Target] = [position_target(state, str(chosen[r.row])) for r in scored.rows]
    positions = [
        RecommendedPosition(
            rank=r.rank,
            position=position_summary(state, view, t),
            prediction=r.prediction,
            contributions=r.contributions,
            staffing=staffing_impact(r.features, current, t.rules.unit_id),
        )
        for r, t in zip(scored.rows, targets, strict=True)
    ]
    response = RecommendationResponse(
        request_id=request_id,
        as_of=as_of,
        model=served_model(state),
        nip=nip,
        name=state.names.get(nip),
        current_position_id=current["position_id"],
        positions=positions,
        eligibility=VacancyEligibility(
            n_vacancies=len(open_ids),
            n_eligible=len(chosen),
            n_ineligible=len(open_ids) - len(chosen),
            ineligible_by_rule=counts,
        ),
        usulan=citation(state, nip, as_of),
    )
    items = [
        item_record(r, nip, t.rules.position_id) for r, t in zip(scored.rows, targets, strict=True)
    ]
    return RecommendationOutcome(
        response,
        state.lineage,
        items,
        len(open_ids),
        scored.shap_seconds,
        time.perf_counter() - started,
    )
