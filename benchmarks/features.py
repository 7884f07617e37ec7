"""Benchmark the fit features: (a) 1,000,000 training triples through ``transform``;
(b) one position against 10,000 candidates through ``snapshot.pair_features``.

Targets on 2 cores: (a) < 60 s, (b) median < 15 ms. Prints a rich table and writes
benchmarks/results/features.json. The province comes from ``features.synth.generate_province``
when the generator is installed (``--source synth``), else from a vectorised stand-in built here
(``--source standin``: contract-typed tables with realistic volumes, no careers logic).

    .venv/bin/python benchmarks/features.py [--employees 12000] [--triples 1000000] [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table as RichTable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from features.contract import (  # noqa: E402
    COMPETENCY_CODES,
    EDUCATION_FIELDS,
    EDUCATION_LEVELS,
    JABATAN_TYPES,
    PNS_GOLONGAN,
    RATINGS,
    SECTORS,
    Dataset,
)  # fmt: skip
from features.fit import FitFeatureBuilder  # noqa: E402
from tests.factories import typed_frame  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "features.json"
REGIONS = ("7501", "7502", "7503", "7504", "7505", "7571")
EXPORT = pd.Timestamp("2025-12-31")


def standin_dataset(n_employees: int, seed: int) -> Dataset:
    """Contract-typed tables with province-like volumes, drawn at random (vectorised)."""
    rng = np.random.default_rng(seed)
    n_units = max(20, n_employees // 60)
    n_pos = max(60, n_employees // 4)
    units = pd.DataFrame(
        {
            "unit_id": [f"U{i:04d}" for i in range(n_units)],
            "name": [f"Unit {i}" for i in range(n_units)],
            "sector": rng.choice(SECTORS, n_units),
            "region_code": rng.choice(REGIONS, n_units),
            "parent_unit_id": None,
        }
    )
    pos_ids = np.array([f"J{i:05d}" for i in range(n_pos)])
    positions = pd.DataFrame(
        {
            "position_id": pos_ids,
            "unit_id": units["unit_id"].to_numpy()[rng.integers(0, n_units, n_pos)],
            "title": "Jabatan",
            "jabatan_type": rng.choice(JABATAN_TYPES, n_pos),
            "min_golongan": rng.choice(PNS_GOLONGAN[4:14], n_pos),
            "min_education_level": rng.choice(["SMA", "D3", "S1", "S2"], n_pos),
            "education_fields": [";".join(rng.choice(EDUCATION_FIELDS, 2)) for _ in range(n_pos)],
            "competency_requirements": [
                f"manajerial:{rng.integers(1, 5)};teknis_{rng.choice(SECTORS)}:{rng.integers(1, 5)}"
                for _ in range(n_pos)
            ],
            "abk_need": rng.integers(1, 9, n_pos),
            "is_active": True,
        }
    )
    birth = EXPORT - pd.to_timedelta(rng.integers(22 * 365, 58 * 365, n_employees), unit="D")
    tmt = birth + pd.to_timedelta(rng.integers(20 * 365, 22 * 365, n_employees), unit="D")
    tmt = tmt.where(tmt < EXPORT, EXPORT - pd.Timedelta(days=30))
    nips = np.array([f"{i:018d}" for i in range(n_employees)])
    # Up to four moves each, on sorted random dates between TMT CPNS and the export.
    n_moves = rng.integers(0, 5, n_employees)
    mover = np.repeat(np.arange(n_employees), n_moves)
    span = (EXPORT - tmt).days.to_numpy()[mover]
    offset = np.sort(rng.random(len(mover)) + mover) - mover  # sorted within each mover
    move_day = tmt.to_numpy()[mover] + pd.to_timedelta(offset * span, unit="D")
    # Each employee walks a path of n_moves + 1 positions; consecutive positions differ.
    path = np.cumsum(rng.integers(1, n_pos, len(mover) + n_employees)) % n_pos
    first = np.r_[0, np.cumsum(n_moves + 1)[:-1]]
    move_start = np.r_[0, np.cumsum(n_moves)[:-1]]
    from_idx = np.repeat(first, n_moves) + np.arange(len(mover)) - np.repeat(move_start, n_moves)
    last_pos = path[first + n_moves]
    last_start = tmt.to_numpy().copy()
    has_moved = n_moves > 0
    last_start[has_moved] = move_day[move_start[has_moved] + n_moves[has_moved] - 1]
    employees = pd.DataFrame(
        {
            "nip": nips,
            "name": None,
            "birth_date": birth,
            "gender": rng.choice(["L", "P"], n_employees),
            "employment_type": np.where(rng.random(n_employees) < 0.8, "PNS", "PPPK"),
            "tmt_cpns": tmt,
            "golongan": "III/a",
            "education_level": "S1",
            "education_field": rng.choice(EDUCATION_FIELDS, n_employees),
            "position_id": pos_ids[last_pos],
            "position_start_date": last_start,
            "home_region_code": rng.choice(REGIONS, n_employees),
            "status": "aktif",
            "discipline_level": "none",
            "discipline_until": None,
            "potential": None,
        }
    )
    employees.loc[employees["employment_type"] == "PPPK", "golongan"] = "IX"
    transfers = pd.DataFrame(
        {
            "transfer_id": [f"T{i}" for i in range(len(mover))],
            "nip": nips[mover],
            "effective_date": move_day,
            "from_position_id": pos_ids[path[from_idx]],
            "to_position_id": pos_ids[path[from_idx + 1]],
            "kind": "mutasi",
        }
    )
    years = np.arange(2012, 2025)
    grid = pd.MultiIndex.from_product([np.arange(n_employees), years]).to_frame(index=False)
    grid = grid[grid[1] > tmt.year.to_numpy()[grid[0]]]
    performance = pd.DataFrame(
        {
            "nip": nips[grid[0]],
            "year": grid[1].to_numpy(),
            "rating": rng.choice(RATINGS, len(grid), p=[0.01, 0.04, 0.1, 0.65, 0.2]),
            "score": np.where(grid[1].to_numpy() < 2022, rng.uniform(60, 95, len(grid)), np.nan),
        }
    )
    who = rng.integers(0, n_employees, 3 * n_employees)
    when = tmt.to_numpy()[who] + pd.to_timedelta(rng.integers(0, 3000, len(who)), unit="D")
    rank_history = pd.DataFrame(
        {"nip": nips[who], "golongan": rng.choice(PNS_GOLONGAN[8:14], len(who)), "tmt": when}
    ).drop_duplicates(["nip", "tmt"])
    education_history = pd.DataFrame(
        {
            "nip": nips,
            "education_level": rng.choice(EDUCATION_LEVELS[2:], n_employees),
            "education_field": employees["education_field"],
            "graduation_date": tmt - pd.Timedelta(days=400),
        }
    )
    assessments = pd.DataFrame(
        {
            "nip": nips[who],
            "assessed_on": when,
            "code": rng.choice(COMPETENCY_CODES, len(who)),
            "level": rng.integers(1, 6, len(who)),
        }
    )
    asker = rng.integers(0, n_employees, n_employees // 2)
    preferences = pd.DataFrame(
        {
            "nip": nips[asker],
            "submitted_on": EXPORT - pd.to_timedelta(rng.integers(1, 3000, len(asker)), unit="D"),
            "unit_id": units["unit_id"].to_numpy()[rng.integers(0, n_units, len(asker))],
            "priority": rng.integers(1, 4, len(asker)),
        }
    )
    tables = {
        "units": units, "positions": positions, "employees": employees,
        "performance": performance, "transfers": transfers, "rank_history": rank_history,
        "education_history": education_history, "competency_assessments": assessments,
        "preferences": preferences,
    }  # fmt: skip
    return Dataset(**{k: typed_frame(k, v) for k, v in tables.items()}, export_date=EXPORT)  # type: ignore[arg-type]


def synth_dataset(n_employees: int, seed: int, workdir: Path) -> Dataset:
    """A province from the project's generator, loaded through the contract loader."""
    from features.data import load_dataset
    from features.synth import generate_province

    generate_province(preset="gorontalo", seed=seed, n_employees=n_employees, out_dir=workdir)
    return load_dataset(workdir)


def sample_triples(dataset: Dataset, n: int, seed: int) -> pd.DataFrame:
    """Random (nip, position_id, as_of) with thousands of distinct dates, employees in service."""
    rng = np.random.default_rng(seed)
    emp = dataset.employees
    who = rng.integers(0, len(emp), n)
    tmt = emp["tmt_cpns"].to_numpy()[who]
    export = dataset.export_date or EXPORT
    span = (np.datetime64(export) - tmt).astype("timedelta64[D]").astype(np.int64)
    as_of = tmt + (1 + (rng.random(n) * np.maximum(span - 1, 1)).astype(np.int64)).astype(
        "timedelta64[D]"
    )
    positions = dataset.positions["position_id"].to_numpy()
    return pd.DataFrame(
        {
            "nip": emp["nip"].to_numpy()[who],
            "position_id": positions[rng.integers(0, len(positions), n)],
            "as_of": pd.to_datetime(as_of).astype("datetime64[ns]"),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=12_000)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--source", choices=["auto", "synth", "standin"], default="auto")
    args = parser.parse_args()
    console = Console()

    import features.synth

    source = args.source
    if source == "auto":
        source = "synth" if hasattr(features.synth, "generate_province") else "standin"
    status = console.status(f"building a {args.employees:,}-employee province ({source})")
    with tempfile.TemporaryDirectory() as tmp, status:
        start = time.perf_counter()
        dataset = (
            synth_dataset(args.employees, args.seed, Path(tmp))
            if source == "synth"
            else standin_dataset(args.employees, args.seed)
        )
        build_s = time.perf_counter() - start
    tracemalloc.start()
    start = time.perf_counter()
    builder = FitFeatureBuilder().fit(dataset)
    fit_s = time.perf_counter() - start
    triples = sample_triples(dataset, args.triples, args.seed)
    tracemalloc.reset_peak()
    with console.status(f"transform of {len(triples):,} triples"):
        start = time.perf_counter()
        frame = builder.transform(triples)
        transform_s = time.perf_counter() - start
    transform_peak = tracemalloc.get_traced_memory()[1]
    del frame
    tracemalloc.stop()

    as_of = (dataset.export_date or EXPORT) + pd.Timedelta(days=1)
    start = time.perf_counter()
    snapshot = builder.snapshot(as_of)
    snapshot_s = time.perf_counter() - start
    rng = np.random.default_rng(args.seed)
    n_cand = min(args.candidates, len(snapshot))
    nips = list(snapshot.nips[rng.choice(len(snapshot), n_cand, replace=False)])
    positions = dataset.positions["position_id"].to_numpy()
    latencies_ms = []
    for run in range(args.runs + 5):
        position = positions[run % len(positions)]
        start = time.perf_counter()
        snapshot.pair_features(position, nips)
        if run >= 5:  # warm-up runs are not counted
            latencies_ms.append((time.perf_counter() - start) * 1000)
    lat = np.array(latencies_ms)

    result = {
        "source": source,
        "employees": len(dataset.employees),
        "positions": len(dataset.positions),
        "transfers": len(dataset.transfers),
        "performance_rows": len(dataset.performance),
        "province_build_s": round(build_s, 2),
        "fit_s": round(fit_s, 3),
        "triples": len(triples),
        "distinct_dates": int(triples["as_of"].nunique()),
        "transform_s": round(transform_s, 2),
        "transform_rows_per_s": round(len(triples) / transform_s),
        "transform_peak_mib": round(transform_peak / 2**20, 1),
        "snapshot_s": round(snapshot_s, 3),
        "candidates": n_cand,
        "runs": len(lat),
        "pair_median_ms": round(float(np.median(lat)), 3),
        "pair_p99_ms": round(float(np.percentile(lat, 99)), 3),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "targets": {"transform_s": 60, "pair_median_ms": 15},
        "cpu_count": __import__("os").cpu_count(),
        "python": platform.python_version(),
    }
    result["meets_targets"] = bool(transform_s < 60 and np.median(lat) < 15)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")

    table = RichTable(title=f"Fit features ({source} province, {result['employees']:,} employees)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("fit (index history)", f"{fit_s:.2f} s", "")
    table.add_row(
        f"transform {len(triples):,} triples ({result['distinct_dates']:,} dates)",
        f"{transform_s:.1f} s", "< 60 s",
    )  # fmt: skip
    table.add_row("  rows per second", f"{result['transform_rows_per_s']:,}", "")
    table.add_row("  peak traced memory", f"{result['transform_peak_mib']:,} MiB", "")
    table.add_row("snapshot at one date", f"{snapshot_s * 1000:.0f} ms", "")
    table.add_row(
        f"pair_features, {n_cand:,} candidates: median", f"{np.median(lat):.2f} ms", "< 15 ms"
    )
    table.add_row("  p99", f"{np.percentile(lat, 99):.2f} ms", "")
    table.add_row("max RSS of the process", f"{result['max_rss_mib']:,} MiB", "")
    console.print(table)
    console.print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
