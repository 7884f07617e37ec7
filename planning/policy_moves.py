"""The decisions of one simulated year: which seats are open, and who each policy moves there.

Vacancy rule (the same for every model- or oracle-driven policy, so that they compete for the
same seats): the active posts short of their ABK need at the export date, seats = the shortage,
ordered by relative shortage (a vacant structural post first), then by shortage and
position_id, and cut at ``cap`` seats in all (the historical policy's number of moves that
year). Each policy then fills those seats through the planning problem ``mutasi plan`` builds
(eligibility rules, the unit floor, the move-out caps):

- ``plan``: the exact optimiser on the served model's predicted ratings (``make_plan``, the
  function behind ``mutasi plan`` and ``POST /v1/plans``);
- ``greedy``: the same problem filled one post at a time from each post's ranking;
- ``oracle``: the exact optimiser on the generator's noise-free expected ratings of the very
  same eligible pairs (what a perfect model would plan).

Moves take effect on 1 January of the next year, so they are rated that year (the label rule).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from features.synth import Oracle
from mutasi.settings import Settings
from planning.greedy import greedy_plan
from planning.report import PlanResult
from planning.solve import SolveOptions, solve_plan
from serving.domain.plan.answer import make_plan
from serving.domain.plan.inputs import build_plan_inputs
from serving.schemas.plans import PlanPolicyRequest, PlanRequest, PlanVacancy
from serving.state import ServingState

MOVE_COLUMNS = ["nip", "to_position_id", "effective_date"]


def open_seats(state: ServingState, as_of: date, cap: int) -> pd.DataFrame:
    """The vacancy rule: position_id and seats of the posts to fill, at most ``cap`` seats."""
    view = state.view(as_of)
    need = state.snapshot.builder.positions_.side.abk_need
    shortage = np.asarray(view.position_shortage, dtype=np.float64)
    short = state.active_positions & (shortage > 0)
    frame = pd.DataFrame(
        {
            "position_id": state.position_code.to_numpy(dtype=object)[short],
            "seats": np.round(shortage[short]).astype(np.int64),
            "relative": shortage[short] / np.maximum(need[short], 1),
        }
    )
    frame = frame[frame["seats"] > 0].sort_values(
        ["relative", "seats", "position_id"], ascending=[False, False, True], kind="stable"
    )
    before = frame["seats"].cumsum() - frame["seats"]
    frame["seats"] = np.minimum(frame["seats"], np.maximum(cap - before, 0))
    return frame.loc[frame["seats"] > 0, ["position_id", "seats"]].reset_index(drop=True)


def plan_request(seats: pd.DataFrame, as_of: date, policy: PlanPolicyRequest) -> PlanRequest:
    """The request ``mutasi plan`` would send for these seats."""
    vacancies = [
        PlanVacancy(position_id=str(p), count=int(n))
        for p, n in zip(seats["position_id"], seats["seats"], strict=True)
    ]
    return PlanRequest(vacancies=vacancies, as_of=as_of, policy=policy)


def decide(
    policy: str,
    state: ServingState,
    request: PlanRequest,
    settings: Settings,
    oracle: Oracle | None = None,
) -> PlanResult:
    """The plan of one policy (``plan``, ``greedy`` or ``oracle``) for the request's seats."""
    assert request.as_of is not None
    if policy == "plan":
        outcome = make_plan(
            state, request, request_id=f"simulate-{request.as_of}", today=request.as_of,
            settings=settings,
        )  # fmt: skip
        return outcome.result
    view = state.view(request.as_of)
    inputs = build_plan_inputs(state, view, request, settings)
    options = SolveOptions(time_limit=settings.plan_time_limit)
    if policy == "greedy":
        return greedy_plan(inputs.problem(request.policy.to_policy()))
    if policy == "oracle":
        if oracle is None:
            raise ValueError("the oracle policy needs the world's Oracle")
        pairs = inputs.pairs
        truth = oracle.truth(
            pairs["nip"].tolist(), pairs["position_id"].tolist(), pd.Timestamp(request.as_of)
        )
        scored = replace(inputs, pairs=pairs.assign(score=truth))
        return solve_plan(scored.problem(request.policy.to_policy()), options)
    raise ValueError(f"unknown policy {policy!r}; use plan, greedy or oracle")


def plan_moves(result: PlanResult, effective: date) -> pd.DataFrame:
    """A plan's assignments as the moves a continuation executes."""
    chosen = result.assignments
    return pd.DataFrame(
        {
            "nip": chosen["nip"].astype(str).to_numpy(),
            "to_position_id": chosen["position_id"].astype(str).to_numpy(),
            "effective_date": pd.Timestamp(effective),
        },
        columns=MOVE_COLUMNS,
    )
