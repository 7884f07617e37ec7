"""Benchmark: the fixed cost of one audited answer, stage by stage (ms), at a pool of 100.

Sets up (or reuses, ``--keep``) a generated province and a champion, then times, in process and
for the same position and candidates, each stage an answer of ``POST
/v1/positions/{id}/rankings`` goes through: parsing the request, looking up the candidates, the
eligibility rules, the pair features, the regressor over the pool, TreeSHAP and the classifier
on the top 10, the whole ``rank_position`` (the rest of it is building the answer: reasons,
staffing, schemas), serialising it, and writing its audit record (alone: one commit with
fsync; and amortised over 16 concurrent answers, which group commit lets share commits). Then
over HTTP with one client: ``/healthz`` (the framework's floor) and the ranking itself; what the
HTTP answer costs beyond the in-process stages is uvicorn, FastAPI, middleware and the key.

With ``--baseline-tree DIR`` the same stages are timed for another checkout (each checkout in a
subprocess that imports its own packages), side by side. Medians of ``--repeats`` runs; the
stage timings use process CPU time (all threads: the audit writer's too) as well as wall time,
because the machine may be shared.
Prints a table and writes benchmarks/results/fixed_cost.json.

    .venv/bin/python benchmarks/fixed_cost.py --keep /tmp/fixed-cost
    .venv/bin/python benchmarks/fixed_cost.py --keep /tmp/fixed-cost --baseline-tree /tmp/base
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

POOL = 100
K = 10
CONCURRENT = 16
KEY = "mk_benchmark_hr_system_key"
RESULTS = Path(__file__).parent / "results" / "fixed_cost.json"
CHECKOUT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    """Median wall and CPU milliseconds of ``fn`` (after a warm-up). CPU is the process's, all
    threads: an audit record's work is done by the writer thread, not the caller's."""
    import numpy as np

    for _ in range(max(3, repeats // 10)):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return {"wall_ms": float(np.median(wall) * 1000), "cpu_ms": float(np.median(cpu) * 1000)}


def measure(work: Path, repeats: int) -> dict[str, Any]:
    """Every stage, with whatever checkout is first on ``sys.path`` (run in a subprocess)."""
    import numpy as np

    from benchmarks._server import use_work_dir
    from mutasi.settings import get_settings
    from serving.api.security import Role
    from serving.audit import AuditStore, dumps_request
    from serving.audit.records import AnswerRecord
    from serving.domain.explain import explain_rows
    from serving.domain.ranking import candidate_rows, position_target, rank_position
    from serving.schemas.rankings import RankingOptions
    from serving.state import StateHolder

    use_work_dir(work, {"bench": (Role.HR_SYSTEM, KEY)})
    settings = get_settings()
    state = StateHolder(settings).reload(model=True, snapshot=True).state
    export = state.dataset.export_date
    today = export.date() if export is not None else None
    view = state.view(today)
    position_id = json.loads((work / "fixed_cost_position.json").read_text())["position_id"]
    pool = json.loads((work / "fixed_cost_position.json").read_text())["pool"]
    target = position_target(state, position_id)
    body = json.dumps({"k": K, "candidate_nips": pool, "as_of": today.isoformat()})
    options = RankingOptions.model_validate_json(body)
    rows, _ = candidate_rows(view, options.candidate_nips, settings.max_pool_size)
    columns = getattr(view, "candidates", None)  # the rules' columns (issue 16), or the frame
    freezes = getattr(state, "freezes", state.dataset.freeze_periods)
    from features.eligibility import evaluate_eligibility

    def rules() -> Any:
        pool_rows = columns.take(rows) if columns is not None else view.state.iloc[rows]
        return evaluate_eligibility(pool_rows, target.rules, view.as_of, state.rule_set, freezes)

    eligible = rows[rules().eligible]
    features = view.employees.pair_array(target.features, eligible)
    threads = state.predict_threads
    scores = np.asarray(state.regressor.predict(features, num_threads=threads))
    top = np.argsort(-scores)[:K]

    def rank() -> Any:
        return rank_position(
            state, target, options, request_id="bench", today=today, settings=settings
        )

    outcome = rank()
    text = outcome.response.model_dump_json()
    stages = {
        "parse request": timed(lambda: RankingOptions.model_validate_json(body), repeats),
        "candidate lookup": timed(
            lambda: candidate_rows(view, options.candidate_nips, settings.max_pool_size), repeats
        ),
        "eligibility rules": timed(rules, repeats),
        "pair features": timed(
            lambda: view.employees.pair_array(target.features, eligible), repeats
        ),
        "regressor (pool)": timed(
            lambda: state.regressor.predict(features, num_threads=threads), repeats
        ),
        "TreeSHAP (top 10)": timed(
            lambda: explain_rows(state.regressor, features[top], threads), repeats
        ),
        "classifier (top 10)": timed(
            lambda: state.classifier.predict(features[top], num_threads=threads), repeats
        ),
        "rank_position (all of the above but parsing)": timed(rank, repeats),
        "serialise answer": timed(outcome.response.model_dump_json, repeats),
    }
    with tempfile.TemporaryDirectory() as scratch:
        store = AuditStore(f"sqlite:///{Path(scratch) / 'audit.db'}")
        store.create_schema()
        counter = iter(range(10**9))

        def record() -> None:
            store.record(
                AnswerRecord(
                    request_id=f"r{next(counter)}",
                    key_id="bench",
                    role="hr_system",
                    endpoint="rank_position",
                    as_of=outcome.response.as_of,
                    request_json=dumps_request({"position_id": position_id, "body": body}),
                    response_json=text,
                    lineage=outcome.lineage,
                    position_id=position_id,
                    items=outcome.items,
                )
            )

        stages["audit record (alone: one commit)"] = timed(record, repeats)
        stages["audit record (16 at once, per answer)"] = concurrent(record, repeats)
        store.dispose()
    return {"eligible": len(eligible), "stages": stages}


def concurrent(record: Callable[[], None], repeats: int) -> dict[str, float]:
    """Wall milliseconds per answer when ``CONCURRENT`` threads record at once."""
    per_thread = max(2, repeats // CONCURRENT)
    barrier = threading.Barrier(CONCURRENT + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            record()

    threads = [threading.Thread(target=work) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    answers = CONCURRENT * per_thread
    return {"wall_ms": wall / answers * 1000, "cpu_ms": cpu / answers * 1000}


def over_http(work: Path, tree: Path | None, repeats: int) -> dict[str, Any]:
    """One client, one request at a time: /healthz, and the ranking of the measured pool."""
    import httpx
    import numpy as np

    from benchmarks._server import code_env, free_port, running, uvicorn_cmd

    spec = json.loads((work / "fixed_cost_position.json").read_text())
    env, cwd = code_env(dict(os.environ), tree)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    path = f"/v1/positions/{spec['position_id']}/rankings"
    body = {"k": K, "candidate_nips": spec["pool"], "as_of": spec["as_of"]}
    out = {}
    with (
        running(uvicorn_cmd(port), port, "/readyz", env, cwd),
        httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=60) as client,
    ):
        for name, call in (
            ("healthz", lambda: client.get("/healthz")),
            ("ranking", lambda: client.post(path, json=body)),
        ):
            for _ in range(10):
                call().raise_for_status()
            seconds = []
            for _ in range(repeats):
                started = time.perf_counter()
                call()
                seconds.append(time.perf_counter() - started)
            out[name] = float(np.median(seconds) * 1000)
    return out


def prepare(work: Path, employees: int, seed: int) -> None:
    """Province and champion (kept in ``work``), the measured position and pool."""
    import numpy as np

    from benchmarks._server import province_with_champion, use_work_dir
    from benchmarks.serving import busiest_position
    from mutasi.settings import get_settings
    from serving.api.security import Role
    from serving.state import StateHolder

    use_work_dir(work, {"bench": (Role.HR_SYSTEM, KEY)})
    province_with_champion(work, employees, seed)
    spec = work / "fixed_cost_position.json"
    if spec.exists():
        return
    state = StateHolder(get_settings()).reload(model=True, snapshot=True).state
    export = state.dataset.export_date
    today = export.date()
    view = state.view(today)
    rng = np.random.default_rng(seed)
    pool = sorted(rng.choice(view.employees.nips.to_numpy(), POOL, replace=False).tolist())
    position_id = busiest_position(state, today)
    spec.write_text(json.dumps({"position_id": position_id, "pool": pool, "as_of": str(today)}))


def run_checkout(work: Path, tree: Path | None, repeats: int) -> dict[str, Any]:
    """The in-process stages in a subprocess importing ``tree``'s packages, then HTTP."""
    from benchmarks._server import code_env, commit_of

    env, root = code_env(dict(os.environ), tree)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", str(work),
               "--tree", str(root), "--repeats", str(repeats), "--out", out.name]  # fmt: skip
        subprocess.run(cmd, env=env, cwd=root, check=True)
        result = json.loads(Path(out.name).read_text())
    result["http_ms"] = over_http(work, tree, repeats)
    result["commit"] = commit_of(tree)
    return result


def report(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    runs = results["checkouts"]
    table = Table(title=f"Fixed cost of one audited ranking, pool {POOL}, k={K} (median ms)")
    table.add_column("stage")
    for name, run in runs.items():
        table.add_column(f"{name} ({run['commit']}) wall / cpu", justify="right")
    for stage in next(iter(runs.values()))["stages"]:
        cells = []
        for run in runs.values():
            t = run["stages"].get(stage)
            cells.append("" if t is None else f"{t['wall_ms']:.2f} / {t['cpu_ms']:.2f}")
        table.add_row(stage, *cells)
    for key in ("healthz", "ranking"):
        table.add_row(
            f"HTTP {key}, one client", *(f"{r['http_ms'][key]:.2f}" for r in runs.values())
        )
    Console(width=160).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--baseline-tree", type=Path, help="Another checkout, timed too.")
    parser.add_argument("--keep", type=Path, help="Keep the work directory here (for reruns).")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the subprocess
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        sys.path.insert(0, str(args.tree))  # that checkout's packages, benchmarks included
        args.out.write_text(json.dumps(measure(args.measure, args.repeats)))
        return
    sys.path.insert(0, str(CHECKOUT))
    from benchmarks._server import machine

    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-fixed-"))
    prepare(work, args.employees, args.seed)
    checkouts: dict[str, Any] = {}
    if args.baseline_tree is not None:
        checkouts["baseline"] = run_checkout(work, args.baseline_tree, args.repeats)
    checkouts["ours"] = run_checkout(work, None, args.repeats)
    results = {"machine": machine(), "pool": POOL, "k": K, "checkouts": checkouts}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    report(results)
    print(f"Wrote {RESULTS}")
    if args.keep is None:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
