"""The latest monitoring run as the service sees it: ``<monitor_dir>/latest.json`` names it, its
``report.json`` and ``mentoring.json`` hold it (written by ``mutasi monitor``).

Files are re-read only when they change (modification time and size), so every request sees
the newest run without a reload and without parsing a large list each time.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from serving.errors import NotFoundError, ServingError
from serving.schemas.monitoring import MentoringEntry, MentoringList, MonitoringReport

LATEST = "latest.json"
M = TypeVar("M", bound=BaseModel)


class MonitoringReportError(ServingError):
    """The latest monitoring run's files cannot be read (503)."""


@dataclass(frozen=True)
class _Cached:
    stamp: tuple[int, int]
    value: BaseModel


class MonitorRuns:
    """Reader of the newest monitoring run under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._cache: dict[Path, _Cached] = {}
        self._lock = threading.Lock()

    def _run_dir(self) -> Path:
        pointer = self.root / LATEST
        if not pointer.is_file():
            raise NotFoundError(
                f"no monitoring run in {self.root} yet: run `mutasi monitor DATA_DIR` on a newer "
                "export (MUTASI_MONITOR_DIR says where runs go)"
            )
        try:
            report_id = str(json.loads(pointer.read_text(encoding="utf-8"))["report_id"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MonitoringReportError(f"{pointer}: unreadable ({type(exc).__name__})") from exc
        if not report_id or "/" in report_id or "\\" in report_id or report_id.startswith("."):
            raise MonitoringReportError(f"{pointer}: names no run directory ({report_id!r})")
        return self.root / report_id

    def _read(self, path: Path, model: type[M]) -> M:
        try:
            stat = path.stat()
        except OSError as exc:
            raise MonitoringReportError(f"{path}: missing ({exc.strerror})") from exc
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached.stamp == stamp and isinstance(cached.value, model):
                return cached.value
        try:
            value = model.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError) as exc:
            raise MonitoringReportError(f"{path}: not a {model.__name__} ({exc})") from exc
        with self._lock:  # keep the files of this run only: older runs are never read again
            self._cache = {k: v for k, v in self._cache.items() if k.parent == path.parent}
            self._cache[path] = _Cached(stamp, value)
        return value

    def report(self) -> MonitoringReport:
        """The newest report; 404 before the first run."""
        return self._read(self._run_dir() / "report.json", MonitoringReport)

    def mentoring(self) -> MentoringList:
        """The newest mentoring list; 404 before the first run."""
        return self._read(self._run_dir() / "mentoring.json", MentoringList)

    def optional_report(self) -> MonitoringReport | None:
        """The newest report, or None when there is none or it cannot be read (metrics)."""
        try:
            return self.report()
        except ServingError:
            return None


def entry_rows(entries: list[MentoringEntry]) -> list[dict[str, object]]:
    """One flat row per person (flags, trainings and reasons joined), for CSV and Excel."""
    rows = []
    for e in entries:
        row: dict[str, object] = e.model_dump(mode="json", exclude={"reasons", "gaps"})
        row["flags"] = ";".join(e.flags)
        row["trainings"] = " | ".join(g.training_id for g in e.gaps)
        row["reasons"] = " | ".join(r.reason_id for r in e.reasons)
        rows.append(row)
    return rows


ENTRY_COLUMNS: tuple[str, ...] = (
    *(name for name in MentoringEntry.model_fields if name not in ("reasons", "gaps")),
    "trainings",
    "reasons",
)


def mentoring_csv(listing: MentoringList, entries: list[MentoringEntry]) -> tuple[str, str]:
    """``(CSV text, file name)`` of some entries of a list (one row per person)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(ENTRY_COLUMNS))
    writer.writeheader()
    writer.writerows(entry_rows(entries))
    return text.getvalue(), f"daftar_pendampingan_{listing.report_id}.csv"


def filter_entries(
    entries: list[MentoringEntry],
    *,
    unit_id: str | None = None,
    flag: str | None = None,
    nip: str | None = None,
) -> list[MentoringEntry]:
    """Entries of one unit, carrying one flag, or of one person (None: any)."""
    keep: list[Callable[[MentoringEntry], bool]] = []
    if unit_id is not None:
        keep.append(lambda e: e.unit_id == unit_id)
    if flag is not None:
        keep.append(lambda e: flag in e.flags)
    if nip is not None:
        keep.append(lambda e: e.nip == nip)
    return [e for e in entries if all(k(e) for k in keep)]
