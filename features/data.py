"""Reading a contract directory (docs/data-contract.md) and loading it as a validated Dataset.

:func:`read_raw_tables` reads every table as text, so that validation can report a bad value
exactly as the HR system exported it, with its 1-based data row number (the CSV line minus the
header). :func:`load_dataset` is the entry point every pipeline uses: read, validate, and return
the accepted rows as typed frames.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from features.contract import (
    COLUMNS,
    CONTRACT_VERSION,
    REQUIRED_TABLES,
    Dataset,
    Table,
)
from features.validation import validate_tables

MANIFEST_FILE = "manifest.json"
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".parquet")
ROW = "_row"  # name of the index that holds the 1-based data row number


class UnusableInputError(ValueError):
    """The directory cannot be validated at all; the message names the file, table or column."""


class RejectedRowsError(ValueError):
    """``load_dataset(strict=True)`` found rows that validation rejected."""


@dataclass
class RawTables:
    """A contract directory as read: one text frame per present table, nothing judged yet.

    Each frame has every contract column of its table (in contract order; an optional column
    absent from the file is all missing), ``str`` dtype, surrounding whitespace stripped, empty
    cells as NA, and an index named ``_row`` holding the 1-based data row number.
    """

    data_dir: Path
    tables: dict[Table, pd.DataFrame]
    files: dict[Table, Path]
    manifest: dict[str, Any] = field(default_factory=dict)
    exported_at: pd.Timestamp | None = None
    snapshot_id: str = ""
    extra_columns: dict[Table, tuple[str, ...]] = field(default_factory=dict)
    absent_columns: dict[Table, tuple[str, ...]] = field(default_factory=dict)


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
        frame = _read_text_table(path)
        _conform(table, path, frame, raw)
    return raw


def load_dataset(data_dir: Path, *, strict: bool = False) -> Dataset:
    """Read and validate a contract directory; return its accepted rows as typed frames.

    With ``strict=True`` any rejected row raises :class:`RejectedRowsError` instead of being
    left out (run ``mutasi validate`` to see the full report).
    """
    result = validate_tables(read_raw_tables(data_dir))
    if strict and result.n_rejected:
        raise RejectedRowsError(f"{data_dir}: {result.rejection_summary()}")
    return result.dataset


def snapshot_id(paths: Iterable[Path]) -> str:
    """Short content hash of the table files (names and bytes), for lineage."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:12]


def _table_files(data_dir: Path) -> dict[Table, Path]:
    """The file of each table present; both a CSV and a Parquet of one table is ambiguous."""
    files: dict[Table, Path] = {}
    for table in Table:
        found = [data_dir / f"{table.value}{s}" for s in TABLE_SUFFIXES]
        found = [p for p in found if p.is_file()]
        if len(found) > 1:
            names = " and ".join(p.name for p in found)
            raise UnusableInputError(f"{data_dir}: both {names} present; keep only one")
        if found:
            files[table] = found[0]
    return files


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
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
    except ValueError:
        raise UnusableInputError(f"{path}: exported_at {value!r} is not a date") from None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize().as_unit("ns")


def _read_text_table(path: Path) -> pd.DataFrame:
    """One table file as a ``str`` frame indexed by 1-based data row number."""
    frame = _read_csv(path) if path.suffix == ".csv" else _read_parquet(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    # Blank and whitespace-only cells are missing: HR exports pad cells inconsistently.
    frame = frame.apply(lambda s: s.str.strip().replace("", pd.NA).astype("str"))
    frame.index = pd.RangeIndex(1, len(frame) + 1, name=ROW)
    return frame


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,  # only an empty cell is missing ("NA" may be a real code)
            na_values=[""],
            skip_blank_lines=False,  # keeps row numbers equal to file lines minus the header
            encoding="utf-8-sig",  # tolerate the BOM spreadsheet programs write
        )
    except UnicodeDecodeError as exc:
        raise UnusableInputError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except pd.errors.EmptyDataError:
        raise UnusableInputError(f"{path}: empty file (no header row)") from None
    except pd.errors.ParserError as exc:
        raise UnusableInputError(f"{path}: malformed CSV ({str(exc).strip()})") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        arrow = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise UnusableInputError(f"{path}: unreadable Parquet ({exc})") from None
    columns = {}
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        try:
            columns[name] = _arrow_text(column)
        except pa.ArrowException as exc:
            raise UnusableInputError(
                f"{path}: column {name!r} cannot be read as text ({exc})"
            ) from None
    return pd.DataFrame(columns, index=pd.RangeIndex(arrow.num_rows))


def _arrow_text(column: pa.ChunkedArray) -> pd.Series:
    """A typed Parquet column in the contract's text form, so both formats validate alike."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_date(kind):
        text = pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%d")
    elif pa.types.is_timestamp(kind):
        # A date written from a datetime column is midnight; a real time of day is not a date.
        stamps = column.to_pandas()
        known = stamps.dropna()
        midnight = bool((known == known.dt.normalize()).all())
        return stamps.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S").astype("str")
    elif pa.types.is_boolean(kind):
        text = pc.if_else(column, "true", "false")
    elif pa.types.is_floating(kind):
        # 3.0 -> "3": an int column that went through float (because of NaN) stays an int.
        series = column.to_pandas()
        integral = series.notna() & (series % 1 == 0) & (series.abs() < 1e15)
        out = series.astype("str")
        out[integral] = series[integral].astype("int64").astype("str")
        return out.astype("str")
    else:
        text = column.cast(pa.string())
    return text.to_pandas().astype("str")


def _conform(table: Table, path: Path, frame: pd.DataFrame, raw: RawTables) -> None:
    """Check a table's columns against the contract and store it in contract column order."""
    contract = COLUMNS[table]
    names = [c.name for c in contract]
    missing = [c.name for c in contract if c.required and c.name not in frame.columns]
    if missing:
        raise UnusableInputError(
            f"{path}: table {table.value} is missing required column(s): {', '.join(missing)}"
        )
    raw.extra_columns[table] = tuple(c for c in frame.columns if c not in names)
    raw.absent_columns[table] = tuple(n for n in names if n not in frame.columns)
    for name in raw.absent_columns[table]:
        frame[name] = pd.Series(pd.NA, index=frame.index, dtype="str")
    raw.tables[table] = frame[names]
