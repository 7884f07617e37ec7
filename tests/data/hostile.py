"""Hostile variants of a small valid contract directory, as hypothesis strategies.

Each :class:`Breakage` replaces one table file of a directory written by
``tests.data.minimal_dataset.write_dataset`` with what HR exports really look like when they go
wrong: other encodings, BOMs, semicolons, ragged rows, huge cells, repeated or shuffled headers,
NUL bytes, a Parquet file under the CSV name, a directory where the file should be. ``expect``
says whether the contract lets the loader read the file at all (``usable``), forbids it
(``unusable``), or depends on where the damage landed (``either``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
from hypothesis import strategies as st

from features.table_files import csv_field_limit
from tests.data.minimal_dataset import Rows, valid_tables, write_dataset

Expect = Literal["usable", "unusable", "either"]
# Required tables plus one optional table with a primary key and one without: enough to
# exercise every kind of check while keeping one validation well under a second.
TABLES: tuple[str, ...] = (
    "units", "positions", "employees", "performance", "transfers", "rank_history", "preferences",
)  # fmt: skip
OMITTED: tuple[str, ...] = tuple(t for t in valid_tables() if t not in TABLES)
HUGE_CELL = "x" * 1_000_000
UTF8_BOM = b"\xef\xbb\xbf"
# Non-ASCII text as Indonesian names and titles carry it (smart quotes from Word, accents).
NON_ASCII_NAME = "Dinas \u201cKesehatan\u201d \u2013 Sul\u00e9"
NASTY_VALUES: tuple[str, ...] = (
    "", " ", "NA", "null", "None", "nan", "-", "3.0", "1e3", "-1", "+5", "0x1F", "1,5", "1 000",
    "\u0663", "\uff11\uff12", "2024-02-30", "2024-13-01", "31/12/2024", "9999-12-31",
    "0001-01-01", "2024-01-01T00:00:00", "TRUE", "ya", NON_ASCII_NAME, "Dinas\nKesehatan",
    "Dinas\r\nKesehatan", "a,b", '"quoted"', 'say "hi"', "\t", "\ufeffU1", "\u200b", "U1 ",
    "x" * 2_001, "9" * 30, "\x1a", "=1+1",
)  # fmt: skip
INSERTED_BYTES: tuple[bytes, ...] = (
    b"\x00", b"\xff", b"\xe9", b"\xc3\x28", b"\xed\xa0\x80", b"\x93", b'"', b",", b";", b"\n",
    b"\r", b"\r\n", UTF8_BOM, b"\xff\xfe",
)  # fmt: skip


@dataclass(frozen=True)
class Breakage:
    """One table file replaced: by ``content`` under ``<table><suffix>``, or by a directory."""

    kind: str
    table: str
    content: bytes = b""
    suffix: str = ".csv"
    as_directory: bool = False
    expect: Expect = "either"

    def apply(self, data_dir: Path) -> Path:
        """Replace the table's CSV in ``data_dir``; return the path of what replaced it."""
        (data_dir / f"{self.table}.csv").unlink()
        target = data_dir / f"{self.table}{self.suffix}"
        if self.as_directory:
            target.mkdir()
        else:
            target.write_bytes(self.content)
        return target

    def __repr__(self) -> str:  # hypothesis prints failing examples; a huge cell is 1 MB
        head = self.content[:120]
        return f"Breakage({self.kind!r}, {self.table!r}, {len(self.content)} bytes {head!r}...)"


def write_base(data_dir: Path) -> Path:
    """The valid directory every breakage starts from."""
    return write_dataset(data_dir, omit=OMITTED)


def table_rows(table: str) -> list[list[str]]:
    """Header and data rows of a valid table, as lists of text."""
    rows: Rows = valid_tables()[table]
    header = list(rows[0])
    return [header, *([row[name] for name in header] for row in rows)]


def to_csv(
    rows: list[list[str]],
    *,
    delimiter: str = ",",
    lineterminator: str = "\r\n",
    quote_all: bool = False,
) -> bytes:
    """Rows as CSV bytes (UTF-8) with the given dialect."""
    out = io.StringIO(newline="")
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def usable_unless_nul(content: bytes) -> Expect:
    """Text cells may hold any character, but a NUL byte makes the file unusable."""
    return "unusable" if b"\x00" in content else "usable"


def csv_records(path: Path) -> int:
    """Data records of a CSV file as Python's csv module reads it (blank lines count)."""
    text = path.read_bytes().decode("utf-8-sig")
    with csv_field_limit():
        return sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - 1


# --- strategies -----------------------------------------------------------------------------

tables = st.sampled_from(TABLES)
cell_values = st.one_of(
    st.sampled_from(NASTY_VALUES),
    st.text(max_size=30),
    st.integers().map(str),
    st.floats().map(str),
    st.just(HUGE_CELL),
)


@st.composite
def bad_cells(draw: st.DrawFn) -> Breakage:
    """One to three cells set to a hostile value (text in int columns, codes as numbers...)."""
    table = draw(tables)
    rows = table_rows(table)
    for _ in range(draw(st.integers(1, 3))):
        row = draw(st.integers(1, len(rows) - 1))
        column = draw(st.integers(0, len(rows[0]) - 1))
        rows[row][column] = draw(cell_values)
    content = to_csv(rows)
    return Breakage("bad_cells", table, content, expect=usable_unless_nul(content))


@st.composite
def repeated_rows(draw: st.DrawFn) -> Breakage:
    """Every data row (or one) written ten times."""
    table = draw(tables)
    header, *data = table_rows(table)
    data = data * 10 if draw(st.booleans()) else data + [draw(st.sampled_from(data))] * 9
    return Breakage("repeated_rows", table, to_csv([header, *data]), expect="usable")


@st.composite
def header_changes(draw: st.DrawFn) -> Breakage:
    """Columns shuffled, renamed, dropped, or a name written twice."""
    table = draw(tables)
    rows = table_rows(table)
    width = len(rows[0])
    change = draw(st.sampled_from(["shuffle", "drop", "repeat", "rename", "pad_names"]))
    if change == "shuffle":
        order = draw(st.permutations(range(width)))
        rows = [[row[i] for i in order] for row in rows]
    elif change == "drop":
        gone = draw(st.integers(0, width - 1))
        rows = [[v for i, v in enumerate(row) if i != gone] for row in rows]
    elif change == "repeat":
        source, target = draw(st.lists(st.integers(0, width - 1), min_size=2, max_size=2))
        rows[0][target] = rows[0][source]
    elif change == "rename":
        index = draw(st.integers(0, width - 1))
        rows[0][index] = draw(st.sampled_from([str.upper, str.title, lambda n: n + "_x"]))(
            rows[0][index]
        )
    else:
        rows[0] = [f" {name}\t" for name in rows[0]]
    expect: Expect = "usable" if change in ("shuffle", "pad_names") else "either"
    return Breakage(f"header_{change}", table, to_csv(rows), expect=expect)


@st.composite
def ragged_rows(draw: st.DrawFn) -> Breakage:
    """Trailing empty columns, rows with extra fields, rows with missing fields."""
    table = draw(tables)
    rows = table_rows(table)
    change = draw(st.sampled_from(["trailing_empty", "extra_fields", "short_row", "long_line"]))
    rows_hit = draw(st.lists(st.integers(1, len(rows) - 1), min_size=1, max_size=3, unique=True))
    if change == "trailing_empty":
        k = draw(st.integers(1, 5))
        first = 0 if draw(st.booleans()) else 1  # with or without empty header names
        rows = [row + [""] * k if i >= first else row for i, row in enumerate(rows)]
    elif change == "extra_fields":
        for i in rows_hit:
            rows[i] = rows[i] + draw(st.lists(cell_values, min_size=1, max_size=3))
    elif change == "short_row":
        for i in rows_hit:
            rows[i] = rows[i][: draw(st.integers(0, len(rows[i]) - 1))]
    else:
        rows[rows_hit[0]] = rows[rows_hit[0]] + ["y"] * 20_000
    content = to_csv(rows)
    return Breakage(change, table, content, expect=usable_unless_nul(content))


@st.composite
def dialects(draw: st.DrawFn) -> Breakage:
    """The same rows with a BOM, other line endings, quoting, or another delimiter."""
    table = draw(tables)
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    content = to_csv(
        table_rows(table),
        delimiter=delimiter,
        lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"])),
        quote_all=draw(st.booleans()),
    )
    if draw(st.booleans()):
        content = UTF8_BOM + content
    expect: Expect = "usable" if delimiter == "," else "unusable"
    return Breakage(f"dialect_{delimiter!r}", table, content, expect=expect)


@st.composite
def encodings(draw: st.DrawFn) -> Breakage:
    """A name with smart quotes and accents, saved in another encoding than UTF-8."""
    table = draw(st.sampled_from(["units", "positions", "employees"]))
    rows = table_rows(table)
    rows[draw(st.integers(1, len(rows) - 1))][1] = NON_ASCII_NAME  # name/unit_id/name
    encoding = draw(st.sampled_from(["cp1252", "latin-1", "utf-16", "utf-16-le", "utf-8"]))
    text = to_csv(rows).decode("utf-8")
    if encoding == "latin-1":
        text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2013", "-")
    content = text.encode(encoding)
    expect: Expect = "usable" if encoding == "utf-8" else "unusable"
    return Breakage(f"encoding_{encoding}", table, content, expect=expect)


@st.composite
def byte_damage(draw: st.DrawFn) -> Breakage:
    """Bytes inserted at, or the file cut at, random offsets of a valid file."""
    table = draw(tables)
    content = to_csv(table_rows(table))
    if draw(st.booleans()):
        return Breakage("truncated", table, content[: draw(st.integers(0, len(content)))])
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(content)))
        content = content[:at] + draw(st.sampled_from(INSERTED_BYTES)) + content[at:]
    return Breakage("inserted_bytes", table, content)


@st.composite
def degenerate_files(draw: st.DrawFn) -> Breakage:
    """Files with no data: empty, a BOM alone, blank lines, a header alone."""
    table = draw(tables)
    header = to_csv(table_rows(table)[:1])
    content, expect = draw(
        st.sampled_from(
            [
                (b"", "unusable"),
                (UTF8_BOM, "unusable"),
                (b"\r\n\n\n", "unusable"),
                (b" \n", "unusable"),
                (header, "usable"),
                (header.rstrip(b"\r\n"), "usable"),
                (UTF8_BOM + header, "usable"),
                (b"\n" + header, "unusable"),
            ]
        )
    )
    return Breakage("degenerate", table, content, expect=expect)


@st.composite
def wrong_formats(draw: st.DrawFn) -> Breakage:
    """Parquet bytes named .csv, CSV text named .parquet, a directory named like the file."""
    table = draw(tables)
    kind = draw(st.sampled_from(["parquet_as_csv", "csv_as_parquet", "directory"]))
    if kind == "directory":
        return Breakage(kind, table, as_directory=True, expect="unusable")
    if kind == "csv_as_parquet":
        return Breakage(kind, table, to_csv(table_rows(table)), ".parquet", expect="unusable")
    header, *data = table_rows(table)
    buffer = io.BytesIO()
    pd.DataFrame(data, columns=header, dtype="str").to_parquet(buffer, index=False)
    return Breakage(kind, table, buffer.getvalue(), expect="unusable")


breakages = st.one_of(
    bad_cells(),
    repeated_rows(),
    header_changes(),
    ragged_rows(),
    dialects(),
    encodings(),
    byte_damage(),
    degenerate_files(),
    wrong_formats(),
)
