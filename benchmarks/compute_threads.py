"""Throughput by `MUTASI_COMPUTE_THREADS`: the load benchmark's clients, no reloads.

The province, models and positions of `benchmarks/load.py` (5,000 employees, 50 clients
ranking 64 positions with the whole pool, k=10, the top 10 explained, the audit log on); one
uvicorn worker per setting, the settings taking turns for ``--rounds``. Prints answers per
second, latency and the server's CPU per answer for each, and writes
benchmarks/results/compute_threads.json.

    .venv/bin/python benchmarks/compute_threads.py --threads 1 2 4 8 40 --keep /tmp/load
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._server import (
    LOOPBACK,
    code_env,
    commit_of,
    free_port,
    machine,
    quantiles,
    running,
    uvicorn_cmd,
)
from benchmarks.load import HR_KEY, WARMUP_SECONDS, Sample, active_positions, client, prepare

RESULTS = Path(__file__).parent / "results" / "compute_threads.json"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def drive(url: str, positions: list[str], clients: int, seconds: float) -> list[Sample]:
    """Warm up, then ``clients`` clients ranking for ``seconds``; the measured samples."""
    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients)
    headers = {"X-API-Key": HR_KEY}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as hr:
        warm_until = time.perf_counter() + WARMUP_SECONDS
        budget = [10**9]
        await asyncio.gather(
            *(client(hr, positions, 0.0, warm_until, budget, None) for _ in range(clients))
        )
        samples: list[Sample] = []
        t0 = time.perf_counter()
        await asyncio.gather(
            *(client(hr, positions, t0, t0 + seconds, budget, samples) for _ in range(clients))
        )
    return samples


def run_once(work: Path, positions: list[str], threads: int, args: argparse.Namespace) -> dict:
    """One server with ``threads`` compute threads under the clients; its figures."""
    env, cwd = code_env({**os.environ, "MUTASI_COMPUTE_THREADS": str(threads)}, None)
    env["MUTASI_DATA_DIR"] = str(work / "province")
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    with running(uvicorn_cmd(port), port, "/readyz", env, cwd) as server:
        cpu_before = cpu_seconds(server.pid)
        started = time.perf_counter()
        samples = asyncio.run(drive(url, positions, args.clients, args.duration))
        wall = time.perf_counter() - started
        cpu = cpu_seconds(server.pid) - cpu_before
    ok = [s for s in samples if s.status == 200]
    # The warm-up's share of the CPU is spread over the measured answers (a slight overestimate).
    return {
        "compute_threads": threads,
        "answers": len(ok),
        "failed": len(samples) - len(ok),
        "throughput_rps": len(ok) / args.duration,
        "latency_ms": quantiles([s.seconds for s in ok]),
        "server_cpu_ms_per_answer": 1000 * cpu / max(1, len(ok)),
        "server_cores_busy": cpu / wall,
    }


def report(results: dict[str, Any]) -> None:
    """One row per setting: median of its rounds, and every round's answers per second."""
    table = Table(
        title=f"{results['clients']} clients, {results['duration_s']:.0f} s per run, "
        f"{results['employees']:,} employees, commit {results['commit']}"
    )
    for col in ("compute threads", "answers/s (median)", "each round", "p50 ms", "p99 ms",
                "server CPU ms / answer", "failed"):  # fmt: skip
        table.add_column(col, justify="right")
    for threads in results["threads"]:
        runs = [r for r in results["runs"] if r["compute_threads"] == threads]
        table.add_row(
            str(threads),
            f"{statistics.median(r['throughput_rps'] for r in runs):.1f}",
            " / ".join(f"{r['throughput_rps']:.1f}" for r in runs),
            f"{statistics.median(r['latency_ms']['median_ms'] for r in runs):.0f}",
            f"{statistics.median(r['latency_ms']['p99_ms'] for r in runs):.0f}",
            f"{statistics.median(r['server_cpu_ms_per_answer'] for r in runs):.2f}",
            str(sum(r["failed"] for r in runs)),
        )
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4, 8, 40])
    parser.add_argument("--employees", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0, help="Measured seconds per run.")
    parser.add_argument("--positions", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Work directory to keep (or reuse).")
    args = parser.parse_args()
    if not all(1 <= t <= 64 for t in args.threads) or not 1 <= args.rounds <= 5:
        parser.error("--threads must be 1..64 each, --rounds 1..5")
    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-threads-"))
    try:
        prepare(work, args.employees, args.seed)
        positions = active_positions(work / "province", args.positions, args.seed)
        runs = [
            run_once(work, positions, threads, args)
            for _ in range(args.rounds)
            for threads in args.threads
        ]
        results = {
            "machine": machine(),
            "commit": commit_of(None),
            "employees": args.employees,
            "clients": args.clients,
            "duration_s": args.duration,
            "threads": args.threads,
            "runs": runs,
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
        report(results)
        print(f"Wrote {RESULTS}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
