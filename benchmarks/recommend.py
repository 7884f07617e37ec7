"""Benchmark: the best vacancies for one employee (``serving.domain.recommend``), in process.

Sets up, in a temporary directory, a generated province (default 10,500 employees) and a
champion trained on it, then measures in one run, for the same employees:

- ``recommend``: vacancies, eligibility of all of them in one rule evaluation, features of the
  eligible vacancies, prediction, top 10 with SHAP, answer JSON; median and p99;
- the reference: the same eligibility judged vacancy by vacancy (one rule-engine call each),
  which is what judging them all at once saves; and the ratio;
- with ``--baseline-tree DIR``, the same for another checkout (in a subprocess importing its
  packages), e.g. the commit before a change.

Prints a table and writes benchmarks/results/recommend.json.

    .venv/bin/python benchmarks/recommend.py --employees 10500
    .venv/bin/python benchmarks/recommend.py --baseline-tree /tmp/mutasi-base --keep /tmp/rec
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

# Project modules are imported inside the functions: a subprocess measuring another checkout
# puts that checkout first on sys.path before anything of the project is imported.
CHECKOUT = Path(__file__).resolve().parents[1]

RESULTS = Path(__file__).parent / "results" / "recommend.json"


def one_by_one(state: Any, nip: str, today: date) -> int:
    """Eligibility of every vacancy judged on its own; how many are open to the employee."""
    from features.eligibility import evaluate_eligibility
    from serving.domain.recommend import vacancies

    view = state.view(today)
    row = view.row_of_nip[nip]
    candidate = view.state.iloc[[row]]
    freeze = state.dataset.freeze_periods
    return sum(
        bool(evaluate_eligibility(candidate, state.targets[p], view.as_of, state.rule_set, freeze)
             .eligible[0])
        for p in vacancies(state, view, row)
    )  # fmt: skip


def measure(work: Path, people: int, reference_people: int, seed: int) -> dict[str, Any]:
    """``recommend`` for ``people`` employees with whatever checkout is first on ``sys.path``."""
    from benchmarks._server import quantiles, use_work_dir
    from mutasi.settings import get_settings
    from serving.domain.recommend import recommend, vacancies
    from serving.schemas.recommendations import RecommendationRequest
    from serving.state import StateHolder

    use_work_dir(work, {})
    settings = get_settings()
    state = StateHolder(settings).reload(model=True, snapshot=True).state
    export = state.dataset.export_date
    today = export.date() if export is not None else date.today()
    view = state.view(today)
    rng = np.random.default_rng(seed)
    nips = [str(n) for n in rng.choice(view.nips, people, replace=False)]
    options = RecommendationRequest(k=10)

    def ours(nip: str) -> float:
        started = time.perf_counter()
        outcome = recommend(state, nip, options, request_id="bench", today=today, settings=settings)
        outcome.response.model_dump_json()
        return time.perf_counter() - started

    ours(nips[0])  # warm caches
    ours_s = [ours(n) for n in nips]
    reference_s = []
    for nip in nips[:reference_people]:
        started = time.perf_counter()
        one_by_one(state, nip, today)
        reference_s.append(time.perf_counter() - started)
    n_vacancies = [len(vacancies(state, view, view.row_of_nip[n])) for n in nips]
    return {
        "vacancies_median": float(np.median(n_vacancies)),
        "ours": quantiles(ours_s),
        "reference_eligibility_only": quantiles(reference_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_500)
    parser.add_argument("--people", type=int, default=30, help="Employees to recommend for.")
    parser.add_argument("--reference-people", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--baseline-tree", type=Path, help="Another checkout, measured the same way (subprocess)."
    )
    parser.add_argument("--keep", type=Path, help="Keep the work directory here (for reruns).")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the subprocess
    parser.add_argument("--tree", type=Path, default=CHECKOUT, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree))
    if args.measure is not None:
        # Another checkout's benchmarks/_server.py comes first here: only what it has is used.
        result = measure(args.measure, args.people, args.reference_people, args.seed)
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return
    from benchmarks._server import commit_of, machine, province_with_champion, use_work_dir

    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-recommend-"))
    console = Console()
    try:
        use_work_dir(work, {})
        province_with_champion(work, args.employees, args.seed)
        results: dict[str, Any] = {
            "machine": machine(),
            "employees": args.employees,
            "code": commit_of(None),
            **measure(work, args.people, args.reference_people, args.seed),
        }
        results["ratio_median"] = (
            results["reference_eligibility_only"]["median_ms"] / results["ours"]["median_ms"]
        )
        if args.baseline_tree is not None:
            results["baseline"] = {
                "code": commit_of(args.baseline_tree),
                **in_checkout(args.baseline_tree, work, args),
            }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
        report(results)
        console.print(f"Wrote {RESULTS}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def in_checkout(tree: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """:func:`measure` in a subprocess that imports ``tree``'s packages."""
    from benchmarks._server import code_env

    env, root = code_env(dict(os.environ), tree)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", str(work),
               "--tree", str(root), "--out", out.name, "--people", str(args.people),
               "--reference-people", str(args.reference_people),
               "--seed", str(args.seed)]  # fmt: skip
        subprocess.run(cmd, env=env, cwd=root, check=True)
        result: dict[str, Any] = json.loads(Path(out.name).read_text(encoding="utf-8"))
    return result


def report(results: dict[str, Any]) -> None:
    """Our whole answer against eligibility alone judged vacancy by vacancy; the baseline's."""
    table = Table(title=f"Best vacancies for one employee ({results['employees']:,} employees)")
    for col in ("code", "vacancies (median)", "p50 / p99 ms", "one-by-one eligibility p50 ms",
                "one-by-one / ours"):  # fmt: skip
        table.add_column(col, justify="right")
    rows = [("this checkout " + results["code"], results)]
    if "baseline" in results:
        rows.insert(0, ("baseline " + results["baseline"]["code"], results["baseline"]))
    for name, r in rows:
        ours, ref = r["ours"], r["reference_eligibility_only"]
        table.add_row(
            name,
            f"{r['vacancies_median']:.0f}",
            f"{ours['median_ms']:.1f} / {ours['p99_ms']:.1f}",
            f"{ref['median_ms']:.0f}",
            f"{ref['median_ms'] / ours['median_ms']:.1f}x",
        )
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
