"""The validation report: issue rows, per-table counts, rejected rows, and their files on disk.

Every finding is one issue row (table, row, column, rule, value, message, severity). Severity
``error`` rejects the row, ``warning`` keeps it but flags it, ``info`` describes the dataset
(missing optional tables, extra or absent optional columns). ``row`` is the 1-based data row
number of the source file, NA for table-level findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.contract import CONTRACT_VERSION, REQUIRED_TABLES, Dataset, Table

ERROR = "error"
WARNING = "warning"
INFO = "info"
CASCADE = "cascade"
ISSUE_COLUMNS: tuple[str, ...] = ("table", "row", "column", "rule", "value", "message", "severity")
COUNT_COLUMNS: tuple[str, ...] = ("read", "accepted", "rejected", "cascaded", "warnings")

# Which feature groups lose their input when an optional table is absent (they become missing).
DEGRADED_FEATURES: dict[Table, str] = {
    Table.RANK_HISTORY: "grade-as-of features",
    Table.EDUCATION_HISTORY: "education-as-of features",
    Table.COMPETENCY_ASSESSMENTS: "competency features",
    Table.PREFERENCES: "preference features",
    Table.FREEZE_PERIODS: "freeze eligibility rule",
}


def issues_frame(
    *,
    table: object = None,
    rows: Any = (),
    column: object = None,
    rule: object = None,
    value: object = None,
    message: object = None,
    severity: object = None,
) -> pd.DataFrame:
    """Issue rows; each field is a scalar (same for every row) or one value per row."""
    if len(rows) == 0:  # the common case for most rules: skip building columns
        return _EMPTY_ISSUES.copy()
    index = pd.RangeIndex(len(rows))
    fields = {"table": table, "column": column, "rule": rule, "value": value}
    frame = pd.DataFrame({name: _broadcast(v, index) for name, v in fields.items()}, index=index)
    frame.insert(1, "row", pd.array(rows, dtype="Int64"))
    frame["message"] = _broadcast(message, index)
    frame["severity"] = _broadcast(severity, index)
    return frame[list(ISSUE_COLUMNS)]


_EMPTY_ISSUES = pd.DataFrame(
    {name: pd.Series(dtype="Int64" if name == "row" else "str") for name in ISSUE_COLUMNS}
)


def table_issue(
    table: Table, column: str | None, rule: str, message: str, severity: str
) -> pd.DataFrame:
    """One table-level issue (no row)."""
    return issues_frame(
        table=table.value, rows=[None], column=column, rule=rule, message=message, severity=severity
    )


def _broadcast(value: object, index: pd.RangeIndex) -> pd.Series:
    if value is None or np.isscalar(value):
        return pd.Series(value, index=index, dtype="str")
    return pd.Series(np.asarray(value, dtype=object), index=index).astype("str")


def concat_issues(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """All issues in report order: by contract table order, table-level first, then by row."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return issues_frame()
    issues = pd.concat(parts, ignore_index=True)
    order = {t.value: i for i, t in enumerate(Table)}
    issues = issues.assign(_t=issues["table"].map(order)).sort_values(
        ["_t", "row"], na_position="first", kind="stable"
    )
    return issues.drop(columns="_t").reset_index(drop=True)


@dataclass
class ValidationResult:
    """What validation found, and the dataset of accepted rows."""

    dataset: Dataset
    issues: pd.DataFrame
    counts: pd.DataFrame  # index: table; columns: COUNT_COLUMNS
    rejected: dict[Table, pd.DataFrame]  # raw rejected rows plus _row and _reasons
    files: dict[Table, Path] = field(default_factory=dict)
    export_date_source: str = "data"  # "as_of", "manifest" or "data"

    @property
    def missing_optional_tables(self) -> list[Table]:
        """Optional tables the directory does not provide."""
        return self.dataset.missing_optional_tables()

    @property
    def degraded_features(self) -> dict[Table, str]:
        """Feature groups that become missing because their optional table is absent."""
        return {t: DEGRADED_FEATURES[t] for t in self.missing_optional_tables}

    @property
    def n_rejected(self) -> int:
        """Rows rejected in all tables."""
        return int(self.counts["rejected"].sum())

    @property
    def emptied_tables(self) -> list[Table]:
        """Required tables that had rows and kept none: nothing downstream can use them."""
        counts = self.counts
        emptied = counts.index[(counts["read"] > 0) & (counts["accepted"] == 0)]
        return [t for t in REQUIRED_TABLES if t.value in emptied]

    def rejection_summary(self) -> str:
        """One line: rejected rows per table."""
        parts = [f"{t} {n}" for t, n in self.counts["rejected"].items() if n]
        return f"{self.n_rejected} rows rejected ({', '.join(parts) or 'none'})"

    def summary(self) -> dict[str, Any]:
        """The machine-readable summary written to report.json."""
        errors = self.issues[self.issues["severity"] != INFO]
        by_rule = errors.groupby(["table", "rule", "severity"], sort=False).size().rename("count")
        export = self.dataset.export_date
        return {
            "contract_version": CONTRACT_VERSION,
            "snapshot_id": self.dataset.snapshot_id,
            "export_date": None if export is None else export.date().isoformat(),
            "export_date_source": self.export_date_source,
            "ok": self.n_rejected == 0,
            "tables": {
                table: {"file": str(self.files.get(Table(str(table)), "")), **_ints(row)}
                for table, row in self.counts.iterrows()
            },
            "missing_optional_tables": [t.value for t in self.missing_optional_tables],
            "degraded_features": {t.value: f for t, f in self.degraded_features.items()},
            "issues_by_rule": by_rule.reset_index().to_dict(orient="records"),
        }

    def write(self, out_dir: Path) -> list[Path]:
        """Write report.csv (every issue), report.json (summary), rejected/<table>.csv."""
        out_dir = Path(out_dir)
        rejected_dir = out_dir / "rejected"
        rejected_dir.mkdir(parents=True, exist_ok=True)
        for table in Table:  # a previous run's files would claim rows that are now fine
            (rejected_dir / f"{table.value}.csv").unlink(missing_ok=True)
        written = [out_dir / "report.csv", out_dir / "report.json"]
        self.issues.to_csv(written[0], index=False)
        written[1].write_text(json.dumps(self.summary(), indent=2, default=str) + "\n")
        for table, rows in self.rejected.items():
            if len(rows):
                path = rejected_dir / f"{table.value}.csv"
                rows.to_csv(path, index=False)
                written.append(path)
        return written


def _ints(row: pd.Series) -> dict[str, int]:
    return {str(name): int(v) for name, v in row.items()}
