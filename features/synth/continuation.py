"""``continue_province``: a generated dataset carried on by whole calendar years.

The source's ``_oracle/state/`` holds the simulation as it stood at export; the continuation
restores it and runs more years of the same world (features/synth/continued.py): promotions,
retirements, hires, assessments, requests, the historical policy's transfers (or, in the first
continued year, the moves given instead), and each year's SKP from the same structural model.
It then writes a new dataset: the contract tables at the new export (31 December of the last
continued year), ``manifest.json``, and ``_oracle/`` updated so that :class:`Oracle` answers for
the new dates and people. Rows dated before the source's export are the source's rows, for
everyone still in service. The same source, moves and seed always give the same files.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.contract import Table
from features.synth.careers import SimulationResult
from features.synth.continued import ContinuedExporter, ContinuedSimulation, day_to_date
from features.synth.generate import GenerationSummary, _Progress
from features.synth.given_moves import GivenMoves, World, check_moves
from features.synth.oracle import read_model
from features.synth.persist import load_state, save_export_state, state_dir
from features.synth.policy import PolicyParams
from features.synth.presets import get_preset
from features.synth.tables import Export, build_export
from features.synth.write import (
    FORMATS,
    MANIFEST,
    clear_dataset,
    write_manifest,
    write_oracle,
    write_table,
)

MAX_YEARS = 30
GIVEN_MOVES_FILE = "given_moves.parquet"  # under _oracle/: the given moves and their transfers
CAPACITY_PER_YEAR = 0.12  # room for hires, as a share of the headcount per continued year


def continue_province(
    source_dir: Path,
    out_dir: Path,
    *,
    years: int = 1,
    moves: pd.DataFrame | None = None,
    seed: int | None = None,
    progress: bool = False,
) -> GenerationSummary:
    """Continue the dataset in ``source_dir`` by ``years`` calendar years into ``out_dir``.

    ``moves`` (columns nip, to_position_id, effective_date, dates inside the first continued
    year) are executed instead of the historical policy's moves of that year; an empty frame
    means nobody moves that year. Invalid rows raise :class:`~features.synth.given_moves.
    MoveError` naming each row and its reason. ``seed`` defaults to the source's seed.
    """
    started = time.perf_counter()
    source, out = Path(source_dir), Path(out_dir)
    _check_paths(source, out, years)
    model, oracle_meta = read_model(source)
    saved = load_state(source, CAPACITY_PER_YEAR * years)
    meta = saved.meta
    source_end = day_to_date(meta["end_day"])
    if (source_end.month, source_end.day) != (12, 31):
        raise ValueError(
            f"{source}: exported on {source_end}; only a dataset exported on 31 December "
            "can be continued (by whole calendar years)"
        )
    seed = int(meta["seed"]) if seed is None else int(seed)
    spec = get_preset(str(meta["preset"]))
    m = saved.nips.size
    pop = saved.pop
    world = World(
        pd.Index(saved.nips.astype(str)), pop.pos[:m], pop.birth[:m], pop.retire[:m], saved.org
    )
    given = None if moves is None else check_moves(moves, world, source_end.year + 1)
    sim_seed, export_seed = np.random.SeedSequence([seed, source_end.toordinal()]).spawn(2)
    policy = PolicyParams(**oracle_meta.get("policy", {}))
    with _Progress(progress) as step:
        sim = ContinuedSimulation(
            spec, saved, years, np.random.default_rng(sim_seed), model, policy, given, seed
        )
        result = sim.run(progress=lambda k, n: step("continuation", k, n))
        step("export", 0, 1)
        rng = np.random.default_rng(export_seed)
        exporter = ContinuedExporter(result, spec, model, rng, saved)
        export = build_export(result, spec, model, rng, exporter)
        record = {
            "source_exported_at": source_end.isoformat(),
            "exported_at": day_to_date(result.end_day).isoformat(),
            "years": years,
            "seed": seed,
            "given_moves": None if given is None else len(given.person),
        }
        lineage = [*meta.get("continuations", []), record]
        fmt = _source_format(source)
        _write(out, fmt, result, export, exporter, oracle_meta, lineage)
        if given is not None:
            _given_record(given, saved.nips, export, world).to_parquet(
                state_dir(out).parent / GIVEN_MOVES_FILE, index=False
            )
        step("export", 1, 1)
    rows = {t.value: len(f) for t, f in export.tables.items()}
    n_out, end = rows[Table.EMPLOYEES.value], day_to_date(result.end_day)
    return GenerationSummary(
        spec.key, seed, n_out, out, fmt, end, rows, time.perf_counter() - started
    )


def _write(
    out: Path,
    fmt: str,
    result: SimulationResult,
    export: Export,
    exporter: ContinuedExporter,
    oracle_meta: dict[str, Any],
    lineage: list[dict[str, Any]],
) -> None:
    """The new dataset: tables, manifest, oracle (``model.json`` updated), simulation state."""
    end = day_to_date(result.end_day)
    out.mkdir(parents=True, exist_ok=True)
    clear_dataset(out)
    for table, frame in export.tables.items():
        write_table(table, frame, out, fmt)
    first = exporter.saved.meta
    write_manifest(out, _source_text(str(first["preset"]), int(first["seed"]), lineage), end)
    updated = {
        **oracle_meta,
        "n_employees": len(export.tables[Table.EMPLOYEES]),
        "exported_at": end.isoformat(),
        "continuations": lineage,
    }
    write_oracle(out, export.oracle, updated)
    state = {**first, "end_day": result.end_day, "continuations": lineage}
    state.pop("version", None)
    save_export_state(out, result, export, state, exporter.all_transfer_ids)


def _check_paths(source: Path, out: Path, years: int) -> None:
    if not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be a whole number 1..{MAX_YEARS} (got {years!r})")
    if not (source / MANIFEST).is_file():
        raise FileNotFoundError(f"{source}: no {MANIFEST}; not a generated dataset")
    if source.resolve() == out.resolve():
        raise ValueError(f"out_dir {out} is the source itself; continue into another directory")


def _source_format(source: Path) -> str:
    """The file format of the source's tables (the continuation keeps it)."""
    for fmt in FORMATS:
        if (source / f"{Table.EMPLOYEES.value}.{fmt}").is_file():
            return fmt
    raise FileNotFoundError(f"{source}: no employees table ({', '.join(FORMATS)})")


def _source_text(preset: str, seed: int, lineage: list[dict[str, Any]]) -> str:
    """The manifest's source: the generation and each continuation."""
    steps = ", ".join(f"continued to {s['exported_at']} (seed {s['seed']})" for s in lineage)
    return f"mutasi-synth {preset} seed {seed}, {steps}"


def _given_record(
    given: GivenMoves, nips: np.ndarray, export: Export, world: World
) -> pd.DataFrame:
    """Each given move with the transfer it became (no transfer_id: the person has left)."""
    org = world.org
    position_ids = org.positions["position_id"].to_numpy(dtype=object)
    record = pd.DataFrame(
        {
            "nip": nips[given.person],
            "to_position_id": position_ids[given.target],
            "effective_date": pd.to_datetime([day_to_date(int(d)) for d in given.day]),
        }
    )
    transfers = export.tables[Table.TRANSFERS]
    keyed = transfers[
        ["nip", "to_position_id", "effective_date", "transfer_id", "from_position_id"]
    ]
    keyed = keyed.assign(effective_date=pd.to_datetime(keyed["effective_date"]))
    return record.merge(
        keyed, on=["nip", "to_position_id", "effective_date"], how="left", validate="one_to_one"
    )
