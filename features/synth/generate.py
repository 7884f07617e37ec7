"""``generate_province``: organisation, simulation, export, in one deterministic call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from rich.progress import Progress, TaskID

from features.contract import Table
from features.synth.careers import RESTRUCTURING, Simulation, SimulationResult
from features.synth.organisation import NO_END, build_organisation
from features.synth.outcome import StructuralModel
from features.synth.persist import save_export_state
from features.synth.policy import PolicyParams
from features.synth.presets import Preset, day_number, get_preset
from features.synth.tables import Export, build_export
from features.synth.write import FORMATS, clear_dataset, write_manifest, write_oracle, write_table

DEFAULT_END = date(2025, 12, 31)
MIN_EMPLOYEES = 200


@dataclass(frozen=True)
class GenerationSummary:
    """What a generation produced: where, how much, how long."""

    preset: str
    seed: int
    n_employees: int
    out_dir: Path
    fmt: str
    exported_at: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def source(self) -> str:
        """The manifest's source string."""
        return f"mutasi-synth {self.preset} seed {self.seed}"


def _check(preset: str, n_employees: int, fmt: str, end_date: date) -> None:
    get_preset(preset)
    if n_employees < MIN_EMPLOYEES:
        raise ValueError(f"n_employees must be at least {MIN_EMPLOYEES} (got {n_employees})")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not 2012 <= end_date.year <= 2100:
        raise ValueError(f"end_date {end_date} outside the supported years 2012..2100")


def generate_province(
    preset: str = "gorontalo",
    seed: int = 7,
    n_employees: int = 3000,
    out_dir: Path | str | None = None,
    *,
    fmt: str = "csv",
    end_date: date | None = None,
    progress: bool = False,
) -> GenerationSummary:
    """Simulate about ten years of one pemda's ASN careers and write a contract dataset.

    ``out_dir`` defaults to the configured data directory (``MUTASI_DATA_DIR``). The same
    arguments always give the same files.
    """
    started = time.perf_counter()
    end = end_date or DEFAULT_END
    _check(preset, n_employees, fmt, end)
    if out_dir is None:
        from mutasi.settings import get_settings

        out_dir = get_settings().data_dir
    out = Path(out_dir)
    spec = get_preset(preset)
    model = StructuralModel()
    with _Progress(progress) as step:
        simulated = simulate_export(spec, seed, n_employees, end, model, step)
        sim, result, export = simulated.sim, simulated.result, simulated.export
        out.mkdir(parents=True, exist_ok=True)
        clear_dataset(out)
        for table, frame in export.tables.items():
            write_table(table, frame, out, fmt)
        summary = GenerationSummary(
            spec.key,
            seed,
            len(export.tables[Table.EMPLOYEES]),
            out,
            fmt,
            end,
            {t.value: len(f) for t, f in export.tables.items()},
        )
        write_manifest(out, summary.source, end)
        meta = {
            "model": model.to_dict(),
            "policy": asdict(PolicyParams()),
            "preset": spec.key,
            "seed": seed,
            "n_employees": summary.n_employees,
            "exported_at": end.isoformat(),
        }
        write_oracle(out, export.oracle, meta)
        save_export_state(out, result, export, state_meta(sim, spec.key, seed, n_employees))
        step("export", 1, 1)
    return GenerationSummary(**{**asdict(summary), "seconds": time.perf_counter() - started})


def state_meta(sim: Simulation, preset: str, seed: int, n_employees: int) -> dict[str, object]:
    """What a continuation needs besides people and organisation (see features/synth/persist)."""
    return {
        "preset": preset,
        "seed": seed,
        "target_headcount": n_employees,
        "window_start_day": sim.start_day,
        "end_day": sim.end_day,
        "restructure_day": sim.restructure_day,
        "continuations": [],
    }


@dataclass(frozen=True)
class Simulated:
    """One pemda simulated: the simulation (its state is what a continuation resumes), its result
    and the export built from it."""

    sim: Simulation
    result: SimulationResult
    export: Export


def simulate_export(
    spec: Preset,
    seed: int,
    n_employees: int,
    end: date,
    model: StructuralModel,
    step: Callable[[str, int, int], None],
) -> Simulated:
    """Organisation, ten years of careers and the export of one pemda (nothing written)."""
    org_seed, sim_seed, export_seed = np.random.SeedSequence(seed).spawn(3)
    restructure = day_number(RESTRUCTURING)
    if not end.year - 9 <= RESTRUCTURING.year <= end.year or restructure > day_number(end):
        restructure = NO_END
    step("organisation", 0, 1)
    org = build_organisation(spec, n_employees, restructure, np.random.default_rng(org_seed))
    step("organisation", 1, 1)
    sim = Simulation(
        spec, org, n_employees, end, restructure, np.random.default_rng(sim_seed), model
    )
    result = sim.run(progress=lambda k, n: step("simulation", k, n))
    step("export", 0, 1)
    export = build_export(result, spec, model, np.random.default_rng(export_seed))
    return Simulated(sim, result, export)


class _Progress:
    """A rich progress bar (one line per phase) when enabled, otherwise a no-op callable."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Progress | None = Progress(transient=False) if enabled else None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self._bar is None:
            return
        if phase not in self._tasks:
            self._tasks[phase] = self._bar.add_task(phase, total=total)
        self._bar.update(self._tasks[phase], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
