"""Benchmark: reading and validating a province-sized contract directory.

Builds a valid dataset of N employees with the shape of a real province (10 years of SKP per
employee, ~1M performance rows at 100,000 employees), writes it as CSV, then times
``read_raw_tables`` and ``validate_tables`` on it clean and with 0.1% of employees and one
unit corrupted (so that rejection and the cascade run at scale). Prints a table and writes
benchmarks/results/validate.json.

    .venv/bin/python benchmarks/validate.py --employees 100000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

# The project root before this folder: benchmarks/features.py would shadow the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from features.contract import (
    COMPETENCY_CODES,
    EDUCATION_FIELDS,
    JABATAN_TYPES,
    PNS_GOLONGAN,
    PPPK_GOLONGAN,
    RATINGS,
    SECTORS,
    TRANSFER_KINDS,
)
from features.data import read_raw_tables
from features.validation import validate_tables

EXPORT = pd.Timestamp("2025-01-31")
YEARS = np.arange(2015, 2025)
REGIONS = np.array(["7501", "7502", "7503", "7504", "7505", "7571"])
RESULTS = Path(__file__).parent / "results" / "validate.json"


def _dates(values: pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    return pd.DatetimeIndex(values).strftime("%Y-%m-%d").to_numpy()


def _pick(rng: np.random.Generator, options: object, n: int) -> np.ndarray:
    return rng.choice(np.asarray(options), size=n)


def build_tables(n_employees: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """A valid dataset as text frames (vectorised; no realism beyond the contract's rules)."""
    rng = np.random.default_rng(seed)
    n_units, n_pos, n = 300, max(n_employees // 10, 10), n_employees
    unit_ids = np.char.add("U", np.arange(n_units).astype(str))
    units = pd.DataFrame(
        {
            "unit_id": unit_ids,
            "name": np.char.add("Unit ", np.arange(n_units).astype(str)),
            "sector": _pick(rng, SECTORS, n_units),
            "region_code": _pick(rng, REGIONS, n_units),
            "parent_unit_id": np.where(
                np.arange(n_units) < 20, "", unit_ids[rng.integers(0, 20, n_units)]
            ),
        }
    )
    position_ids = np.char.add("P", np.arange(n_pos).astype(str))
    positions = pd.DataFrame(
        {
            "position_id": position_ids,
            "unit_id": unit_ids[rng.integers(0, n_units, n_pos)],
            "title": np.char.add("Jabatan ", np.arange(n_pos).astype(str)),
            "jabatan_type": _pick(rng, JABATAN_TYPES, n_pos),
            "min_golongan": _pick(rng, (*PNS_GOLONGAN[4:12], ""), n_pos),
            "min_education_level": _pick(rng, ("SMA", "D3", "S1", "S2", ""), n_pos),
            "education_fields": np.char.add(
                np.char.add(_pick(rng, EDUCATION_FIELDS, n_pos), ";"),
                _pick(rng, EDUCATION_FIELDS, n_pos),
            ),
            "competency_requirements": np.char.add(
                "manajerial:3;", np.char.add(_pick(rng, COMPETENCY_CODES[2:], n_pos), ":2")
            ),
            "abk_need": rng.integers(0, 20, n_pos).astype(str),
            "is_active": np.where(rng.random(n_pos) < 0.95, "true", "false"),
        }
    )
    birth = pd.Timestamp("1965-01-01") + pd.to_timedelta(rng.integers(0, 35 * 365, n), unit="D")
    tmt = (
        (birth + pd.to_timedelta(rng.integers(20 * 365, 30 * 365, n), unit="D"))
        .to_period("M")
        .to_timestamp()
    )
    tmt = (
        tmt.where(tmt < EXPORT - pd.Timedelta(days=400), EXPORT - pd.Timedelta(days=400))
        .to_period("M")
        .to_timestamp()
    )
    span = (EXPORT - tmt).days.to_numpy()
    start = tmt + pd.to_timedelta((rng.random(n) * span).astype(int), unit="D")
    pns = rng.random(n) < 0.85
    gender = _pick(rng, ("L", "P"), n)
    serial = np.char.zfill((np.arange(n) % 1000).astype(str), 3)
    pns_nip = np.char.add(
        np.char.add(
            np.char.add(
                birth.strftime("%Y%m%d").to_numpy().astype(str),
                tmt.strftime("%Y%m").to_numpy().astype(str),
            ),
            np.where(gender == "L", "1", "2"),
        ),
        serial,
    )
    pppk_nip = np.char.add("9", np.char.zfill(np.arange(n).astype(str), 17))
    nip = np.where(pns, pns_nip, pppk_nip)
    # PNS NIPs can collide (same birth day, TMT month, gender and serial): make them unique.
    nip = pd.Series(nip).where(~pd.Series(nip).duplicated(), pd.Series(pppk_nip)).to_numpy()
    pns = pns & (nip == pns_nip)
    employees = pd.DataFrame(
        {
            "nip": nip,
            "name": np.char.add("Pegawai ", np.arange(n).astype(str)),
            "birth_date": _dates(birth),
            "gender": gender,
            "employment_type": np.where(pns, "PNS", "PPPK"),
            "tmt_cpns": _dates(tmt),
            "golongan": np.where(pns, _pick(rng, PNS_GOLONGAN, n), _pick(rng, PPPK_GOLONGAN, n)),
            "education_level": _pick(rng, ("SMA", "D3", "S1", "S2"), n),
            "education_field": _pick(rng, EDUCATION_FIELDS, n),
            "position_id": position_ids[rng.integers(0, n_pos, n)],
            "position_start_date": _dates(start),
            "home_region_code": _pick(rng, REGIONS, n),
            "status": _pick(rng, ("aktif", "aktif", "aktif", "cuti"), n),
            "discipline_level": _pick(rng, ("none",) * 9 + ("ringan",), n),
            "discipline_until": "",
            "potential": _pick(rng, ("rendah", "menengah", "tinggi", ""), n),
        }
    )
    per_emp = np.repeat(np.arange(n), len(YEARS))
    performance = pd.DataFrame(
        {
            "nip": nip[per_emp],
            "year": np.tile(YEARS, n).astype(str),
            "rating": _pick(rng, RATINGS, len(per_emp)),
            "score": np.round(rng.uniform(40, 100, len(per_emp)), 1).astype(str),
        }
    )
    moves = np.repeat(np.arange(n), 2)
    offset = rng.integers(0, n_pos - 1, len(moves)) + 1
    from_pos = rng.integers(0, n_pos, len(moves))
    effective = tmt[moves] + pd.to_timedelta(
        (rng.random(len(moves)) * span[moves]).astype(int), unit="D"
    )
    transfers = pd.DataFrame(
        {
            "transfer_id": np.char.add("T", np.arange(len(moves)).astype(str)),
            "nip": nip[moves],
            "effective_date": _dates(effective),
            "from_position_id": position_ids[from_pos],
            "to_position_id": position_ids[(from_pos + offset) % n_pos],
            "kind": _pick(rng, TRANSFER_KINDS, len(moves)),
        }
    )
    ranks = np.repeat(np.arange(n), 3)
    rank_tmt = tmt[ranks] + pd.to_timedelta(np.tile([0, 1500, 3000], n), unit="D")
    tables = {
        "units": units,
        "positions": positions,
        "employees": employees,
        "performance": performance,
        "transfers": transfers,
        "rank_history": pd.DataFrame(
            {
                "nip": nip[ranks],
                "golongan": np.where(pns[ranks], "III/a", "IX"),
                "tmt": _dates(rank_tmt),
            }
        ),
        "education_history": pd.DataFrame(
            {
                "nip": nip,
                "education_level": employees["education_level"],
                "education_field": employees["education_field"],
                "graduation_date": _dates(tmt - pd.Timedelta(days=200)),
            }
        ),
        "competency_assessments": pd.DataFrame(
            {
                "nip": nip,
                "assessed_on": "2023-05-10",
                "code": _pick(rng, COMPETENCY_CODES, n),
                "level": rng.integers(1, 6, n).astype(str),
            }
        ),
        "preferences": pd.DataFrame(
            {
                "nip": nip[: n // 3],
                "submitted_on": "2024-08-01",
                "unit_id": unit_ids[rng.integers(0, n_units, n // 3)],
                "priority": "1",
            }
        ),
        "freeze_periods": pd.DataFrame(
            {
                "region_code": REGIONS,
                "start_date": "2024-05-27",
                "end_date": "2025-02-20",
                "reason": "pilkada",
            }
        ),
    }
    return tables


def corrupt(tables: dict[str, pd.DataFrame], seed: int = 1) -> dict[str, pd.DataFrame]:
    """0.1% of employees get an impossible birth date; one top-level unit a bad sector."""
    rng = np.random.default_rng(seed)
    employees = tables["employees"].copy()
    bad = rng.choice(len(employees), size=max(len(employees) // 1000, 1), replace=False)
    employees.loc[bad, "birth_date"] = "1980-02-30"
    units = tables["units"].copy()
    units.loc[0, "sector"] = "unknown_sector"
    return {**tables, "employees": employees, "units": units}


def write(tables: dict[str, pd.DataFrame], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(out_dir / f"{name}.csv", index=False)
    (out_dir / "manifest.json").write_text(
        json.dumps({"contract_version": "1", "exported_at": str(EXPORT.date())})
    )


def measure(data_dir: Path) -> dict[str, float | int]:
    started = time.perf_counter()
    raw = read_raw_tables(data_dir)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    result = validate_tables(raw)
    validate_s = time.perf_counter() - started
    return {
        "rows": int(result.counts["read"].sum()),
        "performance_rows": int(result.counts["read"]["performance"]),
        "rejected": result.n_rejected,
        "cascaded": int(result.counts["cascaded"].sum()),
        "read_s": round(read_s, 2),
        "validate_s": round(validate_s, 2),
        "total_s": round(read_s + validate_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    args = parser.parse_args()
    tables = build_tables(args.employees)
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case, data in (("clean", tables), ("corrupted", corrupt(tables))):
            write(data, Path(tmp) / case)
            rows[case] = measure(Path(tmp) / case)
    print(f"validation of a {args.employees:,}-employee province (CSV)")
    header = ["case", *next(iter(rows.values()))]
    print(" | ".join(f"{h:>16}" for h in header))
    for case, row in rows.items():
        print(" | ".join(f"{v:>16}" for v in (case, *row.values())))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "employees": args.employees,
                "machine": platform.machine(),
                "python": platform.python_version(),
                "cases": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
