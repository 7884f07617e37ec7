"""What the monitoring page shows: the latest report, the drift rows worth reading first, and
the first entries of the mentoring list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from serving.domain.monitor_runs import MonitorRuns, mentoring_csv
from serving.errors import NotFoundError
from serving.schemas.monitoring import DriftColumn, MentoringEntry, MonitoringReport


@dataclass(frozen=True)
class MonitoringPage:
    """The page's data (``report`` None: no run yet)."""

    report: MonitoringReport | None
    entries: list[MentoringEntry]
    drift_rows: list[DriftColumn]
    basis_text: str
    served_snapshot: str | None

    def context(self) -> dict[str, Any]:
        """Template variables."""
        return {
            "report": self.report,
            "entries": self.entries,
            "drift_rows": self.drift_rows,
            "basis_text": self.basis_text,
            "served_snapshot": self.served_snapshot,
        }


def _drift_order(column: DriftColumn) -> tuple[int, float]:
    """Shifted columns first, then by PSI."""
    return (0 if column.shifted and column.used else 1, -(column.psi or 0.0))


def monitoring_page(runs: MonitorRuns, served_snapshot: str | None, limit: int) -> MonitoringPage:
    """The latest run's page data (an empty page before the first run)."""
    try:
        report = runs.report()
        listing = runs.mentoring()
    except NotFoundError:
        return MonitoringPage(None, [], [], "", served_snapshot)
    by_basis = report.reconciliation.by_basis
    basis = ", ".join(f"{name} {n}" for name, n in by_basis.items() if n) or "-"
    rows = sorted(report.drift.columns, key=_drift_order)
    return MonitoringPage(report, listing.entries[:limit], rows, basis, served_snapshot)


def mentoring_csv_text(runs: MonitorRuns) -> tuple[str, str]:
    """The whole latest list as CSV and its file name."""
    listing = runs.mentoring()
    return mentoring_csv(listing, listing.entries)
