"""One table file (``<table>.csv`` or ``<table>.parquet``) read as text, or a clear refusal.

HR exports arrive from spreadsheets and old systems: Windows-1252 or UTF-16 text, a BOM,
semicolons, ragged rows, a Parquet file saved under the CSV name. A file that cannot be read
as the contract says raises :class:`UnusableInputError` with one line naming the file and,
where a cause can be guessed, what to do about it. Rows that merely look wrong are not judged
here: they are read as exported and left to validation.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from features.contract import Table

ROW = "_row"  # name of the index that holds the 1-based data row number
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS: tuple[bytes, ...] = (b"\xff\xfe", b"\xfe\xff")
PARQUET_MAGIC = b"PAR1"
# Delimiters a spreadsheet may have used instead of the contract's comma, for the hint.
OTHER_DELIMITERS: dict[str, str] = {";": "semicolon", "\t": "tab", "|": "pipe"}
# Python's csv module refuses fields over 128 KiB; an over-long cell is validation's to
# reject (rule too_long), not a reason to refuse the file.
CSV_FIELD_LIMIT = 1 << 30


class UnusableInputError(ValueError):
    """The directory cannot be validated at all; the message names the file, table or column."""


@dataclass
class TableText:
    """A table file as read: every cell as text, nothing judged yet.

    ``frame`` has the header's names (stripped; an empty name becomes ``_column_<n>``),
    ``str`` cells with surrounding blanks stripped, empty cells as NA, and the index ``_row``
    (1-based data row number). ``surplus`` holds, for each row that has non-empty fields
    beyond the header's, those fields joined by commas: such a row cannot be trusted.
    """

    frame: pd.DataFrame
    surplus: pd.Series


def read_table_file(path: Path) -> TableText:
    """Read a CSV or Parquet table file as text; raise :class:`UnusableInputError` if unreadable."""
    if path.suffix == ".csv":
        read = _read_csv(path)
    else:
        read = TableText(_read_parquet(path), _no_surplus())
    frame = read.frame
    frame.columns = _clean_names([str(c) for c in frame.columns])
    # Blank and whitespace-only cells are missing: HR exports pad cells inconsistently.
    frame = frame.apply(lambda s: s.str.strip().replace("", pd.NA).astype("str"))
    frame.index = pd.RangeIndex(1, len(frame) + 1, name=ROW)
    return TableText(frame, read.surplus)


def _clean_names(names: list[str]) -> list[str]:
    """Header names without blanks or stray BOMs; a nameless column gets its position."""
    clean = [n.replace("\ufeff", "").strip() for n in names]
    return [n or f"_column_{i}" for i, n in enumerate(clean, start=1)]


def _no_surplus() -> pd.Series:
    return pd.Series(dtype="str", index=pd.Index([], dtype="int64", name=ROW))


# --- CSV ------------------------------------------------------------------------------------


def _read_csv(path: Path) -> TableText:
    """A CSV table: checked to be UTF-8 text, parsed by pandas, ragged rows parsed exactly."""
    data = _read_bytes(path)
    text = _decode(path, data)
    if not text.strip():
        raise UnusableInputError(f"{path}: empty file (no header row)")
    header = _csv_header(path, text)
    try:
        with warnings.catch_warnings():
            # pandas only warns when a row is longer than the header and drops the surplus.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(data),
                dtype=str,
                keep_default_na=False,  # only an empty cell is missing ("NA" may be a real code)
                na_values=[""],
                skip_blank_lines=False,  # keeps row numbers equal to the records of the file
                encoding="utf-8-sig",  # tolerate the BOM spreadsheet programs write
                index_col=False,  # never take a longer row's first fields as an index
            )
    except pd.errors.ParserWarning:
        return _read_ragged_csv(path, text)
    except pd.errors.ParserError as exc:
        if "Expected" in str(exc) and "fields" in str(exc):
            return _read_ragged_csv(path, text)
        raise UnusableInputError(f"{path}: malformed CSV ({_one_line(exc)})") from None
    if len(header) != len(frame.columns):
        return _read_ragged_csv(path, text)  # pandas saw the header differently: trust csv's
    frame.columns = header  # pandas renames repeated names; keep them as written
    return TableText(frame, _no_surplus())


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnusableInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _decode(path: Path, data: bytes) -> str:
    """The file as text, or a refusal that says which byte is wrong and what it looks like."""
    if data.startswith(UTF16_BOMS):
        raise UnusableInputError(
            f"{path}: not UTF-8 text: it starts with a UTF-16 byte order mark; save it as CSV UTF-8"
        )
    if data.startswith(PARQUET_MAGIC):
        raise UnusableInputError(
            f"{path}: not UTF-8 text: this is a Parquet file; name it {path.stem}.parquet"
        )
    nul = data.find(b"\0")
    if nul >= 0:
        raise UnusableInputError(
            f"{path}: NUL byte at byte {nul} (line {_line_of(data, nul)}): a binary file, or "
            "UTF-16 text? save it as CSV UTF-8"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableInputError(f"{path}: not UTF-8 text: {_encoding_hint(data, exc)}") from None


def _encoding_hint(data: bytes, exc: UnicodeDecodeError) -> str:
    where = f"byte 0x{data[exc.start]:02X} at byte {exc.start} (line {_line_of(data, exc.start)})"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return f"{exc.reason}: {where}; not text in a common encoding either (a binary file?)"
    return f"{exc.reason}: {where}; it looks like Windows-1252/Latin-1 text, save it as CSV UTF-8"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


@contextmanager
def csv_field_limit(limit: int = CSV_FIELD_LIMIT) -> Iterator[None]:
    """Python's csv field size limit (process-wide) set to ``limit`` for the block."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_header(path: Path, text: str) -> list[str]:
    """The first record's fields, read as leniently as pandas does; it must name the columns."""
    with csv_field_limit():
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    if not any(name.strip() for name in header):
        raise UnusableInputError(f"{path}: the first line is blank; it must be the header row")
    return header


def _read_ragged_csv(path: Path, text: str) -> TableText:
    """A CSV whose rows are longer than its header, parsed record by record.

    Surplus fields that are all empty (trailing commas) are dropped; any other surplus is kept
    in :attr:`TableText.surplus` so that validation rejects the row instead of guessing which
    field is out of place. Slower than pandas, so used only for such files.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    surplus: dict[int, str] = {}
    try:
        with csv_field_limit():
            header = next(reader)
            width = len(header)
            for number, record in enumerate(reader, start=1):
                extra = record[width:]
                if any(field.strip() for field in extra):
                    surplus[number] = ",".join(extra)
                rows.append(record[:width] + [""] * (width - len(record)))
    except csv.Error as exc:
        raise UnusableInputError(f"{path}: malformed CSV (line {reader.line_num}: {exc})") from None
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in header]
    frame = pd.DataFrame(
        {i: pd.array(values, dtype="str") for i, values in enumerate(columns)},
        index=pd.RangeIndex(len(rows)),
    )
    frame.columns = header
    found = pd.Series(surplus, dtype="str")
    found.index = pd.Index(found.index, dtype="int64", name=ROW)
    return TableText(frame, found)


def other_delimiter(names: list[str]) -> str | None:
    """The kind of delimiter a header seems to use instead of commas ("semicolon"), if any."""
    for delimiter, label in OTHER_DELIMITERS.items():
        if any(delimiter in name for name in names):
            return label
    return None


# --- Parquet --------------------------------------------------------------------------------


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        # ParquetFile, not read_table: the dataset reader refuses repeated column names with a
        # message about field references; the check below names the column.
        with pq.ParquetFile(path) as parquet:
            arrow = parquet.read()
    except (pa.ArrowException, OSError) as exc:
        raise UnusableInputError(
            f"{path}: unreadable Parquet ({_one_line(exc)}){_csv_hint(path)}"
        ) from None
    columns = {}
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        if name in columns:
            raise UnusableInputError(f"{path}: column {name!r} appears more than once")
        try:
            columns[name] = _arrow_text(column)
        except (pa.ArrowException, ValueError, TypeError) as exc:
            raise UnusableInputError(
                f"{path}: column {name!r} cannot be read as text ({_one_line(exc)})"
            ) from None
    return pd.DataFrame(columns, index=pd.RangeIndex(arrow.num_rows))


def _csv_hint(path: Path) -> str:
    """A hint when a ``.parquet`` file is plain text (a CSV under the wrong name)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return ""
    if not head or b"\0" in head:
        return ""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return f"; it is text, a CSV? name it {path.stem}.csv"


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
        stamps: pd.Series = column.to_pandas()
        known = stamps.dropna()
        midnight = bool((known == known.dt.normalize()).all())
        dated: pd.Series = stamps.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")
        return dated.astype("str")
    elif pa.types.is_boolean(kind):
        text = pc.if_else(column, "true", "false")
    elif pa.types.is_floating(kind):
        # 3.0 -> "3": an int column that went through float (because of NaN) stays an int.
        series: pd.Series = column.to_pandas()
        integral = series.notna() & (series % 1 == 0) & (series.abs() < 1e15)
        out = series.astype("str")
        out[integral] = series[integral].astype("int64").astype("str")
        return out.astype("str")
    else:
        text = column.cast(pa.string())
    values: pd.Series = text.to_pandas()
    return values.astype("str")


@dataclass
class RawTables:
    """A contract directory as read: one text frame per present table, nothing judged yet.

    Each frame has every contract column of its table (in contract order; an optional column
    absent from the file is all missing), ``str`` dtype, surrounding whitespace stripped, empty
    cells as NA, and an index named ``_row`` holding the 1-based data row number.
    ``surplus_fields`` holds, per table, the rows whose record has non-empty fields beyond the
    header (the text of those fields); validation rejects them.
    """

    data_dir: Path
    tables: dict[Table, pd.DataFrame]
    files: dict[Table, Path]
    manifest: dict[str, Any] = field(default_factory=dict)
    exported_at: pd.Timestamp | None = None
    snapshot_id: str = ""
    extra_columns: dict[Table, tuple[str, ...]] = field(default_factory=dict)
    absent_columns: dict[Table, tuple[str, ...]] = field(default_factory=dict)
    surplus_fields: dict[Table, pd.Series] = field(default_factory=dict)
