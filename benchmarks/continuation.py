"""Benchmark: continuing a generated province by one year (the generator's closed loop).

Each size runs in a fresh process: it generates the province (timing how much of that is
saving the simulation state to ``_oracle/state/``), continues it one year under the historical
policy, then one year with given moves (2% of the PNS moved on 1 January, as a plan's accepted
assignments would be), and reads the peak RSS. Prints a rich table and writes
benchmarks/results/continuation.json (with the machine's load average).

    .venv/bin/python benchmarks/continuation.py                  # 3,000 and 100,000
    .venv/bin/python benchmarks/continuation.py --sizes 3000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/features.py would shadow the features package
RESULTS = Path(__file__).parent / "results" / "continuation.json"
SIZES = (3_000, 100_000)
MOVED_SHARE = 0.02


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 2**20


def _moves(source: Path, seed: int) -> pd.DataFrame:
    """2% of the PNS into another active post, effective 1 January."""
    emp = pd.read_csv(source / "employees.csv", dtype=str)
    positions = pd.read_csv(source / "positions.csv", dtype=str)
    active = positions.loc[positions["is_active"] == "true", "position_id"].to_numpy()
    young = emp[(emp["employment_type"] == "PNS") & (emp["birth_date"] > "1970-01-01")]
    picked = young.sample(round(MOVED_SHARE * len(young)), random_state=seed)
    rng = np.random.default_rng(seed)
    targets = [rng.choice(active[active != own]) for own in picked["position_id"]]
    return pd.DataFrame(
        {"nip": picked["nip"].to_numpy(), "to_position_id": targets, "effective_date": "2026-01-01"}
    )


def measure(n_employees: int, preset: str, seed: int) -> dict[str, Any]:
    """Generate, continue (policy), continue (given moves); the numbers of one table row."""
    import features.synth.generate as generate
    from features.synth import continue_province, generate_province

    saving: list[float] = []
    save = generate.save_export_state

    def timed_save(*args: Any, **kwargs: Any) -> Path:
        started = time.perf_counter()
        try:
            return save(*args, **kwargs)
        finally:
            saving.append(time.perf_counter() - started)

    generate.save_export_state = timed_save  # type: ignore[assignment]
    work = Path(tempfile.mkdtemp(prefix=f"bench-continue-{n_employees}-"))
    try:
        started = time.perf_counter()
        generate_province(preset=preset, seed=seed, n_employees=n_employees, out_dir=work / "a")
        generate_s = time.perf_counter() - started
        state_mb = _size_mb(work / "a" / "_oracle" / "state")
        dataset_mb = _size_mb(work / "a")
        started = time.perf_counter()
        policy = continue_province(work / "a", work / "b", years=1)
        policy_s = time.perf_counter() - started
        moves = _moves(work / "a", seed)
        started = time.perf_counter()
        continue_province(work / "a", work / "c", years=1, moves=moves)
        given_s = time.perf_counter() - started
        transfers = pd.read_csv(work / "b" / "transfers.csv", dtype=str)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "employees": n_employees,
        "preset": preset,
        "generate_s": round(generate_s, 2),
        "save_state_s": round(sum(saving), 2),
        "state_mb": round(state_mb, 1),
        "dataset_mb": round(dataset_mb, 1),
        "continue_policy_s": round(policy_s, 2),
        "continue_given_s": round(given_s, 2),
        "given_moves": len(moves),
        "policy_moves": int((transfers["effective_date"].str[:4] == "2026").sum()),
        "employees_after": policy.n_employees,
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def measure_fresh(n_employees: int, preset: str, seed: int) -> dict[str, Any]:
    """:func:`measure` in a new process, so that its peak memory is this size's alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure, n_employees, preset, seed).result()


def render(rows: list[dict[str, Any]]) -> Table:
    """The benchmark table."""
    table = Table(title="Continuing a province by one year")
    columns = {
        "employees": lambda r: f"{r['employees']:,}",
        "generate s": lambda r: f"{r['generate_s']:.1f}",
        "of it: save state s": lambda r: f"{r['save_state_s']:.2f}",
        "state MB / dataset MB": lambda r: f"{r['state_mb']:.1f} / {r['dataset_mb']:.1f}",
        "continue, policy s": lambda r: f"{r['continue_policy_s']:.1f}",
        "policy moves": lambda r: f"{r['policy_moves']:,}",
        "continue, given moves s": lambda r: f"{r['continue_given_s']:.1f}",
        "given moves": lambda r: f"{r['given_moves']:,}",
        "peak RSS MB": lambda r: f"{r['peak_rss_mb']:,}",
    }
    for name in columns:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*(cell(row) for cell in columns.values()))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="employees")
    parser.add_argument("--preset", default="gorontalo")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = [measure_fresh(n, args.preset, args.seed) for n in args.sizes]
    Console(width=180).print(render(rows))
    payload = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "cases": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
