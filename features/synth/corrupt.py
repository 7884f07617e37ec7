"""Inject realistic faults into a copy of a dataset, and list what was injected.

The faults are those real SIMPEG exports show: NIPs with a digit missing or a letter O for a
zero, NIPs that disagree with the birth date, references to posts or units that do not exist,
impossible dates (30 February) or a post taken up before entering service, codes outside the
contract, duplicated rows and keys, and empty required cells. Every kind is injected at least
once; beyond that about ``rate`` of the rows of the tables faults go into (employees, positions,
units, performance, transfers) get one. The list (table, row, column, fault)
is returned and saved as ``_oracle/corruptions.csv`` so that tests know what validation should
reject. Corrupted files hold text in every column (parquet too): a messy export.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from features.contract import Table
from features.synth.oracle import ORACLE_DIR
from features.synth.write import FORMATS, MANIFEST, to_csv_frame

Frames = dict[Table, pd.DataFrame]
# fault -> (table, column); the injector edits that cell of the chosen row.
FAULTS: dict[str, tuple[Table, str]] = {
    "nip_length": (Table.EMPLOYEES, "nip"),
    "nip_non_digit": (Table.EMPLOYEES, "nip"),
    "nip_birth_mismatch": (Table.EMPLOYEES, "birth_date"),
    "dangling_position_id": (Table.EMPLOYEES, "position_id"),
    "dangling_to_position_id": (Table.TRANSFERS, "to_position_id"),
    "dangling_unit_id": (Table.POSITIONS, "unit_id"),
    "start_before_tmt": (Table.EMPLOYEES, "position_start_date"),
    "impossible_date": (Table.TRANSFERS, "effective_date"),
    "unknown_code": (Table.PERFORMANCE, "rating"),
    "unknown_sector": (Table.UNITS, "sector"),
    "duplicate_row": (Table.PERFORMANCE, ""),
    "duplicate_key": (Table.TRANSFERS, "transfer_id"),
    "empty_required": (Table.EMPLOYEES, "birth_date"),
    "empty_title": (Table.POSITIONS, "title"),
}


def read_dataset(src: Path) -> tuple[Frames, str]:
    """All tables of a dataset directory as text frames, and the format they were stored in."""
    frames: Frames = {}
    found: set[str] = set()
    for table in Table:
        for fmt in FORMATS:
            path = src / f"{table.value}.{fmt}"
            if not path.is_file():
                continue
            found.add(fmt)
            if fmt == "csv":
                frames[table] = pd.read_csv(path, dtype=str, keep_default_na=False)
            else:
                frames[table] = to_csv_frame(table, pd.read_parquet(path)).fillna("").astype(str)
    if not frames:
        raise FileNotFoundError(f"{src}: no contract tables to corrupt")
    if len(found) > 1:
        raise ValueError(f"{src}: tables in more than one format ({sorted(found)})")
    return frames, found.pop()


def _mutators(
    rng: np.random.Generator,
) -> dict[str, Callable[[pd.DataFrame, int, str], str | None]]:
    """fault -> function(frame, row, column) returning the new cell (None: duplicate the row)."""

    def nip_length(f: pd.DataFrame, i: int, c: str) -> str:
        nip = str(f.at[i, c])
        k = int(rng.integers(0, len(nip)))
        return nip[:k] + nip[k + 1 :]

    def nip_non_digit(f: pd.DataFrame, i: int, c: str) -> str:
        nip = str(f.at[i, c])
        zeros = [k for k, ch in enumerate(nip) if ch == "0"] or [len(nip) - 1]
        k = zeros[int(rng.integers(0, len(zeros)))]
        return nip[:k] + "O" + nip[k + 1 :]

    def shift_days(f: pd.DataFrame, i: int, c: str) -> str:
        day = pd.Timestamp(str(f.at[i, c])) + pd.Timedelta(days=int(rng.integers(3, 200)))
        return day.strftime("%Y-%m-%d")

    def before_tmt(f: pd.DataFrame, i: int, c: str) -> str:
        return (pd.Timestamp(str(f.at[i, "tmt_cpns"])) - pd.Timedelta(days=400)).strftime(
            "%Y-%m-%d"
        )

    return {
        "nip_length": nip_length,
        "nip_non_digit": nip_non_digit,
        "nip_birth_mismatch": shift_days,
        "dangling_position_id": lambda f, i, c: "J9" + str(f.at[i, c])[1:],
        "dangling_to_position_id": lambda f, i, c: "J9" + str(f.at[i, c])[1:],
        "dangling_unit_id": lambda f, i, c: "U9" + str(f.at[i, c])[1:],
        "start_before_tmt": before_tmt,
        "impossible_date": lambda f, i, c: str(f.at[i, c])[:4] + "-02-30",
        "unknown_code": lambda f, i, c: "cukup",
        "unknown_sector": lambda f, i, c: "pemerintahan",
        "duplicate_row": lambda f, i, c: None,
        "duplicate_key": lambda f, i, c: str(f.at[i - 1, c]),  # the later copy is the fault
        "empty_required": lambda f, i, c: "",
        "empty_title": lambda f, i, c: "",
    }


def _plan(frames: Frames, rate: float, rng: np.random.Generator) -> list[tuple[str, int]]:
    """(fault, row) pairs: each kind once, then more in proportion to the size of its table so
    that about ``rate`` of the rows are hit; never two faults in one row."""
    kinds = [k for k, (t, _) in FAULTS.items() if t in frames and len(frames[t])]
    rows_of = np.array([len(frames[FAULTS[k][0]]) for k in kinds], dtype=np.float64)
    kinds_per_table = np.array([sum(FAULTS[j][0] == FAULTS[k][0] for j in kinds) for k in kinds])
    weight = rows_of / kinds_per_table
    total = int(rows_of @ (1 / kinds_per_table))
    extra = max(round(rate * total) - len(kinds), 0)
    order = kinds + list(rng.choice(kinds, size=extra, p=weight / weight.sum()))
    used: dict[Table, set[int]] = {}
    plan = []
    for fault in order:
        table, column = FAULTS[fault]
        frame = frames[table]
        taken = used.setdefault(table, set())
        if fault == "nip_birth_mismatch":
            rows = np.flatnonzero(frame["employment_type"].to_numpy() == "PNS")
        else:
            rows = (
                np.flatnonzero(frame[column].to_numpy() != "") if column else np.arange(len(frame))
            )
        if fault == "duplicate_key":
            rows = rows[rows > 0]
        rows = np.setdiff1d(rows, list(taken))
        if rows.size == 0:
            continue
        row = int(rng.choice(rows))
        taken.add(row)
        plan.append((str(fault), row))
    return plan


def corrupt_dataset(
    src_dir: Path | str, out_dir: Path | str, rate: float, seed: int = 0
) -> pd.DataFrame:
    """Copy ``src_dir`` to ``out_dir`` (may be the same) with faults injected.

    Returns one row per injected fault: table, row (1-based data row number of the written
    file, as validation reports it), column (empty for a duplicated row), fault.
    """
    if not 0.0 <= rate <= 0.5:
        raise ValueError(f"corruption rate must be within 0..0.5 (got {rate})")
    src, out = Path(src_dir), Path(out_dir)
    frames, fmt = read_dataset(src)
    rng = np.random.default_rng(seed)
    mutate = _mutators(rng)
    log = []
    appended: dict[Table, list[pd.Series]] = {}
    for fault, row in _plan(frames, rate, rng):
        table, column = FAULTS[fault]
        frame = frames[table]
        value = mutate[fault](frame, row, column)
        if value is None:
            appended.setdefault(table, []).append(frame.iloc[row].copy())
            log.append((table.value, len(frame) + len(appended[table]), column, fault))
        else:
            frame.at[row, column] = value
            log.append((table.value, row + 1, column, fault))
    for table, rows in appended.items():
        frames[table] = pd.concat([frames[table], pd.DataFrame(rows)], ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    for table, frame in frames.items():
        path = out / f"{table.value}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, encoding="utf-8")
        else:
            frame.to_parquet(path, index=False)
    if src.resolve() != out.resolve():
        for extra in (MANIFEST, ORACLE_DIR):
            if (src / extra).is_dir():
                shutil.copytree(src / extra, out / extra, dirs_exist_ok=True)
            elif (src / extra).is_file():
                shutil.copy2(src / extra, out / extra)
    report = pd.DataFrame(log, columns=["table", "row", "column", "fault"])
    (out / ORACLE_DIR).mkdir(exist_ok=True)
    report.to_csv(out / ORACLE_DIR / "corruptions.csv", index=False)
    return report
