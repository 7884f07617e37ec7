"""The simulation's state at export, saved under ``_oracle/state/`` so that a dataset can be
continued (``continue_province``) without re-running its history.

What is saved: every attribute and event log of the people in service at export (renumbered
0..m-1 in export order), their NIP and name, the id of each of their transfers, the whole
organisation, and a few numbers (``state.json``). People who left before the export never act
again, so they are not kept. Everything is parquet or JSON (no pickle), written in a fixed order,
so the same generation gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.contract import Table
from features.synth.careers import SimulationResult
from features.synth.oracle import ORACLE_DIR
from features.synth.organisation import Organisation
from features.synth.state import Logs, Population
from features.synth.tables import Export, exported_transfers

STATE_DIR = "state"
META_FILE = "state.json"
STATE_VERSION = 1
# Columns of each event log (Logs field -> names), in the order the log's tuples hold them.
LOG_COLUMNS: dict[str, tuple[str, ...]] = {
    "transfer": ("person", "day", "from_pos", "to_pos", "kind"),
    "edu": ("person", "day", "level", "field"),
    "comp": ("person", "day", "code", "level"),
    "pref": ("person", "day", "unit", "priority"),
    "start": ("person", "day", "position"),
    "skp": ("person", "year", "position", "index", "realised"),
}
_ORG_LISTS = ("pos_fields", "pos_requirements")


@dataclass
class SavedState:
    """A restored simulation: people and logs, who they are, the organisation, and the numbers."""

    pop: Population
    org: Organisation
    nips: np.ndarray  # per person (object)
    names: np.ndarray  # per person (object, None = no name on record)
    transfer_ids: np.ndarray  # per row of the transfer log
    meta: dict[str, Any]


def state_dir(data_dir: Path) -> Path:
    """Where a dataset keeps its simulation state."""
    return Path(data_dir) / ORACLE_DIR / STATE_DIR


def _pop_arrays(pop: Population) -> list[str]:
    return [f.name for f in fields(Population) if not f.init and f.name != "logs"]


def save_state(
    data_dir: Path,
    pop: Population,
    org: Organisation,
    people: pd.DataFrame,
    transfer_ids: np.ndarray,
    meta: dict[str, Any],
) -> Path:
    """Write the state of ``people`` (columns person, nip, name; person = index in ``pop``).

    ``transfer_ids`` numbers every row of ``pop.logs.transfer`` (-1 = not exported).
    """
    root = state_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    keep = people["person"].to_numpy(dtype=np.int64)
    renumber = np.full(pop.capacity, -1, dtype=np.int64)
    renumber[keep] = np.arange(keep.size)
    columns: dict[str, Any] = {"nip": people["nip"].astype(object), "name": people["name"]}
    for name in _pop_arrays(pop):
        values = getattr(pop, name)[keep]
        if values.ndim == 2:
            columns.update({f"{name}__{k}": values[:, k] for k in range(values.shape[1])})
        else:
            columns[name] = values
    pd.DataFrame(columns).to_parquet(root / "people.parquet", index=False)
    for log, names in LOG_COLUMNS.items():
        cols = Logs.columns(getattr(pop.logs, log), len(names))
        frame = _renumbered(dict(zip(names, cols, strict=True)), renumber)
        if log == "transfer":
            frame["transfer_id"] = np.asarray(transfer_ids, dtype=np.int64)[renumber[cols[0]] >= 0]
        frame.to_parquet(root / f"log_{log}.parquet", index=False)
    rank = dict(zip(("person", "day", "grade"), pop.logs.rank.arrays(), strict=True))
    _renumbered(rank, renumber).to_parquet(root / "log_rank.parquet", index=False)
    _save_org(root, org)
    text = json.dumps({"version": STATE_VERSION, **meta}, indent=2, sort_keys=True) + "\n"
    (root / META_FILE).write_text(text, encoding="utf-8")
    return root


def save_export_state(
    data_dir: Path,
    result: SimulationResult,
    export: Export,
    meta: dict[str, Any],
    transfer_ids: np.ndarray | None = None,
) -> Path:
    """The state after an export: survivors with the NIPs just exported, and the id of each
    transfer log row (``transfer_ids``; default: numbered in export order, as generated)."""
    employees = export.tables[Table.EMPLOYEES]
    people = pd.DataFrame(
        {"person": result.survivors, "nip": employees["nip"], "name": employees["name"]}
    )
    person, day = Logs.columns(result.pop.logs.transfer, 2)
    keep = np.zeros(result.pop.capacity, dtype=bool)
    keep[result.survivors] = True
    ids = transfer_ids
    if ids is None:
        ids = np.full(person.size, -1, dtype=np.int64)
        ids[exported_transfers(person, day, keep)] = np.arange(1, int(keep[person].sum()) + 1)
    return save_state(data_dir, result.pop, result.org, people, ids, meta)


def _renumbered(columns: dict[str, np.ndarray], renumber: np.ndarray) -> pd.DataFrame:
    """Rows of kept people only, person renumbered."""
    person = renumber[columns["person"]]
    kept = person >= 0
    out = {name: values[kept] for name, values in columns.items()}
    out["person"] = person[kept]
    return pd.DataFrame(out)


def _save_org(root: Path, org: Organisation) -> None:
    org.units.to_parquet(root / "org_units.parquet", index=False)
    org.positions.to_parquet(root / "org_positions.parquet", index=False)
    per_unit: dict[str, Any] = {}
    per_position: dict[str, Any] = {
        "pos_fields": [json.dumps(list(f)) for f in org.pos_fields],
        "pos_requirements": [json.dumps(r, sort_keys=True) for r in org.pos_requirements],
    }
    for f in fields(Organisation):
        value = getattr(org, f.name)
        if isinstance(value, pd.DataFrame) or f.name in _ORG_LISTS:
            continue
        if not isinstance(value, np.ndarray):
            raise TypeError(f"Organisation.{f.name}: persist.py cannot save {type(value)}")
        target = per_unit if f.name.startswith("unit_") else per_position
        target[f.name] = value
    pd.DataFrame(per_unit).to_parquet(root / "org_unit_arrays.parquet", index=False)
    pd.DataFrame(per_position).to_parquet(root / "org_position_arrays.parquet", index=False)


def load_state(data_dir: Path, extra_share: float) -> SavedState:
    """Read a saved state, with room for ``extra_share`` x its people more (hires)."""
    root = state_dir(data_dir)
    meta_path = root / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(
            f"{root}: no saved simulation state; only a dataset written by generate_province "
            "or continue_province (this version) can be continued"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("version") != STATE_VERSION:
        raise ValueError(f"{meta_path}: state version {meta.get('version')!r} is not supported")
    people = pd.read_parquet(root / "people.parquet")
    m = len(people)
    pop = Population(m + int(np.ceil(m * max(extra_share, 0.0))) + 200)
    for name in _pop_arrays(pop):
        target = getattr(pop, name)
        if target.ndim == 2:
            for k in range(target.shape[1]):
                target[:m, k] = people[f"{name}__{k}"].to_numpy(dtype=target.dtype)
        else:
            target[:m] = people[name].to_numpy(dtype=target.dtype)
    pop.n = m
    logs = {log: pd.read_parquet(root / f"log_{log}.parquet") for log in LOG_COLUMNS}
    for log, names in LOG_COLUMNS.items():
        frame = logs[log]
        getattr(pop.logs, log).append(tuple(frame[c].to_numpy() for c in names))
    rank = pd.read_parquet(root / "log_rank.parquet")
    pop.logs.rank.add(
        rank["person"].to_numpy(dtype=np.int64),
        rank["day"].to_numpy(dtype=np.int64),
        rank["grade"].to_numpy(dtype=np.int64),
    )
    return SavedState(
        pop=pop,
        org=_load_org(root),
        nips=people["nip"].to_numpy(dtype=object),
        names=people["name"].astype(object).where(people["name"].notna(), None).to_numpy(),
        transfer_ids=logs["transfer"]["transfer_id"].to_numpy(dtype=np.int64),
        meta=meta,
    )


def _load_org(root: Path) -> Organisation:
    per_unit = pd.read_parquet(root / "org_unit_arrays.parquet")
    per_position = pd.read_parquet(root / "org_position_arrays.parquet")
    values: dict[str, Any] = {
        "units": pd.read_parquet(root / "org_units.parquet"),
        "positions": pd.read_parquet(root / "org_positions.parquet"),
        "pos_fields": [tuple(json.loads(v)) for v in per_position["pos_fields"]],
        "pos_requirements": [json.loads(v) for v in per_position["pos_requirements"]],
    }
    for frame in (per_unit, per_position):
        for name in frame.columns:
            if name not in _ORG_LISTS:
                values[name] = frame[name].to_numpy()
    return Organisation(**values)
