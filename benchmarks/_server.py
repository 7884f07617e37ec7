"""What the HTTP benchmarks share: a province with a champion, a server subprocess, quantiles.

Not a benchmark itself (the leading underscore keeps ``make bench`` from running it).
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from features.synth import generate_province
from mutasi.settings import get_settings
from serving.api.security import Role, key_line
from training import tracking
from training.fitting import TrainConfig
from training.train import train

PYTHON = sys.executable
CHECKOUT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"


def quantiles(seconds: Sequence[float]) -> dict[str, float]:
    """Median and p99 in milliseconds, and the count (NaN when there is nothing to measure)."""
    if len(seconds) == 0:
        return {"median_ms": float("nan"), "p99_ms": float("nan"), "n": 0}
    ms = np.asarray(seconds) * 1000
    return {
        "median_ms": float(np.median(ms)),
        "p99_ms": float(np.percentile(ms, 99)),
        "n": len(ms),
    }


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def use_work_dir(work: Path, keys: dict[str, tuple[Role, str]], **extra: str) -> None:
    """Point the settings (environment) at ``work``: var dir, province, API keys."""
    lines = [key_line(key_id, role, secret) for key_id, (role, secret) in keys.items()]
    os.environ.update(
        {
            "MUTASI_VAR_DIR": str(work / "var"),
            "MUTASI_DATA_DIR": str(work / "province"),
            "MUTASI_API_KEYS": json.dumps(lines),
            **extra,
        }
    )
    os.environ.pop("MUTASI_MLFLOW_TRACKING_URI", None)
    get_settings.cache_clear()


def province_with_champion(work: Path, n_employees: int, seed: int) -> str:
    """Generate ``work/province`` and train + promote a champion on it; its version.

    A work directory kept from an earlier run (``--keep``) is reused as it is.
    """
    if (work / "var" / "mlflow.db").exists():
        settings = get_settings()
        client = tracking.configure(settings)
        version = client.get_model_version_by_alias(settings.model_name, tracking.CHAMPION)
        return str(version.version)
    generate_province(
        preset="gorontalo", seed=seed, n_employees=n_employees, out_dir=work / "province"
    )
    return train_version(work / "province", seed, champion=True)


def train_version(province: Path, seed: int, champion: bool) -> str:
    """Train and register a model on ``province``; optionally make it the champion."""
    result = train(province, TrainConfig(seed=seed))
    assert result.model_version is not None
    if champion:
        set_champion(result.model_version)
    return result.model_version


def set_champion(version: str) -> None:
    """Point the ``@champion`` alias at ``version``."""
    settings = get_settings()
    client = tracking.configure(settings)
    tracking.set_alias(client, settings.model_name, tracking.CHAMPION, version)


@contextmanager
def running(
    cmd: list[str], port: int, ready_path: str, env: dict[str, str], cwd: Path | None = None
) -> Iterator[Any]:
    """A server subprocess on 127.0.0.1:port, stopped (by its pid) on exit; yields the Popen.

    ``python -m`` puts the working directory first on ``sys.path``: ``cwd`` (default: this
    checkout) decides which checkout's packages the server imports.
    """
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd or CHECKOUT
        )
        try:
            wait_ready(proc, log, f"http://{LOOPBACK}:{port}", ready_path, cmd)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_ready(proc: subprocess.Popen, log: Any, url: str, ready_path: str, cmd: list[str]) -> None:
    """Poll until the server answers ``ready_path`` with 200 (or fail with its log)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{cmd[2]} exited: {log.read().decode()[-2000:]}")
        try:
            if httpx.get(url + ready_path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{cmd} did not become ready in 300 s")


def uvicorn_cmd(port: int) -> list[str]:
    """The service as ``mutasi serve`` runs it: one uvicorn worker on the loopback interface."""
    keep_alive = str(get_settings().keep_alive_seconds)  # as `mutasi serve` passes it
    return [PYTHON, "-m", "uvicorn", "serving.api.app:create_app", "--factory",
            "--host", LOOPBACK, "--port", str(port), "--log-level", "warning",
            "--timeout-keep-alive", keep_alive]  # fmt: skip


def worker_pids(pid: int) -> list[int]:
    """The uvicorn worker processes of a supervisor ``pid`` (``--workers`` > 1), from /proc;
    multiprocessing's resource tracker, also a child, is not a worker."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = []
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if b"resource_tracker" not in cmdline:
            workers.append(int(child))
    return workers


def replace_workers(pid: int, workers: int, timeout: float, poll: float = 0.2) -> bool:
    """SIGHUP to the uvicorn supervisor ``pid``; True once none of its old workers is left and
    ``workers`` new ones run, False if that has not happened within ``timeout`` seconds."""
    old = set(worker_pids(pid))
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(poll)
        now = set(worker_pids(pid))
        if not now & old and len(now) == workers:
            return True
    return False


def uvicorn_workers_cmd(port: int, workers: int) -> list[str]:
    """:func:`uvicorn_cmd` with ``workers`` processes (one loads nothing more than the other)."""
    if workers == 1:
        return uvicorn_cmd(port)
    # As `mutasi serve` does: a new worker loading its state under load needs more than 5 s.
    wait = str(get_settings().worker_start_seconds)
    return [*uvicorn_cmd(port), "--workers", str(workers), "--timeout-worker-healthcheck", wait]


def code_env(env: dict[str, str], tree: Path | None) -> tuple[dict[str, str], Path]:
    """Environment and working directory that make a server import ``tree``'s packages (None:
    this checkout's)."""
    if tree is None:
        return env, CHECKOUT
    return {**env, "PYTHONPATH": str(tree.resolve())}, tree.resolve()


def commit_of(tree: Path | None) -> str:
    """The short commit of a checkout (None: this one), 'unknown' outside git."""
    done = subprocess.run(
        ["git", "-C", str(tree or CHECKOUT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def machine() -> dict[str, Any]:
    """What the results were measured on, including how busy it was (the machine is shared)."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
