"""Benchmark: batch scoring on Spark (local mode) against the in-process path, same pairs.

Sets up, in a temporary directory, a champion trained on a generated province (``--train``
employees), then for each size in ``--sizes`` generates a province of that many employees,
loads it as the API does and picks ``--vacancies`` open vacancies (all if 0; a fixed sample
keeps large sizes within minutes: a rate, pairs per second, does not need every vacancy).
From ``--pemda-set-from`` employees up (default 1,000,000) the dataset is Gorontalo's province
government with its kab/kota governments (``generate --kabkota``), blocked by province as a
national run would be: no single pemda employs a million ASN, and the generator's usulan draw
is quadratic in one pemda's size.
On those vacancies it measures, side by side in one run:

- ``spark``: ``batch.job.run_batch`` on ``local[*]`` (blocks hash-partitioned, mapInPandas,
  top 10 explained with ``pred_contrib``, Parquet written), timed from the job's start to its
  last write, the JVM already up; the first run of each size also pays the Python workers'
  start-up and state rebuild, reported apart;
- ``in-process``: the same :class:`batch.score.BlockScorer` in this process, no Spark;
- ``api``: the service's ``rank_position`` vacancy by vacancy (what a loop over the API
  would cost without HTTP), on the first ``--api-vacancies`` of them.

Pairs = eligible (employee, vacancy) pairs scored. Prints a table and writes
benchmarks/results/batch.json with ``uptime`` load averages.

    .venv/bin/python benchmarks/batch.py --sizes 10000 100000 --vacancies 300
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from batch.blocks import open_vacancies, vacancy_blocks
from batch.job import load_state, run_batch
from batch.score import BlockScorer
from batch.session import spark_session
from benchmarks._server import province_with_champion, use_work_dir
from features.synth import generate_province
from features.synth.pemda_set import generate_pemda_set
from mutasi.settings import get_settings
from serving.domain.ranking import position_target, rank_position
from serving.schemas.rankings import RankingOptions

RESULTS = Path(__file__).parent / "results" / "batch.json"
K = 10


def measure(work: Path, n: int, args: argparse.Namespace, spark: Any) -> dict[str, Any]:
    """One size: generate, load, then Spark / in-process / API on the same vacancies."""
    province = work / f"province_{n}"
    started = time.perf_counter()
    reused = (province / "manifest.json").exists()  # a --keep directory's earlier province
    if reused:
        pass
    elif n >= args.pemda_set_from:
        generate_pemda_set(("gorontalo",), args.seed, n, province, fmt="parquet")
    else:
        generate_province("gorontalo", args.seed, n, province, fmt="parquet")
    generated = None if reused else time.perf_counter() - started
    settings = get_settings()
    started = time.perf_counter()
    state = load_state(settings, province)
    export = state.dataset.export_date
    assert export is not None
    as_of = export.date()
    view = state.view(as_of)
    loaded = time.perf_counter() - started
    ids = open_vacancies(state, view)
    if args.vacancies:
        ids = ids[:: max(1, len(ids) // args.vacancies)][: args.vacancies]
    positions = [str(p) for p in ids]
    result: dict[str, Any] = {
        "employees": len(view.state),
        "vacancies_open": len(open_vacancies(state, view)),
        "vacancies_measured": len(positions),
        "dataset": "pemda set" if n >= args.pemda_set_from else "one pemda",
        "generate_s": generated,
        "load_s": loaded,
    }
    runs = []
    for i in range(2):  # the first run also starts the Python workers and rebuilds the state
        summary = run_batch(
            settings, province, work / f"out_{n}_{i}", as_of=as_of, k=K,
            position_ids=positions, spark=spark, state=state,
        )  # fmt: skip
        runs.append(summary)
    result["pairs"] = runs[-1].pairs_scored
    result["spark_first_s"] = runs[0].seconds["spark"]
    result["spark_s"] = runs[-1].seconds["spark"]
    result["spark_partitions"] = runs[-1].n_partitions
    scorer = BlockScorer(state, view, "province", K, settings.n_reasons)
    started = time.perf_counter()
    scorer.score(vacancy_blocks(state, ids, "province"))
    result["inprocess_s"] = time.perf_counter() - started
    assert scorer.pairs_scored == result["pairs"], "Spark and in-process scored other pairs"
    sample = positions[: args.api_vacancies]
    api_pairs = 0
    started = time.perf_counter()
    for position_id in sample:
        outcome = rank_position(
            state, position_target(state, position_id), RankingOptions(k=K, as_of=as_of),
            request_id="bench", today=as_of, settings=settings,
        )  # fmt: skip
        api_pairs += outcome.response.eligibility.n_eligible
    result["api_s"] = time.perf_counter() - started
    result["api_pairs"] = api_pairs
    for name in ("spark", "inprocess"):
        result[f"{name}_pairs_per_s"] = result["pairs"] / result[f"{name}_s"]
    result["api_pairs_per_s"] = api_pairs / result["api_s"] if result["api_s"] else 0.0
    result["spark_over_inprocess"] = result["spark_pairs_per_s"] / result["inprocess_pairs_per_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--vacancies", type=int, default=300, help="0 = every open vacancy")
    parser.add_argument("--api-vacancies", type=int, default=100)
    parser.add_argument("--train", type=int, default=3_000, help="Employees to train on.")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--results", type=Path, default=RESULTS, help="Where the JSON goes.")
    parser.add_argument(
        "--pemda-set-from",
        type=int,
        default=1_000_000,
        help="Sizes from this one up are a province with its kab/kota (generate --kabkota).",
    )
    parser.add_argument("--driver-memory", default="8g", help="Spark driver (JVM) heap.")
    parser.add_argument("--keep", type=Path, help="Work here and keep it; reuse its provinces.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    console = Console()
    try:
        use_work_dir(work, {})
        province_with_champion(work, args.train, args.seed)
        started = time.perf_counter()
        # The default 1 GB heap cannot broadcast a 1,000,000-employee snapshot.
        spark = spark_session(args.master, driver_memory=args.driver_memory)
        jvm_s = time.perf_counter() - started
        sizes = [measure(work, n, args, spark) for n in args.sizes]
        spark.stop()
        results = {
            "master": args.master,
            "cores": os.cpu_count(),
            "jvm_start_s": jvm_s,
            "k": K,
            "sizes": sizes,
            "load_average": list(os.getloadavg()),
        }
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results, indent=2), encoding="utf-8")
        report(results)
        console.print(f"Wrote {args.results}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, Any]) -> None:
    """One row per size: pairs scored and pairs per second of each path."""
    table = Table(
        title=f"Batch scoring, {results['master']} on {results['cores']} cores "
        f"(JVM start {results['jvm_start_s']:.0f} s; load {results['load_average'][0]:.1f})"
    )
    for col in ("employees", "dataset", "vacancies", "pairs", "Spark pairs/s", "in-process pairs/s",
                "API loop pairs/s", "Spark / in-process", "1st Spark run s"):  # fmt: skip
        table.add_column(col, justify="right")
    for r in results["sizes"]:
        table.add_row(
            f"{r['employees']:,}",
            r.get("dataset", "one pemda"),
            f"{r['vacancies_measured']:,} of {r['vacancies_open']:,}",
            f"{r['pairs']:,}",
            f"{r['spark_pairs_per_s']:,.0f}",
            f"{r['inprocess_pairs_per_s']:,.0f}",
            f"{r['api_pairs_per_s']:,.0f}",
            f"{r['spark_over_inprocess']:.2f}x",
            f"{r['spark_first_s']:.0f}",
        )
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
