"""Benchmark: what the default fairness policy costs a ranking answer (FA*IR re-ranking).

Pools of 100 / 1,000 / 10,000 candidates drawn from a generated province (10,500 employees,
gorontalo seed 7): their gender, age band and home region as the serving state holds them
(pandas arrays: categoricals and Arrow strings), scores with the ties a tree model gives
(rounded to 3 decimals), NIPs as tie-break keys. Measured side by side in one run, per pool:

- ``plain``: the plain top-k of serving (``serving.domain.scoring.top_k``);
- ``fa*ir``: the served re-ranking of the default policy (``training.fair_ranking.fair_top``
  with the NIP keys, as ``serving/domain/fair_rerank.py`` calls it);
- ``fa*ir, whole order``: the audit's ``fair_rerank`` (the shortlist, then every other row by
  score), what training ranks held-out pools with.

Prints a table and writes benchmarks/results/fair_rerank.json (with the machine's load).

    .venv/bin/python benchmarks/fair_rerank.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/features.py would shadow the features package

from features.asof import age_band  # noqa: E402
from features.data import load_dataset  # noqa: E402
from features.synth import generate_province  # noqa: E402
from mutasi.settings import Settings  # noqa: E402
from serving.domain.scoring import top_k  # noqa: E402
from training.fair_ranking import FairRankPolicy, fair_rerank, fair_top  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "fair_rerank.json"
POOLS = (100, 1_000, 10_000)
K = 10


def attributes(n_employees: int, seed: int) -> pd.DataFrame:
    """Gender, age band at the export date and home region of a generated province."""
    with tempfile.TemporaryDirectory() as tmp:
        generate_province("gorontalo", seed, n_employees, Path(tmp))
        dataset = load_dataset(Path(tmp))
    employees = dataset.employees
    export = pd.Timestamp(dataset.export_date or pd.Timestamp("2025-12-31"))
    years = (export - pd.to_datetime(employees["birth_date"])).dt.days.to_numpy() / 365.25
    return pd.DataFrame(
        {
            "nip": employees["nip"].astype(str).to_numpy(dtype=object),
            "gender": employees["gender"].astype("category").array,
            "age_band": age_band(years.astype(np.float64)),
            "region_of_origin": employees["home_region_code"].astype("str").array,
        }
    )


def default_policy() -> FairRankPolicy:
    """The policy ``mutasi train`` records by default (the settings' defaults)."""
    settings = Settings()
    return FairRankPolicy(
        method=settings.fairness_rerank,
        attributes=tuple(settings.fairness_rerank_attributes),
        target=settings.fairness_rerank_target,
        alpha=settings.fairness_rerank_alpha,
    )


def timed(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    """Median and p99 milliseconds of ``repeats`` calls after 3 warm-up calls."""
    for _ in range(3):
        fn()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    ms = np.asarray(seconds) * 1000
    return {"median_ms": float(np.median(ms)), "p99_ms": float(np.quantile(ms, 0.99))}


def measure(frame: pd.DataFrame, pool: int, policy: FairRankPolicy, seed: int) -> dict[str, Any]:
    """The three timings on one pool of ``pool`` employees."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(frame), size=pool, replace=False))
    part = frame.iloc[rows].reset_index(drop=True)
    codes = {a: part[a].array for a in ("gender", "age_band", "region_of_origin")}
    keys = part["nip"].to_numpy(dtype=object)
    # Older, men and the capital's natives score a little higher: a shortlist to re-rank.
    scores = np.round(
        rng.normal(size=pool)
        + 0.3 * (part["gender"].astype(str) == "L").to_numpy()
        + 0.2 * part["age_band"].cat.codes.to_numpy(),
        3,
    )
    repeats = 200 if pool <= 1_000 else 60
    shortlist = fair_top(scores, codes, K, policy, keys=keys)
    return {
        "pool": pool,
        "plain": timed(lambda: top_k(scores, keys, K), repeats),
        "fair": timed(lambda: fair_top(scores, codes, K, policy, keys=keys), repeats),
        "fair_whole_order": timed(lambda: fair_rerank(scores, codes, K, policy), repeats),
        "moved_up": shortlist.moved,
        "unmet_groups": list(shortlist.unmet),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    frame = attributes(args.employees, args.seed)
    policy = default_policy()
    cases = [measure(frame, pool, policy, args.seed + i) for i, pool in enumerate(POOLS)]
    table = Table(title=f"FA*IR at serving: {policy.name}, k={K}")
    for column in ("pool", "plain top-k", "fa*ir", "fa*ir, whole order", "moved up", "unmet"):
        table.add_column(column, justify="right")
    for case in cases:
        cells = [
            f"{case[name]['median_ms']:.2f} / {case[name]['p99_ms']:.2f} ms"
            for name in ("plain", "fair", "fair_whole_order")
        ]
        unmet = ", ".join(case["unmet_groups"]) or "-"
        table.add_row(f"{case['pool']:,}", *cells, str(case["moved_up"]), unmet)
    table.caption = "median / p99 of each call"
    Console().print(table)
    results = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "policy": policy.to_dict(),
        "k": K,
        "cases": cases,
        "load_before": load_before,
        "load_after": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "loadavg": os.getloadavg(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
