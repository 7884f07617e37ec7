"""Benchmark: a transfer plan on a generated province with the trained champion's scores.

benchmarks/plan.py measures the optimiser on synthetic scores; this one runs the whole path the
API and ``mutasi plan`` take on real data: a generated province (5,000 employees by default), a
champion trained and promoted on it (the project's own functions, in a temporary store), and
``serving.domain.plan.answer.make_plan`` for 100 vacancies (active posts short of staff at
the export date, seats = their shortage) against every employee in service. It times each
step (eligibility + features + prediction for every pair, encoding, the exact solve,
explaining the chosen moves, the whole answer) and compares the optimal plan with the greedy
one-post-at-a-time plan on the same problem. Prints a table and writes
benchmarks/results/plan_province.json.

    .venv/bin/python benchmarks/plan_province.py [--employees 5000] [--vacancies 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.serving import setup
from mutasi.settings import get_settings
from planning import PlanPolicy, PlanResult, SolveOptions, greedy_plan, solve_plan
from serving.domain.plan.answer import explain_moves, make_plan
from serving.domain.plan.inputs import build_plan_inputs
from serving.schemas.plans import PlanPolicyRequest, PlanRequest, PlanVacancy
from serving.state import ServingState, build_state, load_model

RESULTS = Path(__file__).parent / "results" / "plan_province.json"
# The synthetic benchmark's policy, so that the two are comparable.
POLICY = {"shortage_weight": 1.0, "min_unit_share": 0.8, "max_moves_out": 10}


def _request(state: ServingState, n_vacancies: int) -> tuple[PlanRequest, float]:
    """The first ``n_vacancies`` active posts with a shortage at the export date, and the
    seconds the employee snapshot of that date took to build (once per date in a service)."""
    export = state.dataset.export_date
    assert export is not None, "a generated province has an export date"
    view, view_s = _timed(lambda: state.view(export.date()))
    short = state.position_code.to_numpy()[state.active_positions & (view.position_shortage > 0)]
    request = PlanRequest(
        vacancies=[PlanVacancy(position_id=str(p)) for p in short[:n_vacancies]],
        as_of=export.date(),
        policy=PlanPolicyRequest(**POLICY),
    )
    return request, view_s


def _timed(fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _plan_row(result: PlanResult) -> dict[str, Any]:
    parts = result.objective
    scores = result.assignments["score"]
    return {
        "objective": round(parts.total, 3),
        "performance": round(parts.performance, 3),
        "preference": round(parts.preference, 3),
        "shortage_reduction": parts.shortage_reduction,
        "moves": len(result.chosen),
        "mean_rating": round(float(scores.mean()), 4) if len(scores) else None,
        "status": result.status,
        "mip_gap": result.mip_gap,
    }


def run(state: ServingState, n_vacancies: int) -> dict[str, Any]:
    """Each step timed on its own, then the whole answer; optimiser vs greedy."""
    settings = get_settings()
    request, view_s = _request(state, n_vacancies)
    assert request.as_of is not None
    view = state.view(request.as_of)
    inputs, inputs_s = _timed(lambda: build_plan_inputs(state, view, request, settings))
    policy: PlanPolicy = request.policy.to_policy()
    problem, encode_s = _timed(lambda: inputs.problem(policy))
    options = SolveOptions(time_limit=settings.plan_time_limit)
    optimal, solve_s = _timed(lambda: solve_plan(problem, options))
    greedy, greedy_s = _timed(lambda: greedy_plan(problem))
    targets = {str(t.rules.position_id): t for t in inputs.targets}
    _, explain_s = _timed(
        lambda: explain_moves(state, view, targets, optimal.assignments, settings.n_reasons)
    )
    outcome, answer_s = _timed(
        lambda: make_plan(
            state, request, request_id="bench", today=request.as_of, settings=settings
        )
    )
    body, json_s = _timed(outcome.response.model_dump_json)
    return {
        "vacancies": len(inputs.targets),
        "seats": int(sum(inputs.open_headcount)),
        "candidates": len(inputs.pool),
        "pairs_considered": inputs.n_pairs_considered,
        "pairs_eligible": len(inputs.pairs),
        "milp_columns": optimal.parameters.get("model_columns"),
        "method": optimal.method,
        "seconds": {
            "employee_snapshot": round(view_s, 3),
            "eligibility_features_predict": round(inputs_s, 3),
            "encode": round(encode_s, 3),
            "solve": round(solve_s, 3),
            "greedy": round(greedy_s, 3),
            "explain_chosen": round(explain_s, 3),
            "make_plan_total": round(answer_s, 3),
            "answer_json": round(json_s, 3),
        },
        "answer_kb": round(len(body) / 1024, 1),
        "optimal": _plan_row(optimal),
        "greedy": _plan_row(greedy),
    }


def report(result: dict[str, Any], console: Console) -> None:
    """The rich tables of one run (one row per figure, so that they fit a terminal)."""
    sizes = Table(title="Plan on a generated province (champion scores)", show_header=False)
    for key in ("employees", "vacancies", "seats", "candidates", "pairs_eligible"):
        sizes.add_row(key, f"{result[key]:,}")
    sizes.add_row("solver", f"{result['method']}, {result['milp_columns']} MILP columns")
    console.print(sizes)
    steps = Table(title="Seconds per step")
    steps.add_column("step")
    steps.add_column("seconds", justify="right")
    for key, seconds in result["seconds"].items():
        steps.add_row(key, f"{seconds:.3f}")
    console.print(steps)
    plans = Table(title="Optimiser vs greedy (same problem)")
    plans.add_column("")
    plans.add_column("optimal", justify="right")
    plans.add_column("greedy", justify="right")
    for key in result["optimal"]:
        plans.add_row(key, str(result["optimal"][key]), str(result["greedy"][key]))
    console.print(plans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=5_000)
    parser.add_argument("--vacancies", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", type=Path, help="Keep the work directory here (for reruns).")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-plan-"))
    try:
        setup(work, args.employees, args.seed)
        settings = get_settings()
        state = build_state(settings, load_model(settings), None)
        result = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "employees": args.employees,
            "seed": args.seed,
            "policy": POLICY,
            **run(state, args.vacancies),
        }
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report(result, Console())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
