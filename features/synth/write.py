"""Writing a dataset directory: one file per contract table, manifest.json, and ``_oracle/``.

CSV follows the contract's layout: UTF-8, comma, header, ISO dates, empty cell for missing,
booleans as ``true``/``false``. Parquet keeps native types (dates as timestamps).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from features.contract import COLUMNS, CONTRACT_VERSION, Table
from features.synth.oracle import MODEL_FILE, ORACLE_DIR

FORMATS = ("csv", "parquet")
MANIFEST = "manifest.json"


def clear_dataset(out_dir: Path) -> None:
    """Remove files a previous generation left (tables of either format, manifest, oracle)."""
    for table in Table:
        for fmt in FORMATS:
            (out_dir / f"{table.value}.{fmt}").unlink(missing_ok=True)
    (out_dir / MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(out_dir / ORACLE_DIR, ignore_errors=True)


def to_csv_frame(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """A table as the strings its CSV file holds (dates ISO, bools true/false, NA empty)."""
    out = pd.DataFrame(index=frame.index)
    for col in COLUMNS[table]:
        values = frame[col.name]
        if col.kind == "date":
            out[col.name] = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        elif col.kind == "bool":
            out[col.name] = values.map({True: "true", False: "false"})
        elif col.kind == "float":
            numbers = values.to_numpy(dtype=float)
            text = np.char.mod("%.2f", np.nan_to_num(numbers)).astype(object)
            out[col.name] = np.where(np.isnan(numbers), "", text)
        else:
            out[col.name] = values
    return out


def write_table(table: Table, frame: pd.DataFrame, out_dir: Path, fmt: str) -> Path:
    """Write one contract table in contract column order."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    frame = frame[[c.name for c in COLUMNS[table]]]
    path = out_dir / f"{table.value}.{fmt}"
    if fmt == "csv":
        to_csv_frame(table, frame).to_csv(path, index=False, encoding="utf-8")
    else:
        frame.to_parquet(path, index=False)
    return path


def write_manifest(out_dir: Path, source: str, exported_at: date) -> Path:
    """manifest.json with the contract version, the source and the export date."""
    path = out_dir / MANIFEST
    manifest = {
        "contract_version": CONTRACT_VERSION,
        "source": source,
        "exported_at": exported_at.isoformat(),
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def write_oracle(out_dir: Path, tables: dict[str, pd.DataFrame], meta: dict[str, object]) -> Path:
    """The oracle's tables (parquet) and model.json under ``_oracle/``."""
    root = out_dir / ORACLE_DIR
    root.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(root / f"{name}.parquet", index=False)
    (root / MODEL_FILE).write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
    return root
