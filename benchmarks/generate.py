"""Benchmark: the synthetic province generator at 10,000 and 100,000 employees.

Each size runs in a fresh process (so the peak resident memory is that size's alone): it times
``generate_province`` end to end (organisation, ten simulated years, export, writing the files
and ``_oracle/``), reads the process's peak RSS, and times one oracle call on 10,000 random
(employee, position) pairs. Targets on 2 cores: 10k in < 30 s, 100k in < 5 min, peak < 4 GiB.
Prints a rich table and writes benchmarks/results/generate.json.

    .venv/bin/python benchmarks/generate.py                    # 10,000 and 100,000
    .venv/bin/python benchmarks/generate.py --sizes 10000      # one size
    .venv/bin/python benchmarks/generate.py --format parquet --preset jambi
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
# benchmarks/features.py would shadow the features package when run as a script.
sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).parent / "results" / "generate.json"
SIZES = (10_000, 100_000)
TARGET_S = {10_000: 30.0, 100_000: 300.0}
MEMORY_TARGET_MB = 4096
ORACLE_PAIRS = 10_000


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(n_employees: int, preset: str, fmt: str, seed: int) -> dict[str, Any]:
    """Generate one province into a temporary directory; the numbers of one table row."""
    from features.synth import Oracle, generate_province

    out = Path(tempfile.mkdtemp(prefix=f"bench-generate-{n_employees}-"))
    try:
        started = time.perf_counter()
        summary = generate_province(
            preset=preset, seed=seed, n_employees=n_employees, out_dir=out, fmt=fmt
        )
        generate_s = time.perf_counter() - started
        peak = _peak_rss_mb()
        size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
        oracle = Oracle.load(out)
        rng = np.random.default_rng(seed)
        nips = rng.choice(oracle.nips.to_numpy(), ORACLE_PAIRS)
        posts = rng.choice(oracle.positions.to_numpy(), ORACLE_PAIRS)
        started = time.perf_counter()
        oracle.truth(nips, posts, pd.Timestamp(summary.exported_at))
        oracle_s = time.perf_counter() - started
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "employees": n_employees,
        "preset": preset,
        "format": fmt,
        "seconds": round(generate_s, 2),
        "target_s": TARGET_S.get(n_employees),
        "peak_rss_mb": round(peak),
        "memory_target_mb": MEMORY_TARGET_MB,
        "within_targets": bool(
            generate_s < TARGET_S.get(n_employees, float("inf")) and peak < MEMORY_TARGET_MB
        ),
        "output_mb": round(size_mb, 1),
        "rows": summary.rows,
        "oracle_pairs": ORACLE_PAIRS,
        "oracle_s": round(oracle_s, 4),
    }


def measure_fresh(n_employees: int, preset: str, fmt: str, seed: int) -> dict[str, Any]:
    """:func:`measure` in a new process, so that its peak memory is this size's alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure, n_employees, preset, fmt, seed).result()


def render(rows: list[dict[str, Any]]) -> Table:
    """The benchmark table."""
    table = Table(title="Synthetic province generator")
    columns = {
        "employees": lambda r: f"{r['employees']:,}",
        "preset / format": lambda r: f"{r['preset']} / {r['format']}",
        "wall s": lambda r: f"{r['seconds']:.1f} (< {r['target_s']:.0f})",
        "peak RSS MB": lambda r: f"{r['peak_rss_mb']:,} (< {r['memory_target_mb']:,})",
        "output MB": lambda r: f"{r['output_mb']:,.1f}",
        "transfers": lambda r: f"{r['rows']['transfers']:,}",
        "SKP rows": lambda r: f"{r['rows']['performance']:,}",
        "oracle 10k pairs s": lambda r: f"{r['oracle_s']:.3f}",
        "ok": lambda r: "yes" if r["within_targets"] else "NO",
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
    parser.add_argument("--format", dest="fmt", default="csv", choices=("csv", "parquet"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = [measure_fresh(n, args.preset, args.fmt, args.seed) for n in args.sizes]
    Console(width=160).print(render(rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cases": rows,
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
