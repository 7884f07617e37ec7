"""Reading a contract directory (docs/data-contract.md) and loading it as a validated Dataset.

:func:`read_raw_tables` reads every table as text (one file each, see
:mod:`features.table_files`), so that validation can report a bad value exactly as the HR
system exported it, with its 1-based data row number (the CSV record minus the header).
:func:`load_dataset` is the entry point every pipeline uses: read, validate, and return the
accepted rows as typed frames.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from features.contract import (
    COLUMNS,
    CONTRACT_VERSION,
    MAX_CELL_LENGTH,
    REQUIRED_TABLES,
    Dataset,
    Table,
)
from features.table_files import (
    ROW,
    RawTables,
    UnusableInputError,
    other_delimiter,
    read_table_file,
)
from features.validation import validate_tables

__all__ = [
    "MANIFEST_FILE",
    "ROW",
    "TABLE_SUFFIXES",
    "RawTables",
    "RejectedRowsError",
    "UnusableInputError",
    "load_dataset",
    "read_raw_tables",
    "snapshot_id",
]

MANIFEST_FILE = "manifest.json"
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".parquet")


class RejectedRowsError(ValueError):
    """``load_dataset(strict=True)`` found rows that validation rejected."""


def read_raw_tables(data_dir: Path) -> RawTables:
    """Read a contract directory as text; raise :class:`UnusableInputError` if it cannot be."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise UnusableInputError(f"{data_dir}: not a directory")
    files = _table_files(data_dir)
    if not files:
        raise UnusableInputError(f"{data_dir}: no contract table files (<table>.csv or .parquet)")
    missing = [t.value for t in REQUIRED_TABLES if t not in files]
    if missing:
        raise UnusableInputError(f"{data_dir}: missing required table(s): {', '.join(missing)}")
    manifest = _read_manifest(data_dir / MANIFEST_FILE)
    raw = RawTables(
        data_dir=data_dir,
        tables={},
        files=files,
        manifest=manifest,
        exported_at=_exported_at(manifest, data_dir / MANIFEST_FILE),
        snapshot_id=snapshot_id(files.values()),
    )
    for table, path in files.items():
        read = read_table_file(path)
        _conform(table, path, read.frame, raw)
        raw.surplus_fields[table] = read.surplus
    return raw


def load_dataset(
    data_dir: Path, *, strict: bool = False, max_cell_length: int = MAX_CELL_LENGTH
) -> Dataset:
    """Read and validate a contract directory; return its accepted rows as typed frames.

    With ``strict=True`` any rejected row raises :class:`RejectedRowsError` instead of being
    left out (run ``mutasi validate`` to see the full report). A cell longer than
    ``max_cell_length`` characters rejects its row (setting ``MUTASI_MAX_CELL_LENGTH``).
    """
    result = validate_tables(read_raw_tables(data_dir), max_cell_length=max_cell_length)
    if strict and result.n_rejected:
        raise RejectedRowsError(f"{data_dir}: {result.rejection_summary()}")
    return result.dataset


def snapshot_id(paths: Iterable[Path]) -> str:
    """Short content hash of the table files (names and bytes), for lineage."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\0")
        try:
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise UnusableInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return digest.hexdigest()[:12]


def _table_files(data_dir: Path) -> dict[Table, Path]:
    """The file of each table present; both a CSV and a Parquet of one table is ambiguous."""
    files: dict[Table, Path] = {}
    for table in Table:
        found = [data_dir / f"{table.value}{s}" for s in TABLE_SUFFIXES]
        found = [p for p in found if p.exists()]
        for path in found:
            if not path.is_file():
                raise UnusableInputError(f"{path}: not a file (a directory?)")
        if len(found) > 1:
            names = " and ".join(p.name for p in found)
            raise UnusableInputError(f"{data_dir}: both {names} present; keep only one")
        if found:
            files[table] = found[0]
    return files


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    if not path.is_file():
        raise UnusableInputError(f"{path}: not a file (a directory?)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise UnusableInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UnusableInputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise UnusableInputError(f"{path}: must hold a JSON object")
    version = manifest.get("contract_version")
    if version is not None and str(version) != CONTRACT_VERSION:
        raise UnusableInputError(
            f"{path}: contract_version {version!r} is not supported (expected {CONTRACT_VERSION!r})"
        )
    return manifest


def _exported_at(manifest: dict[str, Any], path: Path) -> pd.Timestamp | None:
    """The manifest's export date (a timestamp is truncated to its date)."""
    value = manifest.get("exported_at")
    if value in (None, ""):
        return None
    try:
        stamp = pd.Timestamp(str(value))
        if pd.isna(stamp):
            raise ValueError("not a time")
        if stamp.tzinfo is not None:
            stamp = stamp.tz_localize(None)
        # Beyond the nanosecond range (before 1677 or after 2262) is never an export date.
        return stamp.normalize().as_unit("ns")
    except (ValueError, OverflowError):
        raise UnusableInputError(f"{path}: exported_at {value!r} is not a date") from None


def _conform(table: Table, path: Path, frame: pd.DataFrame, raw: RawTables) -> None:
    """Check a table's columns against the contract and store it in contract column order."""
    contract = COLUMNS[table]
    names = [c.name for c in contract]
    present = [str(c) for c in frame.columns]
    missing = [c.name for c in contract if c.required and c.name not in present]
    if missing:
        delimiter = other_delimiter(present)
        if delimiter is not None:
            raise UnusableInputError(
                f"{path}: the file looks {delimiter}-separated; the contract wants commas "
                f"(table {table.value}: no column {missing[0]} found)"
            )
        raise UnusableInputError(
            f"{path}: table {table.value} is missing required column(s): {', '.join(missing)}"
        )
    repeated = [n for n, k in Counter(present).items() if k > 1 and n in names]
    if repeated:
        raise UnusableInputError(
            f"{path}: table {table.value} has column(s) {', '.join(repeated)} more than once"
        )
    raw.extra_columns[table] = tuple(dict.fromkeys(c for c in present if c not in names))
    raw.absent_columns[table] = tuple(n for n in names if n not in frame.columns)
    for name in raw.absent_columns[table]:
        frame[name] = pd.Series(pd.NA, index=frame.index, dtype="str")
    raw.tables[table] = frame[names]
