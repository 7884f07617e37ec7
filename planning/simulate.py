"""Policy simulation: one generated province run forward several years under each transfer
policy, side by side, with the generator's closed loop (``features.synth.continue_province``).

Each year, in each policy's own world (its previous year's export):

- ``historical``: the generator's own policy moves people (the pemda's practice); its number
  of moves that year caps every other policy's moves;
- ``greedy`` / ``plan``: a model trained on that world's export (``training.train`` into a
  temporary MLflow store) scores the open seats' eligible pairs; greedy fills them post by post,
  the exact optimiser jointly (``make_plan``, the ``mutasi plan`` path);
- ``oracle``: the exact optimiser on the oracle's expected ratings.

The moves take effect on 1 January of the year and the continuation draws the rest of the year
(docs/generator.md). Seats follow one rule for every policy (planning.policy_moves); results
come from the exports (planning.policy_metrics). The historical world runs one extra year so
that its last year's moves, made during the year, get their first full year's rating too.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd

from features.contract import Table
from features.synth import MoveError, Oracle, continue_province, generate_province
from mutasi.settings import Settings, get_settings
from planning.policy_metrics import moved_metrics, read_table, staff_metrics
from planning.policy_moves import MOVE_COLUMNS, decide, open_seats, plan_moves, plan_request
from serving.schemas.plans import PlanPolicyRequest
from serving.state import HrSnapshot, ServingState, build_state
from training.bundle import ModelBundle, load_bundle
from training.fitting import TrainConfig
from training.train import train

POLICIES = ("historical", "greedy", "plan", "oracle")
MODEL_POLICIES = ("greedy", "plan")
START_YEAR = 2025  # the generator's default export year
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SimulationConfig:
    """One simulated province: which, how big, how many years, which policies."""

    preset: str = "gorontalo"
    seed: int = 7
    employees: int = 3000
    years: int = 3
    policies: tuple[str, ...] = POLICIES
    train: TrainConfig = field(default_factory=lambda: TrainConfig(max_vacancies=60))
    plan_policy: PlanPolicyRequest = field(default_factory=PlanPolicyRequest)

    def __post_init__(self) -> None:
        unknown = [p for p in self.policies if p not in POLICIES]
        if unknown or "historical" not in self.policies:
            raise ValueError(f"policies must include historical, from {POLICIES}: {unknown}")
        if not 1 <= self.years <= 10:
            raise ValueError(f"years must be 1..10 (got {self.years})")


@dataclass
class SimulationRun:
    """Per (policy, year) metrics, and the seconds each step took."""

    config: SimulationConfig
    rows: list[dict[str, Any]]
    seconds: dict[str, float]

    def frame(self) -> pd.DataFrame:
        """The rows as a frame: policy, year, then the metrics."""
        return pd.DataFrame(self.rows)


class _Clock:
    """Seconds per step, summed."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def __call__(self, step: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[step] += time.perf_counter() - started


class _Models:
    """Serving states of worlds: on a model trained on the world, or (for the oracle, whose
    plan reads no prediction) on any model, for the eligibility rules and the pairs."""

    def __init__(self, config: SimulationConfig, settings: Settings, clock: _Clock) -> None:
        self.config, self.settings, self.clock = config, settings, clock
        self.trained_on: dict[Path, ServingState] = {}
        self.borrowed: dict[Path, ServingState] = {}
        self.bundle: ModelBundle | None = None

    def trained(self, world: Path) -> ServingState:
        """A state on a model trained on ``world`` (trained once per world)."""
        if world in self.trained_on:
            return self.trained_on[world]
        result = self.clock(
            "train", lambda: train(world, self.config.train, settings=self.settings)
        )
        uri = f"models:/{self.settings.model_name}/{result.model_version}"
        bundle = load_bundle(uri, self.settings)
        inputs = result.prepared.inputs
        snapshot = HrSnapshot(
            world.resolve(), inputs.dataset, inputs.builder, dict(inputs.builder_params)
        )
        state = build_state(self.settings, bundle, snapshot)
        self.bundle = self.bundle or bundle
        self.trained_on[world] = state
        return state

    def any_state(self, world: Path) -> ServingState:
        """A state of ``world`` for eligibility only (its predictions are not used)."""
        if world in self.trained_on:
            return self.trained_on[world]
        if world not in self.borrowed:
            if self.bundle is None:
                return self.trained(world)
            self.borrowed[world] = build_state(self.settings, self.bundle, None, world)
        return self.borrowed[world]

    def keep_only(self, worlds: set[Path]) -> None:
        """Forget the states of worlds no policy is in any more."""
        self.trained_on = {w: s for w, s in self.trained_on.items() if w in worlds}
        self.borrowed = {w: s for w, s in self.borrowed.items() if w in worlds}


def simulate(
    config: SimulationConfig,
    work_dir: Path,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> SimulationRun:
    """Run every policy of ``config`` for ``config.years`` years from one generated province."""
    work = Path(work_dir)
    settings = settings or get_settings().model_copy(
        update={"var_dir": work / "var", "mlflow_tracking_uri": None}
    )
    say = progress or (lambda _: None)
    previous = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    clock = _Clock()
    try:
        rows = _run(config, work, settings, clock, say)
    finally:
        mlflow.set_tracking_uri(previous[0])
        mlflow.set_registry_uri(previous[1])
    return SimulationRun(config, rows, dict(clock.seconds))


def _run(
    config: SimulationConfig, work: Path, settings: Settings, clock: _Clock, say: Progress
) -> list[dict[str, Any]]:
    base = work / "base"
    say(f"generating {config.preset} seed {config.seed}, {config.employees} employees")
    clock(
        "generate",
        lambda: generate_province(config.preset, config.seed, config.employees, base),
    )
    models = _Models(config, settings, clock)
    worlds: dict[tuple[str, int], Path] = {(p, START_YEAR): base for p in config.policies}
    moves: dict[tuple[str, int], pd.DataFrame] = {}
    refusals: dict[tuple[str, int], pd.DataFrame] = {}
    last = START_YEAR + config.years
    for year in range(START_YEAR + 1, last + 1):
        source = worlds[("historical", year - 1)]
        say(f"{year}: historical policy")
        worlds[("historical", year)] = _continue(clock, source, work / "historical" / str(year))
        moves[("historical", year)] = _moves_of_year(worlds[("historical", year)], year)
        cap = len(moves[("historical", year)])
        for policy in config.policies:
            if policy == "historical":
                continue
            say(f"{year}: {policy}")
            src = worlds[(policy, year - 1)]
            state = models.trained(src) if policy in MODEL_POLICIES else models.any_state(src)
            planned = _planned(policy, state, src, year, cap, config, settings, clock)
            out, given, refused = _continue_with(clock, src, work / policy / str(year), planned)
            worlds[(policy, year)] = out
            moves[(policy, year)] = _with_origin(given, src)
            refusals[(policy, year)] = refused
        models.keep_only({worlds[(p, year)] for p in config.policies})
    say("outcome year of the historical policy's last moves")
    worlds[("historical", last + 1)] = _continue(
        clock, worlds[("historical", last)], work / "historical" / str(last + 1)
    )
    say("measuring")
    return clock("metrics", lambda: _rows(config, worlds, moves, refusals))


def _planned(
    policy: str,
    state: ServingState,
    world: Path,
    year: int,
    cap: int,
    config: SimulationConfig,
    settings: Settings,
    clock: _Clock,
) -> pd.DataFrame:
    """One policy's moves for ``year``, decided on the world's export of the year before."""
    as_of = date(year - 1, 12, 31)
    seats = open_seats(state, as_of, cap)
    if seats.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    request = plan_request(seats, as_of, config.plan_policy)
    oracle = Oracle.load(world) if policy == "oracle" else None
    result = clock(f"decide_{policy}", partial(decide, policy, state, request, settings, oracle))
    return plan_moves(result, date(year, 1, 1))


def _continue(clock: _Clock, source: Path, out: Path, moves: pd.DataFrame | None = None) -> Path:
    clock("continue", lambda: continue_province(source, out, years=1, moves=moves))
    return out


def _continue_with(
    clock: _Clock, source: Path, out: Path, moves: pd.DataFrame
) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """Continue with a plan's moves; the moves the generator refuses (someone whose pension
    starts on the effective date: the rules judge the age against the *target* post's BUP)
    are left out and returned with their reasons, never lost."""
    try:
        return _continue(clock, source, out, moves), moves, moves.iloc[:0].assign(reason="")
    except MoveError as err:
        rejected = err.rejected
    kept = moves.drop(index=moves.index[rejected["row"].to_numpy() - 1])
    return _continue(clock, source, out, kept), kept.reset_index(drop=True), rejected


def _moves_of_year(world: Path, year: int) -> pd.DataFrame:
    """The transfers a world's export records in ``year`` (the historical policy's moves)."""
    transfers = read_table(world, Table.TRANSFERS)
    return transfers[transfers["effective_date"].str[:4] == str(year)].reset_index(drop=True)


def _with_origin(moves: pd.DataFrame, source: Path) -> pd.DataFrame:
    """Given moves with the post each person held before (from the decision's export)."""
    held = read_table(source, Table.EMPLOYEES).set_index("nip")["position_id"]
    return moves.assign(from_position_id=moves["nip"].map(held).to_numpy())


def _rows(
    config: SimulationConfig,
    worlds: dict[tuple[str, int], Path],
    moves: dict[tuple[str, int], pd.DataFrame],
    refusals: dict[tuple[str, int], pd.DataFrame],
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    start = staff_metrics(worlds[("historical", START_YEAR)], START_YEAR)
    for policy in config.policies:
        rows.append({"policy": policy, "year": START_YEAR, **start})
        for year in range(START_YEAR + 1, START_YEAR + config.years + 1):
            world = worlds[(policy, year)]
            # Moves made during the year are rated the next year; 1 January moves that year.
            outcome = worlds[(policy, year + 1)] if policy == "historical" else world
            row = {"policy": policy, "year": year, **staff_metrics(world, year)}
            row.update(
                moved_metrics(
                    moves[(policy, year)],
                    worlds[(policy, year - 1)],
                    outcome,
                    date(year - 1, 12, 31),
                )
            )
            refused = refusals.get((policy, year))
            row["planned_not_made"] = 0 if refused is None else len(refused)
            row["not_made_reasons"] = (
                {} if refused is None else refused["reason"].value_counts().to_dict()
            )
            rows.append(row)
    return rows
