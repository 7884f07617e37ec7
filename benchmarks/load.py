"""Benchmark: 50 clients rank positions for 60 s while the model, then the snapshot, is reloaded.

Sets up, in a temporary directory, a generated province of 5,000 employees, two registered
model versions trained on it (v1 is the champion at start) and a second copy of the snapshot
that differs in one employee's name (so it has its own snapshot id). Then, against one uvicorn
worker on 127.0.0.1 (the service as ``mutasi serve`` runs it), in one run:

- ``--clients`` concurrent clients POST ``/v1/positions/{id}/rankings`` (k=10, top 10
  explained, whole pool, as of the server's today) in a loop for ``--duration`` seconds, each
  over a rotating list of active positions;
- at 1/3 of the run the ``@champion`` alias moves to v2 and an admin calls ``/admin/reload``
  (model); at 1/2 an admin reloads the snapshot from the second copy (the rest of the run
  shows where memory settles once the replaced state is freed and the heap trimmed);
- the server's resident memory is read from ``/proc/<pid>/statm`` every second.

Reports, per phase (before, during the model reload, between, during the snapshot reload,
after): requests, failures, throughput, p50/p99 latency and which model/snapshot answered;
memory per phase. A request is "during" a reload when its lifetime overlaps the reload call.
Exit status 1 when any request failed, the answers after a reload do not cite the new
model/snapshot, or memory grew (see ``memory_verdict``).

``--workers N`` serves with N uvicorn workers; then each reload is what docs/operations.md
prescribes for several workers: move the alias (or the served snapshot's symlink) and send
SIGHUP to the supervisor, which replaces its workers one by one ("during" lasts until no old
worker is left); memory is the sum over the supervisor and its workers.

``--baseline-tree DIR`` runs the same scenario, on the same province and models, against
another checkout too (its packages imported by the server instead of this one's), baseline
first, ``--rounds`` times alternating; the table shows both and the throughput ratio.

Bounded: the run stops at ``--duration`` or ``--max-requests``, whichever is first; clients and
duration are capped; the server listens on the loopback interface only. Linux only (``/proc``).

    .venv/bin/python benchmarks/load.py                      # 5,000 employees, 50 clients, 60 s
    .venv/bin/python benchmarks/load.py --keep /tmp/load     # keep province + models for reruns
    git worktree add /tmp/mutasi-base 1b42029                # the code before issue 16
    .venv/bin/python benchmarks/load.py --baseline-tree /tmp/mutasi-base --rounds 2
    .venv/bin/python benchmarks/load.py --workers 2          # two workers, reloads by SIGHUP
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from rich.console import Console
from rich.table import Table
from scipy.stats import theilslopes

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._server import (
    LOOPBACK,
    code_env,
    commit_of,
    free_port,
    machine,
    province_with_champion,
    quantiles,
    replace_workers,
    running,
    set_champion,
    train_version,
    use_work_dir,
    uvicorn_workers_cmd,
    worker_pids,
)
from serving.api.security import Role

RESULTS = Path(__file__).parent / "results" / "load.json"
HR_KEY = "mk_load_benchmark_hr_system"
ADMIN_KEY = "mk_load_benchmark_admin"
MAX_CLIENTS = 200
MAX_DURATION = 600.0
WARMUP_SECONDS = 5.0
# Memory "grew" when the steady state after both reloads sits this far above the one before
# (the service releases a replaced state and trims the heap; what remains is fragmentation),
# or when it still climbs through the last phase.
MAX_GROWTH_MB = 32.0
MAX_SLOPE_MB_PER_S = 0.5
SETTLE_SECONDS = 10.0
PHASES = ("before", "model reload", "between", "snapshot reload", "after")


@dataclass(frozen=True)
class Sample:
    """One ranking request: when it started (s from t0), how long, and who answered."""

    started: float
    seconds: float
    status: int  # 0: no HTTP answer (connection error, timeout)
    model_version: str
    snapshot_id: str
    error: str = ""  # what a request without an HTTP answer met, e.g. "RemoteProtocolError"


@dataclass(frozen=True)
class Reload:
    """One admin reload call, timed from the benchmark's side."""

    kind: str
    started: float
    ended: float
    status: int
    server_seconds: float | None
    detail: str


# ---------------------------------------------------------------------------------------------
# Set-up


def prepare(work: Path, n_employees: int, seed: int) -> tuple[str, str, Path]:
    """Province, champion v1, a registered v2, and the second snapshot; (v1, v2, snapshot B)."""
    use_work_dir(work, {"load-hr": (Role.HR_SYSTEM, HR_KEY), "load-admin": (Role.ADMIN, ADMIN_KEY)})
    marker = work / "versions.json"
    if marker.exists():  # a kept work directory
        v1, v2 = json.loads(marker.read_text())
        set_champion(v1)
        return v1, v2, work / "province_b"
    v1 = province_with_champion(work, n_employees, seed)
    v2 = train_version(work / "province", seed + 1, champion=False)
    second_snapshot(work / "province", work / "province_b")
    marker.write_text(json.dumps([v1, v2]))
    return v1, v2, work / "province_b"


def second_snapshot(source: Path, target: Path) -> None:
    """A copy of the contract files in which one employee's name differs (a new snapshot id)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("_oracle", "_validation"))
    employees = target / "employees.csv"
    header, first, rest = employees.read_text(encoding="utf-8").split("\n", 2)
    nip, remainder = first.split(",", 1)
    employees.write_text(f'{header}\n{nip},"Nama Diperbarui",{_after_name(remainder)}\n{rest}')


def _after_name(remainder: str) -> str:
    """The CSV fields after the (possibly quoted) name field."""
    if remainder.startswith('"'):
        return remainder[remainder.index('"', 1) + 2 :]
    return remainder.split(",", 1)[1]


def active_positions(province: Path, n: int, seed: int) -> list[str]:
    """``n`` active positions, drawn reproducibly, that the clients rotate over."""
    positions = pd.read_csv(province / "positions.csv", dtype=str)
    if "is_active" in positions.columns:
        positions = positions[positions["is_active"].str.lower().isin(["true", "1"])]
    ids = sorted(positions["position_id"])
    return random.Random(seed).sample(ids, min(n, len(ids)))


# ---------------------------------------------------------------------------------------------
# The run


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB, from /proc (Linux); 0 if it has gone."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class MemorySampler(threading.Thread):
    """Reads the server's RSS once a second until stopped: with several workers, the sum over
    the supervisor and its workers."""

    def __init__(self, pid: int, t0: float, workers: int = 1) -> None:
        super().__init__(daemon=True)
        self.pid, self.t0, self.workers = pid, t0, workers
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            pids = [self.pid, *(worker_pids(self.pid) if self.workers > 1 else [])]
            self.samples.append((time.perf_counter() - self.t0, sum(map(rss_mb, pids))))
            self._halt.wait(1.0)

    def stop(self) -> None:
        self._halt.set()
        self.join()


async def client(
    http: httpx.AsyncClient,
    positions: list[str],
    t0: float,
    stop_at: float,
    budget: list[int],
    samples: list[Sample] | None,
) -> None:
    """Rank positions in a loop until ``stop_at`` or the shared request budget runs out."""
    i = random.randrange(len(positions))
    while time.perf_counter() < stop_at and budget[0] > 0:
        budget[0] -= 1
        position = positions[i % len(positions)]
        i += 1
        started = time.perf_counter()
        status, version, snapshot, error = 0, "", "", ""
        try:
            response = await http.post(f"/v1/positions/{position}/rankings", json={"k": 10})
            status = response.status_code
            if status == 200:
                model = response.json()["model"]
                version, snapshot = model["version"], model["snapshot_id"]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:200]
        if samples is not None:
            elapsed = time.perf_counter() - started
            samples.append(Sample(started - t0, elapsed, status, version, snapshot, error))


async def admin_reload(
    http: httpx.AsyncClient, kind: str, body: dict[str, Any], t0: float, before: Any = None
) -> Reload:
    """One ``/admin/reload`` call (after ``before()``, run off the event loop)."""
    started = time.perf_counter() - t0
    if before is not None:
        await asyncio.to_thread(before)
    response = await http.post("/v1/admin/reload", json=body, timeout=600)
    ended = time.perf_counter() - t0
    payload = response.json()
    seconds = payload.get("seconds") if response.status_code == 200 else None
    detail = "" if response.status_code == 200 else json.dumps(payload)[:300]
    return Reload(kind, started, ended, response.status_code, seconds, detail)


async def rolling_restart(
    server: subprocess.Popen[bytes], kind: str, t0: float, before: Any, workers: int
) -> Reload:
    """Reload several workers the way docs/operations.md says: ``before()`` (move the alias,
    or the served snapshot's symlink), then SIGHUP to the supervisor, which replaces its
    workers one by one; done when none of the old workers is left and all new ones run."""
    started = time.perf_counter() - t0
    await asyncio.to_thread(before)
    replaced = await asyncio.to_thread(replace_workers, server.pid, workers, 600)
    ended = time.perf_counter() - t0
    if replaced:
        return Reload(kind, started, ended, 200, round(ended - started, 3), "SIGHUP")
    return Reload(kind, started, ended, 0, None, "restart timed out")


async def drive(
    url: str,
    positions: list[str],
    args: argparse.Namespace,
    v2: str,
    snapshot_b: Path,
    server: subprocess.Popen[bytes],
    served: Path,
) -> tuple[list[Sample], list[Reload], float]:
    """Warm up, then the measured run with the two reloads; (samples, reloads, t0)."""
    limits = httpx.Limits(max_connections=args.clients + 2, max_keepalive_connections=args.clients)
    hr = httpx.AsyncClient(base_url=url, headers={"X-API-Key": HR_KEY}, timeout=120, limits=limits)
    admin = httpx.AsyncClient(base_url=url, headers={"X-API-Key": ADMIN_KEY}, timeout=600)
    n = args.clients
    async with hr, admin:
        warm_budget = [args.max_requests]
        warm_until = time.perf_counter() + WARMUP_SECONDS
        warmers = (client(hr, positions, 0.0, warm_until, warm_budget, None) for _ in range(n))
        await asyncio.gather(*warmers)
        samples: list[Sample] = []
        budget = [args.max_requests]
        t0 = time.perf_counter()
        stop_at = t0 + args.duration

        async def reloads() -> list[Reload]:
            await asyncio.sleep(args.duration / 3)
            if args.workers > 1:  # several workers: a rolling restart, not /admin/reload
                model = await rolling_restart(
                    server, "model", t0, lambda: set_champion(v2), args.workers
                )
            else:
                model = await admin_reload(
                    admin, "model", {"model": True}, t0, before=lambda: set_champion(v2)
                )
            await asyncio.sleep(max(0.0, t0 + args.duration / 2 - time.perf_counter()))
            if args.workers > 1:
                snapshot = await rolling_restart(
                    server, "snapshot", t0, lambda: point(served, snapshot_b), args.workers
                )
            else:
                body = {"model": False, "snapshot": True, "data_dir": str(snapshot_b)}
                snapshot = await admin_reload(admin, "snapshot", body, t0)
            return [model, snapshot]

        clients = [client(hr, positions, t0, stop_at, budget, samples) for _ in range(n)]
        done = await asyncio.gather(reloads(), *clients)
    return samples, done[0], t0


# ---------------------------------------------------------------------------------------------
# Reading the run


def phase_of(started: float, seconds: float, reloads: list[Reload]) -> str:
    """Which phase a request (or a memory sample, ``seconds=0``) belongs to."""
    model, snapshot = reloads
    ended = started + seconds
    if started < model.ended and ended > model.started:
        return "model reload"
    if started < snapshot.ended and ended > snapshot.started:
        return "snapshot reload"
    if ended <= model.started:
        return "before"
    return "between" if ended <= snapshot.started else "after"


def summarise(samples: list[Sample], reloads: list[Reload], duration: float) -> dict[str, Any]:
    """Per-phase latency, failures and who answered."""
    bounds = {
        "before": (0.0, reloads[0].started),
        "model reload": (reloads[0].started, reloads[0].ended),
        "between": (reloads[0].ended, reloads[1].started),
        "snapshot reload": (reloads[1].started, reloads[1].ended),
        "after": (reloads[1].ended, duration),
    }
    out: dict[str, Any] = {}
    for phase in PHASES:
        rows = [s for s in samples if phase_of(s.started, s.seconds, reloads) == phase]
        ok = [s for s in rows if s.status == 200]
        window = max(bounds[phase][1] - bounds[phase][0], 1e-9)
        out[phase] = {
            "window_s": window,
            "requests": len(rows),
            "failed": len(rows) - len(ok),
            "failed_statuses": sorted({s.status for s in rows if s.status != 200}),
            # When and why (first 5): a transport error has no status to tell it.
            "failures": [
                {"started_s": round(s.started, 3), "status": s.status, "error": s.error}
                for s in rows
                if s.status != 200
            ][:5],
            "throughput_rps": len(ok) / window if phase in ("before", "between", "after") else None,
            **quantiles([s.seconds for s in ok]),
            "answered_by": sorted({f"v{s.model_version} / {s.snapshot_id[:12]}" for s in ok}),
        }
    return out


def memory_verdict(rss: list[tuple[float, float]], reloads: list[Reload]) -> dict[str, Any]:
    """RSS per phase, and whether it grew.

    "Grew" compares settled levels, not the reload itself (for a moment two states are held,
    and right after the heap trim the request threads' working memory comes back): the median
    of the last SETTLE_SECONDS of the run against the same window just before the first reload
    (more than MAX_GROWTH_MB), or a climb through the last SETTLE_SECONDS (a slope over
    MAX_SLOPE_MB_PER_S).
    """
    per_phase = {p: [mb for t, mb in rss if phase_of(t, 0.0, reloads) == p] for p in PHASES}
    stats = {
        p: {"min_mb": min(v), "median_mb": statistics.median(v), "max_mb": max(v), "n": len(v)}
        for p, v in per_phase.items()
        if v
    }
    first_reload, end = reloads[0].started, rss[-1][0]
    before = [(t, mb) for t, mb in rss if first_reload - SETTLE_SECONDS <= t < first_reload]
    last = [(t, mb) for t, mb in rss if t >= end - SETTLE_SECONDS and t > reloads[1].ended]
    # Theil-Sen (the median of pairwise slopes), not least squares: one allocator step of a few
    # MB in the window's last seconds is not a climb, and least squares called it 0.7 MB/s.
    slope = (
        float(theilslopes([mb for _, mb in last], [t for t, _ in last])[0])
        if len(last) >= 5
        else float("nan")
    )
    settled_before = statistics.median(mb for _, mb in before) if before else float("nan")
    settled_end = statistics.median(mb for _, mb in last) if last else float("nan")
    growth = settled_end - settled_before
    return {
        "per_phase": stats,
        "start_mb": rss[0][1],
        "end_mb": rss[-1][1],
        "peak_mb": max(mb for _, mb in rss),
        "settled_before_mb": settled_before,
        "settled_end_mb": settled_end,
        "growth_mb": growth,
        "slope_end_mb_per_s": slope,
        "grew": not (growth <= MAX_GROWTH_MB and abs(slope) <= MAX_SLOPE_MB_PER_S),
        "limits": {
            "growth_mb": MAX_GROWTH_MB,
            "slope_mb_per_s": MAX_SLOPE_MB_PER_S,
            "settle_s": SETTLE_SECONDS,
        },
    }


def swapped(phases: dict[str, Any], v1: str, v2: str) -> bool:
    """Before: v1 only; after: v2 on the new snapshot only."""
    before = phases["before"]["answered_by"]
    after = phases["after"]["answered_by"]
    between = phases["between"]["answered_by"]
    return (
        len(before) == 1
        and before[0].startswith(f"v{v1} /")
        and len(between) == 1
        and between[0].startswith(f"v{v2} /")
        and len(after) == 1
        and after[0].startswith(f"v{v2} /")
        and after[0] != between[0]
    )


def point(link: Path, target: Path) -> None:
    """Make ``link`` a symlink to ``target``, atomically (the served snapshot directory)."""
    tmp = link.with_name(link.name + ".new")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target.resolve(), target_is_directory=True)
    os.replace(tmp, link)


def run_once(
    args: argparse.Namespace,
    work: Path,
    positions: list[str],
    versions: tuple[str, str],
    tree: Path | None,
) -> dict[str, Any]:
    """One measured run against the code in ``tree`` (None: this checkout): serve v1 on the
    first snapshot, load it, reload model and snapshot; the run's results."""
    v1, v2 = versions
    set_champion(v1)
    served = work / "served"  # what MUTASI_DATA_DIR names; a restart re-reads it
    point(served, work / "province")
    env, cwd = code_env({**os.environ, "MUTASI_DATA_DIR": str(served)}, tree)
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    cmd = uvicorn_workers_cmd(port, args.workers)
    with running(cmd, port, "/readyz", env, cwd) as server:
        sampler = MemorySampler(server.pid, time.perf_counter(), args.workers)
        sampler.start()
        samples, reloads, t0 = asyncio.run(
            drive(url, positions, args, v2, work / "province_b", server, served)
        )
        sampler.stop()
    rss = [(t - (t0 - sampler.t0), mb) for t, mb in sampler.samples]
    rss = [(t, mb) for t, mb in rss if t >= 0]  # the warm-up is not part of the run
    phases = summarise(samples, reloads, args.duration)
    ok = sum(1 for s in samples if s.status == 200)
    return {
        "code": "this checkout" if tree is None else str(tree),
        "commit": commit_of(tree),
        "workers": args.workers,
        "requests": len(samples),
        "failed": sum(p["failed"] for p in phases.values()),
        "throughput_rps": ok / args.duration,
        "phases": phases,
        "reloads": [asdict(r) for r in reloads],
        "memory": memory_verdict(rss, reloads),
        "rss_samples": [[round(t, 2), round(mb, 1)] for t, mb in rss],
        "swapped": swapped(phases, v1, v2),
    }


def passed(run: dict[str, Any]) -> bool:
    """No failed request, both reloads done and in effect, memory flat."""
    reloads_ok = all(r["status"] == 200 for r in run["reloads"])
    return not run["failed"] and reloads_ok and run["swapped"] and not run["memory"]["grew"]


def report(results: dict[str, Any]) -> None:
    """Per run: the phase table and the memory line; then baseline against this checkout."""
    console = Console(width=150)
    for run in results["runs"]:
        report_run(console, results, run)
    if results.get("speedup") is not None:
        console.print(
            f"throughput, this checkout / baseline (median over rounds): {results['speedup']:.2f}x"
        )


def report_run(console: Console, results: dict[str, Any], run: dict[str, Any]) -> None:
    """The phase table and the memory table of one run."""
    title = (
        f"{results['clients']} clients ranking for {results['duration_s']:.0f} s: "
        f"{run['code']} ({run['commit']}), {run['workers']} worker(s), "
        f"{run['throughput_rps']:.1f} req/s"
    )
    table = Table(title=title)
    for col in ("phase", "window s", "requests", "failed", "rps", "p50 ms", "p99 ms",
                "answered by (model / snapshot)", "RSS median / max MB"):  # fmt: skip
        table.add_column(col, justify="left" if col.startswith(("phase", "answered")) else "right")
    memory = run["memory"]["per_phase"]
    for phase in PHASES:
        r = run["phases"][phase]
        m = memory.get(phase)
        rps = r["throughput_rps"]
        table.add_row(
            phase,
            f"{r['window_s']:.1f}",
            f"{r['requests']:,}",
            str(r["failed"]),
            "" if rps is None else f"{rps:.1f}",
            f"{r['median_ms']:.0f}",
            f"{r['p99_ms']:.0f}",
            ", ".join(r["answered_by"]),
            "" if m is None else f"{m['median_mb']:.0f} / {m['max_mb']:.0f}",
        )
    console.print(table)
    for r in run["reloads"]:
        took = f"{r['ended'] - r['started']:.1f} s (server {r['server_seconds']} s)"
        console.print(f"{r['kind']} reload at {r['started']:.1f} s: HTTP {r['status']}, {took}")
    mem = run["memory"]
    console.print(
        f"RSS start {mem['start_mb']:.0f} MB, peak {mem['peak_mb']:.0f}, end {mem['end_mb']:.0f}; "
        f"settled {mem['settled_before_mb']:.0f} -> {mem['settled_end_mb']:.0f} MB "
        f"({mem['growth_mb']:+.0f}), slope over the last {SETTLE_SECONDS:.0f} s "
        f"{mem['slope_end_mb_per_s']:+.2f} MB/s -> {'GREW' if mem['grew'] else 'no growth'}"
    )
    console.print(
        f"failed requests: {run['failed']} of {run['requests']:,}; "
        f"reloads took effect: {run['swapped']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="Measured seconds.")
    parser.add_argument("--max-requests", type=int, default=100_000, help="Stop after these.")
    parser.add_argument("--positions", type=int, default=64, help="Positions clients rotate over.")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes.")
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        help="Another checkout (e.g. `git worktree add /tmp/mutasi-base 1b42029`) to run the same "
        "load against, alternating with this one, on the same province and models.",
    )
    parser.add_argument("--rounds", type=int, default=1, help="Runs of each code, alternating.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Keep the work directory here (for reruns).")
    args = parser.parse_args()
    if not (1 <= args.clients <= MAX_CLIENTS and 6 <= args.duration <= MAX_DURATION):
        parser.error(f"--clients must be 1..{MAX_CLIENTS}, --duration 6..{MAX_DURATION:.0f} s")
    if not 1 <= args.workers <= 16 or not 1 <= args.rounds <= 5:
        parser.error("--workers must be 1..16, --rounds 1..5")
    if args.baseline_tree and not (args.baseline_tree / "serving" / "api" / "app.py").exists():
        parser.error(f"--baseline-tree {args.baseline_tree}: not a Mutasi checkout")
    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-load-"))
    console = Console()
    try:
        console.print(f"Generating {args.employees:,} employees, training two models in {work} ...")
        started = time.perf_counter()
        v1, v2, _ = prepare(work, args.employees, args.seed)
        setup_seconds = time.perf_counter() - started
        positions = active_positions(work / "province", args.positions, args.seed)
        trees: list[Path | None] = (
            [None] if args.baseline_tree is None else [args.baseline_tree, None]
        )
        runs: list[dict[str, Any]] = []
        for round_ in range(args.rounds):
            for tree in trees:
                name = "this checkout" if tree is None else str(tree)
                console.print(f"Round {round_ + 1}: {name}, {args.workers} worker(s) ...")
                runs.append(run_once(args, work, positions, (v1, v2), tree))
        results: dict[str, Any] = {
            "machine": machine(),
            "employees": args.employees,
            "clients": args.clients,
            "duration_s": args.duration,
            "positions": len(positions),
            "setup_seconds": setup_seconds,
            "models": {"before": v1, "after": v2},
            "runs": runs,
            "speedup": speedup(runs),
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
        report(results)
        console.print(f"Wrote {RESULTS}")
        # The baseline is measured, not judged: only this checkout's runs decide the exit code.
        if not all(passed(run) for run in runs if run["code"] == "this checkout"):
            raise SystemExit(1)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def speedup(runs: list[dict[str, Any]]) -> float | None:
    """Median throughput of this checkout's runs over the baseline's (None without one)."""
    ours = [r["throughput_rps"] for r in runs if r["code"] == "this checkout"]
    base = [r["throughput_rps"] for r in runs if r["code"] != "this checkout"]
    if not ours or not base:
        return None
    return float(statistics.median(ours) / statistics.median(base))


if __name__ == "__main__":
    main()
