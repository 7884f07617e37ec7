"""A throw-away PostgreSQL cluster for the tests: initdb, start, databases, URLs, stop.

Standard library only, so that ``.ci/run`` can start the server with the system Python before
the project's virtualenv exists::

    eval "$(python3 tests/pg_cluster.py start)"   # exports MUTASI_TEST_POSTGRES_URL, ...
    python3 tests/pg_cluster.py stop "$MUTASI_TEST_PG_DIR"

The test session (tests/conftest.py, fixture ``postgres_urls``) uses the same class when no URL
is exported but the server binaries are installed, so ``make test`` on a developer machine runs
the PostgreSQL tests too. ``initdb`` refuses to run as root: as root, the cluster's directory
belongs to the ``postgres`` user and the server runs as that user. The server listens on a
Unix socket in its own directory only (no TCP), on a port of its own, with ``trust``
authentication: a scratch server for tests, never a deployment.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

AUDIT_DB, MLFLOW_DB = "mutasi_audit_test", "mutasi_mlflow_test"
URL_ENV, MLFLOW_URL_ENV, DIR_ENV = (
    "MUTASI_TEST_POSTGRES_URL",
    "MUTASI_TEST_MLFLOW_POSTGRES_URL",
    "MUTASI_TEST_PG_DIR",
)
SUPERUSER = "postgres"


def find_bin_dir() -> Path | None:
    """Directory holding initdb/pg_ctl: PATH first, then Debian's /usr/lib/postgresql/<v>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """The command as the ``postgres`` user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SUPERUSER, "--", *command]
    return ["su", SUPERUSER, "-s", "/bin/sh", "-c", shlex.join(command)]


def url_of(socket_dir: Path, port: int, database: str) -> str:
    """SQLAlchemy URL (psycopg 3) of a database on the cluster's socket."""
    return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={socket_dir}&port={port}"


@dataclass
class Cluster:
    """One running scratch cluster: its directory (data, socket, log) and port."""

    root: Path
    port: int
    bin_dir: Path

    @property
    def data(self) -> Path:
        """The data directory (PGDATA)."""
        return self.root / "data"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.root / "server.log"

    def url(self, database: str = AUDIT_DB) -> str:
        """URL of one of the cluster's databases."""
        return url_of(self.root, self.port, database)

    def env(self) -> dict[str, str]:
        """The variables the tests read."""
        return {
            URL_ENV: self.url(AUDIT_DB),
            MLFLOW_URL_ENV: self.url(MLFLOW_DB),
            DIR_ENV: str(self.root),
        }

    @classmethod
    def start(cls, bin_dir: Path | None = None) -> Cluster:
        """initdb in a new temporary directory, start the server, create the test databases."""
        found = bin_dir or find_bin_dir()
        if found is None:
            raise RuntimeError(
                "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
                "postgresql package or set MUTASI_TEST_POSTGRES_URL"
            )
        root = Path(tempfile.mkdtemp(prefix="mutasi-pg-"))
        root.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(root, SUPERUSER, SUPERUSER)
        cluster = cls(root, _free_port(), found)
        try:
            cluster._run(
                "initdb", "-D", str(cluster.data), "-U", SUPERUSER, "--auth=trust",
                "-E", "UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
            # A scratch server: socket only, its own port; fsync off because nothing here has
            # to survive a power cut (a killed client still tests what the audit chain needs).
            options = f"-k {root} -p {cluster.port} -c listen_addresses='' -c fsync=off"
            cluster._run(
                "pg_ctl", "-D", str(cluster.data), "-l", str(cluster.log), "-o", options,
                "-w", "-t", "120", "start",
            )  # fmt: skip
            for database in (AUDIT_DB, MLFLOW_DB):
                cluster._run(
                    "createdb", "-h", str(root), "-p", str(cluster.port), "-U", SUPERUSER, database
                )
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _run(self, tool: str, *args: str) -> None:
        command = _as_server_user([str(self.bin_dir / tool), *args])
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}\n{log}"
            )

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        stop_cluster(self.root, self.bin_dir)


def stop_cluster(root: Path, bin_dir: Path | None = None) -> None:
    """Stop the cluster living in ``root`` (if running) and remove the directory."""
    found = bin_dir or find_bin_dir()
    data = root / "data"
    if found is not None and (data / "postmaster.pid").exists():
        command = _as_server_user(
            [str(found / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
        )
        subprocess.run(command, capture_output=True, timeout=120, check=False)
    shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    """``start``: print ``export`` lines for a shell; ``stop DIR``: stop and remove it."""
    if argv[:1] == ["start"]:
        cluster = Cluster.start()
        for name, value in cluster.env().items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if argv[:1] == ["stop"] and len(argv) == 2:
        stop_cluster(Path(argv[1]))
        return 0
    print("usage: pg_cluster.py start | stop DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
