"""Benchmark: the transfer plan optimiser against the greedy baseline on realistic instances.

Instances: units of one pemda (a sector each; most short of their ABK need, some in surplus),
candidates sitting in them, vacancies with 1-3 open seats. A candidate is eligible for a
vacancy when their sector family fits (own family, or a generalist) and their grade meets the
post's minimum: 20-40% of all pairs. Scores ~ N(3.8, 0.4) clipped to 1..5 (a person effect
plus a pair effect, so that strong people are strong everywhere, as with a real model).
Policy: lambda 1, unit floor 80% of ABK need, at most 10 moves out of a unit, preference
bonus 0.5 on ~5% of pairs.

For each size it times encoding the frames (``PlanProblem.from_frames``), the exact solve and
the greedy plan, checks that the optimum is proven (gap 0) and not below greedy, and records
peak memory: each size runs in a fresh process whose RSS high-water mark is read (and reset,
on Linux) after building the instance, after encoding and after solving, so each step shows
its own peak (the process total at that moment, inputs included). Prints a rich table and writes
benchmarks/results/plan.json.

    .venv/bin/python benchmarks/plan.py            # 200 x 5,000 and 1,000 x 20,000
    .venv/bin/python benchmarks/plan.py --quick    # 50 x 1,000 only
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from planning.greedy import greedy_plan
from planning.problem import PlanPolicy, PlanProblem
from planning.solve import SolveOptions, solve_plan

RESULTS = Path(__file__).parent / "results" / "plan.json"
SIZES: tuple[tuple[int, int], ...] = ((200, 5_000), (1_000, 20_000))
TARGET_S = {200: 10.0, 1_000: 60.0}
POLICY = PlanPolicy(
    shortage_weight=1.0, min_unit_share=0.8, max_moves_out=10, preference_weight=0.5
)
T = TypeVar("T")


def build_instance(n_vacancies: int, n_candidates: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The four plan input frames for one synthetic pemda (vectorised)."""
    rng = np.random.default_rng(seed)
    n_units = max(n_candidates // 250, 10)
    unit_family = rng.integers(0, 3, n_units)
    cand_unit = rng.integers(0, n_units, n_candidates)
    # Most people work in their unit's sector family; 20% are generalists who fit anywhere.
    cand_family = np.where(rng.random(n_candidates) < 0.8, unit_family[cand_unit], -1)
    cand_grade = rng.integers(0, 4, n_candidates)
    vac_unit = rng.integers(0, n_units, n_vacancies)
    vac_grade = rng.integers(0, 3, n_vacancies)
    fits = (cand_family[:, None] == unit_family[vac_unit][None, :]) | (cand_family[:, None] < 0)
    cand, vac = np.nonzero(fits & (cand_grade[:, None] >= vac_grade[None, :]))
    ability = rng.normal(0.0, 0.3, n_candidates)
    score = np.clip(3.8 + ability[cand] + rng.normal(0.0, 0.26, len(cand)), 1.0, 5.0)
    priority = np.where(rng.random(len(cand)) < 0.05, rng.integers(1, 4, len(cand)), 0)
    staff = np.bincount(cand_unit, minlength=n_units) * 2 + rng.integers(0, 5, n_units)
    abk_need = np.round(staff * rng.uniform(0.9, 1.3, n_units)).astype(int)
    unit_ids = np.char.add("U", np.arange(n_units).astype(str))
    nips = np.char.add("19", np.char.zfill(np.arange(n_candidates).astype(str), 16))
    posts = np.char.add("V", np.arange(n_vacancies).astype(str))
    return {
        "units": pd.DataFrame({"unit_id": unit_ids, "abk_need": abk_need, "bezetting": staff}),
        "vacancies": pd.DataFrame(
            {
                "position_id": posts,
                "unit_id": unit_ids[vac_unit],
                "open_headcount": rng.choice([1, 1, 1, 1, 2, 3], n_vacancies),
            }
        ),
        "candidates": pd.DataFrame(
            {
                "nip": nips,
                "position_id": np.char.add("P", np.arange(n_candidates).astype(str)),
                "unit_id": unit_ids[cand_unit],
            }
        ),
        "pairs": pd.DataFrame(
            {
                # Arrow-backed strings: the 7M-row id columns stay compact.
                "nip": pd.Series(nips, dtype="str").take(cand).reset_index(drop=True),
                "position_id": pd.Series(posts, dtype="str").take(vac).reset_index(drop=True),
                "score": score,
                "priority": pd.Series(priority, dtype="Int64").mask(priority == 0),
            }
        ),
    }


def _timed(step: Callable[[], T]) -> tuple[T, float]:
    """(result, seconds) of one step."""
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def _rss_mb() -> float:
    """This process's peak resident memory (MB) since the last :func:`_reset_peak`."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Restart the peak-RSS count (Linux: writing 5 to clear_refs resets VmHWM)."""
    clear = Path("/proc/self/clear_refs")
    if clear.exists():
        clear.write_text("5")


def measure(n_vacancies: int, n_candidates: int, seed: int = 0) -> dict[str, Any]:
    """Encode, solve and greedy-plan one instance; the numbers of one table row."""
    frames = build_instance(n_vacancies, n_candidates, seed)
    rss_instance = _rss_mb()
    _reset_peak()
    problem, encode_s = _timed(
        lambda: PlanProblem.from_frames(
            frames["vacancies"], frames["candidates"], frames["pairs"], frames["units"], POLICY
        )
    )
    rss_encode = _rss_mb()
    _reset_peak()
    plan, solve_s = _timed(lambda: solve_plan(problem, SolveOptions(time_limit=120)))
    rss_solve = _rss_mb()
    _reset_peak()
    greedy, greedy_s = _timed(lambda: greedy_plan(problem))
    rss_greedy = _rss_mb()
    best, base = plan.objective, greedy.objective
    return {
        "vacancies": n_vacancies,
        "candidates": n_candidates,
        "seats": int(problem.open_headcount.sum()),
        "pairs": problem.n_pairs,
        "density": round(problem.n_pairs / (n_vacancies * n_candidates), 3),
        "model_columns": plan.parameters.get("model_columns"),
        "pricing_rounds": plan.parameters.get("pricing_rounds"),
        "method": plan.method,
        "status": plan.status,
        "mip_gap": plan.mip_gap,
        "encode_s": round(encode_s, 2),
        "solve_s": round(solve_s, 2),
        "greedy_s": round(greedy_s, 2),
        "target_s": TARGET_S.get(n_vacancies),
        "peak_rss_instance_mb": round(rss_instance),
        "peak_rss_encode_mb": round(rss_encode),
        "peak_rss_solve_mb": round(rss_solve),
        "peak_rss_greedy_mb": round(rss_greedy),
        "objective": round(best.total, 3),
        "greedy_objective": round(base.total, 3),
        "win": round(best.total - base.total, 3),
        "win_pct": round(100 * (best.total - base.total) / abs(base.total), 2),
        "moves": len(plan.chosen),
        "greedy_moves": len(greedy.chosen),
        "shortage_reduction": best.shortage_reduction,
        "greedy_shortage_reduction": base.shortage_reduction,
        "mean_score": round(best.performance / max(len(plan.chosen), 1), 3),
        "greedy_mean_score": round(base.performance / max(len(greedy.chosen), 1), 3),
        "never_below_greedy": bool(best.total >= base.total - 1e-6),
    }


def measure_fresh(n_vacancies: int, n_candidates: int, seed: int) -> dict[str, Any]:
    """:func:`measure` in a new process, so that its peak memory is this size's alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure, n_vacancies, n_candidates, seed).result()


def render(rows: list[dict[str, Any]]) -> Table:
    """The benchmark table."""
    table = Table(title="Transfer plan optimiser vs greedy (per-post rankings)")
    columns = {
        "size": lambda r: f"{r['vacancies']:,} x {r['candidates']:,}",
        "pairs": lambda r: f"{r['pairs']:,} ({r['density']:.0%})",
        "columns": lambda r: f"{r['model_columns'] or r['pairs']:,}",
        "status / gap": lambda r: f"{r['status']} / {r['mip_gap']}",
        "encode s": lambda r: f"{r['encode_s']:.2f}",
        "solve s": lambda r: f"{r['solve_s']:.2f} (< {r['target_s']})",
        "greedy s": lambda r: f"{r['greedy_s']:.2f}",
        "RSS MB inst/enc/solve": lambda r: (
            f"{r['peak_rss_instance_mb']:,} / {r['peak_rss_encode_mb']:,} / "
            f"{r['peak_rss_solve_mb']:,}"
        ),
        "objective": lambda r: f"{r['objective']:,.1f}",
        "greedy": lambda r: f"{r['greedy_objective']:,.1f}",
        "win": lambda r: f"+{r['win']:,.1f} ({r['win_pct']:.1f}%)",
        "moves": lambda r: f"{r['moves']} vs {r['greedy_moves']}",
        "shortage cut": lambda r: f"{r['shortage_reduction']} vs {r['greedy_shortage_reduction']}",
        "mean score": lambda r: f"{r['mean_score']:.2f} vs {r['greedy_mean_score']:.2f}",
    }
    for name in columns:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*(render_cell(row) for render_cell in columns.values()))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small instance only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = ((50, 1_000),) if args.quick else SIZES
    rows = [measure_fresh(v, c, args.seed) for v, c in sizes]
    Console(width=200).print(render(rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "policy": POLICY.as_dict(),
                "cases": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
