"""Benchmark: the best vacancies for one employee (``serving.domain.recommend``), in process.

Sets up, in a temporary directory, a generated province (default 10,500 employees) and a
champion trained on it, then measures in one run, for the same employees:

- ``recommend``: vacancies, eligibility grouped by the fields the rules judge, features of the
  eligible vacancies, prediction, top 10 with SHAP, answer JSON; median and p99;
- the reference: the same eligibility judged vacancy by vacancy (one rule-engine call each),
  which is what grouping saves; and the ratio.

Prints a table and writes benchmarks/results/recommend.json.

    .venv/bin/python benchmarks/recommend.py --employees 10500
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._server import province_with_champion, quantiles, use_work_dir
from features.eligibility import evaluate_eligibility
from mutasi.settings import get_settings
from serving.domain.recommend import recommend, vacancies
from serving.schemas.recommendations import RecommendationRequest
from serving.state import ServingState, StateHolder

RESULTS = Path(__file__).parent / "results" / "recommend.json"


def one_by_one(state: ServingState, nip: str, today: date) -> int:
    """Eligibility of every vacancy judged on its own; how many are open to the employee."""
    view = state.view(today)
    row = view.row_of_nip[nip]
    candidate = view.state.iloc[[row]]
    freeze = state.dataset.freeze_periods
    return sum(
        bool(evaluate_eligibility(candidate, state.targets[p], view.as_of, state.rule_set, freeze)
             .eligible[0])
        for p in vacancies(state, view, row)
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_500)
    parser.add_argument("--people", type=int, default=30, help="Employees to recommend for.")
    parser.add_argument("--reference-people", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Keep the work directory here (for reruns).")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-recommend-"))
    console = Console()
    try:
        use_work_dir(work, {})
        province_with_champion(work, args.employees, args.seed)
        settings = get_settings()
        state = StateHolder(settings).reload(model=True, snapshot=True).state
        export = state.dataset.export_date
        today = export.date() if export is not None else date.today()
        view = state.view(today)
        rng = np.random.default_rng(args.seed)
        nips = [str(n) for n in rng.choice(view.nips, args.people, replace=False)]
        options = RecommendationRequest(k=10)

        def ours(nip: str) -> float:
            started = time.perf_counter()
            outcome = recommend(
                state, nip, options, request_id="bench", today=today, settings=settings
            )
            outcome.response.model_dump_json()
            return time.perf_counter() - started

        ours(nips[0])  # warm caches
        ours_s = [ours(n) for n in nips]
        reference_s = []
        for nip in nips[: args.reference_people]:
            started = time.perf_counter()
            one_by_one(state, nip, today)
            reference_s.append(time.perf_counter() - started)
        n_vacancies = [len(vacancies(state, view, view.row_of_nip[n])) for n in nips]
        results = {
            "employees": args.employees,
            "vacancies_median": float(np.median(n_vacancies)),
            "ours": quantiles(ours_s),
            "reference_eligibility_only": quantiles(reference_s),
        }
        results["ratio_median"] = (
            results["reference_eligibility_only"]["median_ms"] / results["ours"]["median_ms"]
        )
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
        report(results)
        console.print(f"Wrote {RESULTS}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, Any]) -> None:
    """One row: our whole answer against eligibility alone judged vacancy by vacancy."""
    table = Table(title=f"Best vacancies for one employee ({results['employees']:,} employees)")
    for col in ("vacancies (median)", "ours p50 / p99 ms", "one-by-one eligibility p50 ms",
                "one-by-one / ours"):  # fmt: skip
        table.add_column(col, justify="right")
    ours, ref = results["ours"], results["reference_eligibility_only"]
    table.add_row(
        f"{results['vacancies_median']:.0f}",
        f"{ours['median_ms']:.0f} / {ours['p99_ms']:.0f}",
        f"{ref['median_ms']:.0f}",
        f"{results['ratio_median']:.1f}x",
    )
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
