"""The optimiser's input from the served state: vacancies, pool, eligible pairs, units.

Per vacancy it does what a ranking does for one position (serving/domain/ranking.py): the
eligibility rules over the whole pool at once, then features and one ``Booster.predict`` for
the eligible candidates only. What the optimiser keeps of each pair is its predicted rating and the
employee's preference priority for the vacancy's unit (the ``preference_priority`` feature);
the feature rows themselves are rebuilt later for the few pairs the plan chooses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.eligibility import CandidateColumns, evaluate_eligibility
from mutasi.settings import Settings
from planning import PlanPolicy, PlanProblem
from serving.domain.ranking import Target, candidate_rows, position_target
from serving.errors import FieldProblem, RequestFieldError
from serving.schemas.plans import PlanRequest, PlanVacancy
from serving.state import AsOfView, ServingState
from training.intervals import RATING_MAX, RATING_MIN

PREFERENCE_FEATURE = "preference_priority"  # NaN = the employee did not ask for the unit


@dataclass(frozen=True)
class VacancyPairs:
    """The eligible candidates of one vacancy: snapshot rows, predicted rating, preference."""

    rows: np.ndarray
    rating: np.ndarray
    priority: np.ndarray  # 1 = first choice .. 3; NaN = none
    failing: Counter[str]  # ineligible candidates per bar rule


@dataclass(frozen=True)
class PlanInputs:
    """Everything the optimiser reads, plus what the answer reports about the pool."""

    targets: list[Target]  # per vacancy, in request order
    open_headcount: list[int]
    pool: np.ndarray  # snapshot rows of the candidates
    vacancies: pd.DataFrame
    candidates: pd.DataFrame
    pairs: pd.DataFrame
    units: pd.DataFrame
    n_eligible: list[int]  # per vacancy
    ineligible_by_rule: dict[str, int]
    unknown_nips: list[str]

    @property
    def n_pairs_considered(self) -> int:
        """Candidates times vacancies: every pair the rules judged."""
        return len(self.pool) * len(self.targets)

    def problem(self, policy: PlanPolicy) -> PlanProblem:
        """The encoded plan problem (raises :class:`planning.PlanError`)."""
        return PlanProblem.from_frames(
            self.vacancies, self.candidates, self.pairs, self.units, policy
        )


def build_plan_inputs(
    state: ServingState, view: AsOfView, request: PlanRequest, settings: Settings
) -> PlanInputs:
    """Resolve the vacancies and the pool, judge and score every pair, describe the units."""
    targets, seats = resolve_vacancies(state, view, request.vacancies, settings.max_plan_vacancies)
    rows, unknown = candidate_rows(view, request.candidate_nips, settings.max_pool_size)
    pool = np.arange(len(view.state)) if rows is None else rows
    # Someone without a post at the date sits in no unit: the plan cannot move them.
    pool = pool[pd.notna(view.unit_ids[pool]).astype(bool)]
    frame = view.candidates.take(pool)  # columns converted once for every vacancy
    scored = [vacancy_pairs(state, view, target, pool, frame) for target in targets]
    failing: Counter[str] = Counter({r.id: 0 for r in state.rule_set.rules if r.kind == "bar"})
    for part in scored:
        failing.update(part.failing)
    return PlanInputs(
        targets=targets,
        open_headcount=seats,
        pool=pool,
        vacancies=pd.DataFrame({
            "position_id": [t.rules.position_id for t in targets],
            "unit_id": [t.rules.unit_id for t in targets],
            "open_headcount": seats,
        }),
        candidates=pd.DataFrame({
            "nip": view.nips[pool],
            "position_id": view.position_ids[pool],
            "unit_id": view.unit_ids[pool],
        }),
        pairs=_pair_frame(view, targets, scored),
        units=unit_staffing(state, view),
        n_eligible=[len(part.rows) for part in scored],
        ineligible_by_rule=dict(failing),
        unknown_nips=unknown,
    )  # fmt: skip


def resolve_vacancies(
    state: ServingState, view: AsOfView, wanted: list[PlanVacancy], max_vacancies: int
) -> tuple[list[Target], list[int]]:
    """Targets and open seats of the requested vacancies; every bad one is a field problem."""
    if len(wanted) > max_vacancies:
        raise RequestFieldError(
            [
                FieldProblem(
                    ("body", "vacancies"),
                    f"{len(wanted)} vacancies is more than the maximum of {max_vacancies} per plan",
                )
            ]
        )
    problems: list[FieldProblem] = []
    targets: list[Target] = []
    seats: list[int] = []
    for i, vacancy in enumerate(wanted):
        position_id = vacancy.position_id
        if position_id not in state.targets:
            why = "is inactive" if position_id in state.positions.index else "is not in"
            problems.append(
                FieldProblem(
                    ("body", "vacancies", i, "position_id"),
                    f"position {position_id!r} {why} the snapshot {state.snapshot_id}",
                    position_id,
                )
            )
            continue
        target = position_target(state, position_id)
        shortage = round(float(view.position_shortage[target.position_code]))
        if vacancy.count is None and shortage <= 0:
            problems.append(
                FieldProblem(
                    ("body", "vacancies", i, "count"),
                    f"position {position_id!r} has no shortage on {view.as_of.date()} "
                    f"(ABK need {target.abk_need}, shortage {shortage}): give a count",
                )
            )
            continue
        targets.append(target)
        seats.append(shortage if vacancy.count is None else vacancy.count)
    if problems:
        raise RequestFieldError(problems)
    return targets, seats


def vacancy_pairs(
    state: ServingState,
    view: AsOfView,
    target: Target,
    pool: np.ndarray,
    frame: CandidateColumns,
) -> VacancyPairs:
    """Eligible candidates of one vacancy (``frame`` = state rows of ``pool``), scored."""
    result = evaluate_eligibility(frame, target.rules, view.as_of, state.rule_set, state.freezes)
    # A move into one's own post is no move, whatever the configured rule set says.
    eligible = result.eligible & (view.position_ids[pool] != target.rules.position_id)
    rows = pool[eligible]
    features = view.employees.pair_array(target.features, rows)
    failing = Counter({str(k): int(v) for k, v in result.counts_by_rule().items()})
    return VacancyPairs(
        rows, predict_ratings(state, features), preferences(state, features), failing
    )


def predict_ratings(state: ServingState, features: np.ndarray) -> np.ndarray:
    """The served rating (regressor output clipped to the 1..5 scale) of feature rows."""
    if len(features) == 0:
        return np.zeros(0)
    raw = state.regressor.predict(features, num_threads=state.predict_threads)
    return np.clip(np.asarray(raw, dtype=np.float64), RATING_MIN, RATING_MAX)


def preferences(state: ServingState, features: np.ndarray) -> np.ndarray:
    """The preference priority of feature rows (NaN = none, or a catalogue without it)."""
    if PREFERENCE_FEATURE not in state.feature_names:
        return np.full(len(features), np.nan)
    return features[:, state.feature_names.index(PREFERENCE_FEATURE)].copy()


def _pair_frame(view: AsOfView, targets: list[Target], scored: list[VacancyPairs]) -> pd.DataFrame:
    """One row per eligible (nip, position_id) pair with its score and priority."""
    position_ids = np.array([t.rules.position_id for t in targets], dtype=object)
    return pd.DataFrame({
        "nip": view.nips[np.concatenate([part.rows for part in scored])],
        "position_id": np.repeat(position_ids, [len(part.rows) for part in scored]),
        "score": np.concatenate([part.rating for part in scored]),
        "priority": np.concatenate([part.priority for part in scored]),
    })  # fmt: skip


def unit_staffing(state: ServingState, view: AsOfView) -> pd.DataFrame:
    """Per unit: ABK need summed over its active positions, and its headcount at the date."""
    positions = state.positions
    active = positions.loc[positions["is_active"].astype(bool)]
    need = active.groupby("unit_id")["abk_need"].sum()
    unit_ids = state.units.index
    headcount = pd.Series(
        view.employees.unit_headcount, index=state.snapshot.builder.history_.units
    )
    return pd.DataFrame({
        "unit_id": unit_ids.to_numpy(dtype=object),
        "abk_need": need.reindex(unit_ids, fill_value=0).to_numpy(dtype=np.int64),
        "bezetting": headcount.reindex(unit_ids, fill_value=0).to_numpy().round().astype(np.int64),
    })  # fmt: skip
