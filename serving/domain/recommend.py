"""The best vacancies for one employee: eligibility of every vacancy at once, prediction, top k,
reasons."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from features.eligibility import evaluate_targets
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

    The rule engine usually judges many candidates against one post; here it judges one
    candidate against every vacancy in one pass over the rules
    (:func:`~features.eligibility.evaluate_targets`), with the same verdicts as judging each
    vacancy on its own (a test checks this).
    """
    rows = state.target_row.get_indexer(pd.Index(position_ids, dtype="object"))
    targets = state.target_table.take(rows)
    result = evaluate_targets(
        view.candidates.take(np.array([row])), targets, view.as_of, state.rule_set, state.freezes
    )
    return np.asarray(result.eligible), result.failing_by_rule()


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
    as_of = resolve_as_of(
        options.as_of, today, settings.max_as_of_future_days, "as_of", state.earliest_as_of
    )
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
