"""Benchmark: rank one position against 100 / 1,000 / 10,000 candidates, in process and over HTTP.

Sets up, in a temporary directory, a generated province of >= 10,000 employees and a champion
trained on it with the project's own functions, then measures in one run, on the same model and
the same candidate rows:

- in-process ``serving.domain.ranking.rank_position`` (eligibility, features, prediction, top 10,
  SHAP of the top 10, JSON-ready answer), median and p99;
- the floor: ``Booster.predict`` on the pool's feature matrix plus ``pred_contrib`` on the
  top 10 (nothing else), and our time / floor;
- the API under concurrent clients (uvicorn as a subprocess on 127.0.0.1), throughput and
  latency, audit log included;
- the peer: ``mlflow models serve`` of the same champion scoring the same pool's feature
  matrix through ``/invocations`` (no eligibility, no explanations);
- with ``--baseline-tree DIR``, the API of another checkout too (e.g. the commit before a
  change), on the same model and rows.

All servers run at once (``--workers`` processes each) and, per pool, ``--rounds`` rounds of
``--requests`` requests from 4 clients take turns between them, so that a busy moment of a
shared machine falls on each alike; throughput is the median over the rounds. Prints a table
and writes benchmarks/results/serving.json (with the machine's load average before and after).

    .venv/bin/python benchmarks/serving.py --employees 10500
    git worktree add /tmp/mutasi-base 1b42029
    .venv/bin/python benchmarks/serving.py --baseline-tree /tmp/mutasi-base --keep /tmp/serving
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._server import (
    CHECKOUT,
    PYTHON,
    code_env,
    commit_of,
    free_port,
    machine,
    province_with_champion,
    quantiles,
    running,
    use_work_dir,
    uvicorn_workers_cmd,
)
from mutasi.settings import get_settings
from serving.api.security import Role
from serving.domain.ranking import position_target, rank_position
from serving.schemas.rankings import RankingOptions
from serving.state import ServingState, StateHolder

RESULTS = Path(__file__).parent / "results" / "serving.json"
POOLS = (100, 1_000, 10_000)
K = 10
KEY = "mk_benchmark_hr_system_key"


def _time(fn: Callable[[], object], repeats: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def setup(work: Path, n_employees: int, seed: int) -> None:
    """Generate the province and train + promote a champion under ``work`` (env points there)."""
    use_work_dir(work, {"bench": (Role.HR_SYSTEM, KEY)}, MUTASI_MAX_POOL_SIZE=str(max(POOLS)))
    province_with_champion(work, n_employees, seed)


def busiest_position(state: ServingState, today: date) -> str:
    """The active position with the most eligible candidates (the heaviest ranking)."""
    best, best_n = "", -1
    for position_id in sorted(state.targets)[:: max(1, len(state.targets) // 40)]:
        outcome = rank_position(
            state,
            position_target(state, position_id),
            RankingOptions(k=K),
            request_id="probe",
            today=today,
            settings=get_settings(),
        )
        n = outcome.response.eligibility.n_eligible
        if n > best_n:
            best, best_n = position_id, n
    return best


def in_process(state: ServingState, position_id: str, pool: list[str], today: date) -> dict:
    """Our ranking vs the floor on the same rows."""
    settings = get_settings()
    target = position_target(state, position_id)
    options = RankingOptions(k=K, candidate_nips=pool)

    def ours() -> object:
        outcome = rank_position(
            state, target, options, request_id="bench", today=today, settings=settings
        )
        return outcome.response.model_dump_json()

    view = state.view(today)
    rows = view.employees.rows(pool)
    features = view.employees.pair_array(position_id, rows)
    booster, threads = state.regressor, state.predict_threads  # the same calls the service makes

    def floor() -> object:
        scores = booster.predict(features, num_threads=threads)
        top = np.argpartition(-scores, K - 1)[:K]
        return booster.predict(features[top], pred_contrib=True, num_threads=threads)

    repeats = 200 if len(pool) <= 1_000 else 60
    eligible = rank_position(
        state, target, options, request_id="n", today=today, settings=settings
    ).response.eligibility.n_eligible
    ours_q, floor_q = quantiles(_time(ours, repeats)), quantiles(_time(floor, repeats))
    return {
        "pool": len(pool),
        "eligible": eligible,
        "ours": ours_q,
        "floor": floor_q,
        "ratio_median": ours_q["median_ms"] / floor_q["median_ms"],
    }


def load(url: str, path: str, body: dict[str, Any], clients: int, per_client: int) -> dict:
    """``clients`` threads each sending ``per_client`` requests; throughput and latency."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=60, headers={"X-API-Key": KEY}) as client:
            for _ in range(per_client):
                started = time.perf_counter()
                status = client.post(path, json=body).status_code
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if status != 200:
                        errors.append(status)

    with httpx.Client(base_url=url, timeout=60, headers={"X-API-Key": KEY}) as warm:
        for _ in range(3):
            warm.post(path, json=body).raise_for_status()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "throughput_rps": len(latencies) / wall,
        "latencies": latencies,
    }


def _aggregate(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one server and pool: median throughput, latency quantiles of every request."""
    latencies = [x for r in rounds for x in r.pop("latencies")]
    return {
        "clients": rounds[0]["clients"],
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "throughput_rps": float(np.median([r["throughput_rps"] for r in rounds])),
        "rounds_rps": [round(r["throughput_rps"], 2) for r in rounds],
        **quantiles(latencies),
    }


Server = tuple[Callable[[int], list[str]], str, dict[str, str], Path]


def servers(env: dict[str, str], args: argparse.Namespace) -> dict[str, Server]:
    """What to compare: (command for a port, ready path, environment, working directory)."""
    settings = get_settings()
    mlflow = str(Path(PYTHON).with_name("mlflow"))

    def peer(port: int) -> list[str]:
        return [mlflow, "models", "serve", "-m", f"models:/{settings.model_name}@champion",
                "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port),
                "-w", str(args.workers)]  # fmt: skip

    def ours(port: int) -> list[str]:
        return uvicorn_workers_cmd(port, args.workers)

    # mlflow starts its own uvicorn by name: the venv's bin must be on PATH.
    path = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
    peer_env = {**env, "MLFLOW_TRACKING_URI": settings.tracking_uri, "PATH": path}
    out: dict[str, Server] = {"ours": (ours, "/readyz", *code_env(env, None))}
    if args.baseline_tree is not None:
        out["baseline"] = (ours, "/readyz", *code_env(env, args.baseline_tree))
    out["mlflow"] = (peer, "/ping", peer_env, CHECKOUT)
    return out


def http_all(
    env: dict[str, str],
    position_id: str,
    pools: dict[int, list[str]],
    matrices: dict[int, tuple[list[str], np.ndarray]],
    today: date,
    args: argparse.Namespace,
) -> dict[str, dict[str, Any]]:
    """Every server running at once; per pool, ``--rounds`` rounds that take turns between
    them, so that a busy moment of the (shared) machine hits each alike."""
    urls: dict[str, str] = {}
    bodies: dict[str, tuple[str, dict[int, dict[str, Any]]]] = {}
    with ExitStack() as stack:
        for name, (command, ready, server_env, cwd) in servers(env, args).items():
            port = free_port()
            stack.enter_context(running(command(port), port, ready, server_env, cwd))
            urls[name] = f"http://127.0.0.1:{port}"
        ranking = {
            n: {"k": K, "candidate_nips": p, "as_of": today.isoformat()} for n, p in pools.items()
        }
        for name in urls:
            bodies[name] = (f"/v1/positions/{position_id}/rankings", ranking)
        bodies["mlflow"] = ("/invocations", {n: _peer_body(*m) for n, m in matrices.items()})
        out: dict[str, dict[str, Any]] = {name: {} for name in urls}
        for size in pools:
            rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in urls}
            for _ in range(args.rounds):
                for name, url in urls.items():
                    path, body = bodies[name]
                    rounds[name].append(load(url, path, body[size], 4, args.requests // 4))
            for name in urls:
                out[name][str(size)] = _aggregate(rounds[name])
    return out


def _peer_body(columns: list[str], matrix: np.ndarray) -> dict[str, Any]:
    rows = np.where(np.isnan(matrix), None, matrix).tolist()  # JSON has no NaN: null
    return {"dataframe_split": {"columns": columns, "data": rows}}


def _save(results: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")


def report(results: dict[str, Any]) -> None:
    http = results["http"]
    title = (
        f"Ranking one position, k=10, SHAP for the top 10; HTTP: 4 clients, "
        f"{results['workers']} worker(s) each, median of {results['rounds']} round(s)"
    )
    table = Table(title=title)
    columns = ["pool", "eligible", "ours p50 / p99 ms", "floor p50 / p99 ms", "ours/floor",
               "API rps", "API p50 / p99 ms"]  # fmt: skip
    if "baseline" in http:
        columns += ["baseline rps", "baseline p50 ms"]
    columns += ["mlflow rps", "mlflow p50 / p99 ms", "API / mlflow rps"]
    for col in columns:
        table.add_column(col, justify="right")
    for size in POOLS:
        r = results["in_process"][str(size)]
        api, peer = http["ours"][str(size)], http["mlflow"][str(size)]
        row = [
            f"{r['pool']:,}",
            f"{r['eligible']:,}",
            f"{r['ours']['median_ms']:.1f} / {r['ours']['p99_ms']:.1f}",
            f"{r['floor']['median_ms']:.1f} / {r['floor']['p99_ms']:.1f}",
            f"{r['ratio_median']:.2f}",
            f"{api['throughput_rps']:.1f}",
            f"{api['median_ms']:.1f} / {api['p99_ms']:.1f}",
        ]
        if "baseline" in http:
            base = http["baseline"][str(size)]
            row += [f"{base['throughput_rps']:.1f}", f"{base['median_ms']:.1f}"]
        row += [
            f"{peer['throughput_rps']:.1f}",
            f"{peer['median_ms']:.1f} / {peer['p99_ms']:.1f}",
            f"{api['throughput_rps'] / peer['throughput_rps']:.2f}",
        ]
        table.add_row(*row)
    Console(width=200).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="Worker processes of each server.")
    parser.add_argument("--rounds", type=int, default=3, help="HTTP rounds per pool, alternating.")
    parser.add_argument("--requests", type=int, default=100, help="HTTP requests per round.")
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        help="Another checkout (e.g. `git worktree add /tmp/mutasi-base 1b42029`) served too.",
    )
    parser.add_argument("--keep", type=Path, help="Keep the work directory here (for reruns).")
    args = parser.parse_args()
    if not (1 <= args.workers <= 16 and 1 <= args.rounds <= 10 and 4 <= args.requests <= 10_000):
        parser.error("--workers 1..16, --rounds 1..10, --requests 4..10000")
    if args.baseline_tree and not (args.baseline_tree / "serving" / "api" / "app.py").exists():
        parser.error(f"--baseline-tree {args.baseline_tree}: not a Mutasi checkout")
    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-serving-"))
    console = Console()
    try:
        console.print(f"Generating {args.employees:,} employees and training in {work} ...")
        started = time.perf_counter()
        setup(work, args.employees, args.seed)
        setup_seconds = time.perf_counter() - started
        holder = StateHolder(get_settings())
        outcome = holder.reload(model=True, snapshot=True)
        state = outcome.state
        export = state.dataset.export_date  # decide as of the snapshot's export date
        today = export.date() if export is not None else date.today()
        view = state.view(today)
        if len(view.employees) < max(POOLS):
            raise SystemExit(f"only {len(view.employees)} employees in service; use --employees")
        position_id = busiest_position(state, today)
        rng = np.random.default_rng(args.seed)
        everyone = view.employees.nips.to_numpy()
        pools = {n: sorted(rng.choice(everyone, n, replace=False).tolist()) for n in POOLS}
        results: dict[str, Any] = {
            "machine": machine(),
            "code": {"ours": commit_of(None)},
            "employees": args.employees,
            "workers": args.workers,
            "rounds": args.rounds,
            "setup_seconds": setup_seconds,
            "state_load_seconds": outcome.seconds,
            "position_id": position_id,
            "model": {"version": state.bundle.version, "trees": state.regressor.num_trees()},
            "in_process": {str(n): in_process(state, position_id, pools[n], today) for n in POOLS},
        }
        if args.baseline_tree is not None:
            results["code"]["baseline"] = commit_of(args.baseline_tree)
        _save(results)
        console.print("In-process done; now the API, and mlflow models serve, over HTTP ...")
        matrices = {
            n: (state.feature_names, view.employees.pair_array(position_id, view.employees.rows(p)))
            for n, p in pools.items()
        }
        results["http"] = http_all(dict(os.environ), position_id, pools, matrices, today, args)
        results["machine_after"] = machine()
        _save(results)
        report(results)
        console.print(f"Wrote {RESULTS}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
