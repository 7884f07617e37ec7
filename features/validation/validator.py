"""Validation of raw contract tables: every check, the cascade, counts and the typed Dataset."""

from __future__ import annotations

import pandas as pd

from features.contract import (
    COLUMNS,
    MAX_CELL_LENGTH,
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    Dataset,
    Table,
)
from features.table_files import RawTables
from features.validation.keys import (
    Rejected,
    cascade,
    duplicate_keys,
    duplicate_rows,
    missing_references,
)
from features.validation.parsing import parse_frame, typed_frame
from features.validation.report import (
    CASCADE,
    COUNT_COLUMNS,
    DEGRADED_FEATURES,
    ERROR,
    INFO,
    WARNING,
    ValidationResult,
    concat_issues,
    table_issue,
)
from features.validation.rules import check_rows
from features.validation.shape import (
    extra_field_issues,
    mask_too_long,
    too_long_cells,
    too_long_issues,
    without_masked_required,
)
from features.validation.table_schemas import REQUIRED, check_cells

Frames = dict[Table, pd.DataFrame]
# Dates that may lie after the export (sanctions and moratoria end in the future): they must
# not define the export date when the manifest does not give one.
FORWARD_LOOKING_DATES: frozenset[tuple[Table, str]] = frozenset(
    {
        (Table.EMPLOYEES, "discipline_until"),
        (Table.FREEZE_PERIODS, "start_date"),
        (Table.FREEZE_PERIODS, "end_date"),
    }
)


def validate_tables(
    raw: RawTables, *, as_of: pd.Timestamp | None = None, max_cell_length: int = MAX_CELL_LENGTH
) -> ValidationResult:
    """Check every table, reject bad rows and their dependants, and type the accepted rows.

    The export date bounding "future" checks is ``as_of`` if given, else the manifest's
    ``exported_at``, else the latest past-event date in the data. A cell longer than
    ``max_cell_length`` characters rejects its row (callers pass ``MUTASI_MAX_CELL_LENGTH``).
    """
    long = too_long_cells(raw.tables, max_cell_length)
    too_long = too_long_issues(raw.tables, long, max_cell_length)
    tables = mask_too_long(raw.tables, long)
    parsed = {table: parse_frame(table, frame) for table, frame in tables.items()}
    export_date, source = _export_date(raw, parsed, as_of)
    export_year = None if export_date is None else export_date.year
    cells = concat_issues([check_cells(t, frame, export_year) for t, frame in tables.items()])
    found = concat_issues(
        [
            _dataset_issues(raw),
            too_long,
            extra_field_issues(raw.surplus_fields),
            without_masked_required(cells, too_long, REQUIRED),
            check_rows(parsed, tables, export_date),
            duplicate_keys(tables),
            duplicate_rows(tables),
            missing_references(tables),
        ]
    )
    cascaded, rejected = cascade(tables, _rejected_rows(found, tables))
    issues = concat_issues([found, cascaded])
    dataset = Dataset(
        **{t.value: typed_frame(t, parsed[t][~rejected[t]]) for t in parsed},
        export_date=export_date,
        manifest=raw.manifest,
        snapshot_id=raw.snapshot_id,
    )
    return ValidationResult(
        dataset=dataset,
        issues=issues,
        counts=_counts(tables, rejected, issues),
        rejected={t: _rejected_frame(t, raw.tables[t], rejected[t], issues) for t in raw.tables},
        files=dict(raw.files),
        export_date_source=source,
    )


def _export_date(
    raw: RawTables, parsed: Frames, as_of: pd.Timestamp | None
) -> tuple[pd.Timestamp | None, str]:
    if as_of is not None:
        return pd.Timestamp(as_of).normalize().as_unit("ns"), "as_of"
    if raw.exported_at is not None:
        return raw.exported_at, "manifest"
    latest = [
        parsed[table][col.name].max()
        for table in parsed
        for col in COLUMNS[table]
        if col.kind == "date" and (table, col.name) not in FORWARD_LOOKING_DATES
    ]
    known = [d for d in latest if pd.notna(d)]
    return (max(known), "data") if known else (None, "data")


def _dataset_issues(raw: RawTables) -> pd.DataFrame:
    """Table-level findings: absent optional tables, extra or absent columns, empty tables."""
    parts = [
        table_issue(
            table,
            None,
            "missing_optional_table",
            f"optional table not provided; {DEGRADED_FEATURES[table]} become missing",
            INFO,
        )
        for table in OPTIONAL_TABLES
        if table not in raw.tables
    ]
    for table in raw.tables:
        parts += [
            table_issue(table, name, "unknown_column", "not in the contract; ignored", INFO)
            for name in raw.extra_columns.get(table, ())
        ]
        parts += [
            table_issue(table, name, "absent_column", "optional column not in the file", INFO)
            for name in raw.absent_columns.get(table, ())
        ]
        if table in REQUIRED_TABLES and raw.tables[table].empty:
            parts.append(table_issue(table, None, "empty_table", "table has no rows", WARNING))
    return concat_issues(parts)


def _rejected_rows(issues: pd.DataFrame, raw: Frames) -> Rejected:
    """Per table, which rows have at least one error."""
    errors = issues[(issues["severity"] == ERROR) & issues["row"].notna()]
    return {
        table: pd.Series(
            frame.index.isin(errors.loc[errors["table"] == table.value, "row"].to_numpy("int64")),
            index=frame.index,
        )
        for table, frame in raw.items()
    }


def _counts(raw: Frames, rejected: Rejected, issues: pd.DataFrame) -> pd.DataFrame:
    """read = accepted + rejected per table; cascaded rows are the rejected ones with no error
    of their own (cascade only ever adds rows that were otherwise accepted)."""
    cascaded = issues[issues["rule"] == CASCADE].groupby("table")["row"].nunique()
    warnings = issues[issues["severity"] == WARNING].groupby("table").size()
    counts = pd.DataFrame(
        {
            "read": {t.value: len(f) for t, f in raw.items()},
            "accepted": {t.value: int((~rejected[t]).sum()) for t in raw},
            "rejected": {t.value: int(rejected[t].sum()) for t in raw},
        }
    )
    counts["cascaded"] = cascaded.reindex(counts.index, fill_value=0)
    counts["warnings"] = warnings.reindex(counts.index, fill_value=0)
    counts.index.name = "table"
    return counts[list(COUNT_COLUMNS)].astype("int64")


def _rejected_frame(
    table: Table, raw: pd.DataFrame, rejected: pd.Series, issues: pd.DataFrame
) -> pd.DataFrame:
    """The rejected rows as exported, with ``_row`` and ``_reasons`` (every error of the row)."""
    rows = raw[rejected.to_numpy()]
    errors = issues[(issues["table"] == table.value) & (issues["severity"] == ERROR)]
    # Row-level errors (extra fields, repeated rows) name no column.
    reason = (errors["column"] + ": ").fillna("") + errors["rule"] + " (" + errors["message"] + ")"
    reason.index = pd.Index(errors["row"].to_numpy("int64", na_value=-1))
    # Most rejected rows have one reason; joining per group in Python only for the others.
    several = reason.index.duplicated(keep=False)
    reasons = pd.concat([reason[~several], reason[several].groupby(level=0).agg("; ".join)])
    out = rows.reset_index(names="_row")
    out["_reasons"] = out["_row"].map(reasons).astype("str")
    return out
