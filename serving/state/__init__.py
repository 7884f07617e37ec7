"""What the service serves: model bundle, HR snapshot, feature builder and rule set, swappable.

A :class:`ServingState` is built completely before anyone sees it and never changes afterwards
(apart from its cache of per-date employee snapshots). :class:`StateHolder` holds the current
one; a reload builds a new state off to the side and then swaps one reference, so a request
that already took the old state finishes on it and no request ever sees half a state. A load
that fails leaves the old state serving and says why.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.catalogue import FeatureCatalogue, load_catalogue
from features.codes import id_array, optional_str
from features.contract import MAX_CELL_LENGTH, Dataset
from features.data import load_dataset
from features.eligibility import (
    CandidateColumns,
    FreezeTable,
    PositionTarget,
    RuleSet,
    rule_set_from_settings,
)
from features.eligibility_columns import TargetColumns, target_columns
from features.fit import EmployeeSnapshot, FitFeatureBuilder
from mutasi.settings import Settings
from serving.audit.records import Lineage
from serving.errors import NotReadyError, ReloadBusyError, ReloadError
from serving.state.memory import release_when_gone
from serving.state.statements import NO_STATEMENTS, Statements
from training.bundle import ModelBundle, load_bundle, resolve_model_uri
from training.pipeline_inputs import fitted_builder

# The staffing impact of a move is read off these pair features (see serving.domain.ranking).
STAFFING_FEATURES: tuple[str, ...] = (
    "target_position_shortage",
    "target_unit_shortage",
    "source_unit_shortage_after",
)


@dataclass(frozen=True)
class HrSnapshot:
    """A loaded contract directory and the feature builder fitted on it."""

    data_dir: Path
    dataset: Dataset
    builder: FitFeatureBuilder
    builder_params: dict[str, Any]


@dataclass(frozen=True)
class AsOfView:
    """The snapshot seen at one date: employee sides, state frame, staffing per position."""

    as_of: pd.Timestamp
    employees: EmployeeSnapshot
    state: pd.DataFrame
    candidates: CandidateColumns  # the state's columns the rules read, converted once
    position_shortage: np.ndarray  # abk_need - headcount per position code, at as_of
    # Row lookups the hot path needs as plain Python/numpy (pandas per-row access is slow).
    nips: np.ndarray
    row_of_nip: dict[str, int]
    position_ids: np.ndarray
    unit_ids: np.ndarray


class ServingState:
    """One consistent set of model, data and rules. Read-only once built."""

    def __init__(
        self,
        bundle: ModelBundle,
        snapshot: HrSnapshot,
        rule_set: RuleSet,
        interval_level: float,
        cache_size: int,
        model_name: str,
        predict_threads: int = 1,
    ) -> None:
        self.bundle = bundle
        self.model_name = model_name
        self.snapshot = snapshot
        self.rule_set = rule_set
        self.interval_level = interval_level
        self.cache_size = cache_size
        self.loaded_at = datetime.now(UTC)
        self.catalogue: FeatureCatalogue = load_catalogue(bundle.catalogue_path)
        self.feature_names: list[str] = list(bundle.feature_names)
        self.feature_specs = [self.catalogue.by_name(name) for name in self.feature_names]
        built = list(snapshot.builder.get_feature_names_out())
        missing = [f for f in STAFFING_FEATURES if f not in self.feature_names]
        if missing:
            raise ReloadError(f"model {bundle.model_uri} lacks the staffing features {missing}")
        if built != self.feature_names:
            raise ReloadError(
                f"model {bundle.model_uri} expects features {self.feature_names} but the feature "
                f"builder gives {built}: retrain the model on this feature catalogue"
            )
        self.regressor: lgb.Booster = bundle.model.regressor_
        self.classifier: lgb.Booster = bundle.model.classifier_
        self.half_width = _half_width(bundle, interval_level)
        self.predict_threads = predict_threads
        dataset = snapshot.dataset
        self.units = dataset.units.set_index("unit_id", drop=False)
        self.unit_names = {str(k): str(v) for k, v in self.units["name"].items()}
        positions = dataset.positions
        if "is_active" not in positions.columns:
            positions = positions.assign(is_active=True)
        self.positions = positions.set_index("position_id", drop=False)
        self.position_code = pd.Index(snapshot.builder.positions_.ids)
        self.active_positions = (
            self.positions["is_active"].reindex(self.position_code).to_numpy(dtype=bool)
        )
        names = dataset.employees.set_index("nip")["name"]
        self.names: dict[str, str | None] = {
            str(n): (None if pd.isna(v) else str(v)) for n, v in names.items()
        }
        self.targets = _position_targets(self.positions, dataset.units)
        # Per target: (feature-builder code, title, abk_need); pandas look-ups cost ~0.4 ms a
        # ranking.
        codes = {str(p): i for i, p in enumerate(self.position_code)}
        positions = self.positions
        facts = zip(positions.index, positions["title"], positions["abk_need"], strict=True)
        self.target_facts: dict[str, tuple[int, str, int]] = {
            str(pid): (codes.get(str(pid), -1), str(title), int(abk_need))
            for pid, title, abk_need in facts
            if pid in self.targets
        }
        self.earliest_as_of = earliest_as_of(dataset)
        # The same targets as columns, for judging one employee against many posts at once.
        self.target_table: TargetColumns = target_columns(self.targets.values())
        self.target_row = pd.Index(list(self.targets), dtype="object")  # id -> target_table row
        self.freezes = FreezeTable.of(dataset.freeze_periods)
        # Usulan statements applied over the export's preferences (serving.state.overlay).
        self.statements: Statements = NO_STATEMENTS
        self._views: OrderedDict[pd.Timestamp, AsOfView] = OrderedDict()
        self._views_lock = threading.Lock()
        self._building: dict[pd.Timestamp, threading.Lock] = {}

    @property
    def dataset(self) -> Dataset:
        """The served HR snapshot."""
        return self.snapshot.dataset

    @property
    def snapshot_id(self) -> str:
        """Content hash of the served contract files."""
        return self.snapshot.dataset.snapshot_id

    @property
    def lineage(self) -> Lineage:
        """What every answer from this state cites."""
        return Lineage(
            model_name=self.model_name,
            model_version=self.bundle.version or "",
            run_id=self.bundle.run_id,
            rule_set_version=self.rule_set.version,
            snapshot_id=self.snapshot_id,
        )

    def view(self, as_of: date | pd.Timestamp) -> AsOfView:
        """The employee snapshot at a date: built once, then kept (LRU over a few dates).

        A date's first requests wait for one build of it (a lock per date being built);
        requests for dates already cached never wait behind a build.
        """
        key = pd.Timestamp(as_of).normalize()
        with self._views_lock:
            cached = self._cached(key)
            if cached is not None:
                return cached
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._views_lock:
                cached = self._cached(key)
            if cached is not None:
                return cached
            view = self._build_view(key)
            with self._views_lock:
                self._views[key] = view
                while len(self._views) > self.cache_size:
                    self._views.popitem(last=False)
                self._building.pop(key, None)
            return view

    def _cached(self, key: pd.Timestamp) -> AsOfView | None:
        """A cached view, marked as recently used (call with ``_views_lock`` held)."""
        view = self._views.get(key)
        if view is not None:
            self._views.move_to_end(key)
        return view

    def _build_view(self, as_of: pd.Timestamp) -> AsOfView:
        employees = self.snapshot.builder.snapshot(as_of)
        need = self.snapshot.builder.positions_.side.abk_need
        state = employees.state
        return AsOfView(
            as_of=as_of,
            employees=employees,
            state=state,
            candidates=CandidateColumns(state).prepare(self.rule_set.required_columns()),
            position_shortage=need - employees.position_headcount,
            nips=np.asarray(employees.nips.to_numpy(), dtype=object),
            row_of_nip={str(nip): i for i, nip in enumerate(employees.nips)},
            position_ids=id_array(state["position_id"]),
            unit_ids=id_array(state["unit_id"]),
        )

    def warm(self, as_of: date) -> None:
        """Build the view of a date ahead of the first request (start-up: today)."""
        self.view(as_of)


def earliest_as_of(dataset: Dataset) -> date | None:
    """The first decision date the snapshot can speak for: the day after its earliest TMT CPNS.

    Before it nobody in the snapshot was in service (records count from the day after their
    date), so a ranking then would be an empty answer about a time the data does not cover.
    None for a snapshot without employees.
    """
    first = dataset.employees["tmt_cpns"].min()
    return None if pd.isna(first) else (pd.Timestamp(first) + pd.Timedelta(days=1)).date()


def _half_width(bundle: ModelBundle, level: float) -> float:
    conformal = bundle.model.conformal_
    try:
        return float(conformal.half_width(level))
    except KeyError as exc:
        raise ReloadError(
            f"model {bundle.model_uri} has no conformal interval at level {level} "
            f"(MUTASI_INTERVAL_LEVEL); it has {list(conformal.levels)}"
        ) from exc


def _position_targets(positions: pd.DataFrame, units: pd.DataFrame) -> dict[str, PositionTarget]:
    """Eligibility targets of every active position, built once per state."""
    unit = units.set_index("unit_id")
    targets: dict[str, PositionTarget] = {}
    for row in positions.loc[positions["is_active"].astype(bool)].itertuples(index=False):
        targets[str(row.position_id)] = PositionTarget(
            unit_id=str(row.unit_id),
            region_code=str(unit.at[row.unit_id, "region_code"]),
            sector=str(unit.at[row.unit_id, "sector"]),
            jabatan_type=str(row.jabatan_type),
            position_id=str(row.position_id),
            min_golongan=optional_str(row.min_golongan),
            min_education_level=optional_str(row.min_education_level),
        )
    return targets


# ---------------------------------------------------------------------------------------------
# Loading


def load_model(settings: Settings) -> ModelBundle:
    """The model the settings serve (default: the registry's champion)."""
    return load_bundle(resolve_model_uri(settings.serve_model, settings.model_name), settings)


def load_snapshot(
    data_dir: Path, builder_params: dict[str, Any], max_cell_length: int = MAX_CELL_LENGTH
) -> HrSnapshot:
    """Validate and load a contract directory; fit the feature builder the model was trained
    with (same parameters, so serving features equal training features)."""
    dataset = load_dataset(Path(data_dir), max_cell_length=max_cell_length)
    builder = fitted_builder(dataset, builder_params)
    return HrSnapshot(Path(data_dir).resolve(), dataset, builder, dict(builder_params))


def build_state(
    settings: Settings,
    bundle: ModelBundle,
    snapshot: HrSnapshot | None,
    data_dir: Path | None = None,
) -> ServingState:
    """A complete state; reuses ``snapshot`` when the model's builder parameters match it."""
    params = dict(bundle.manifest.builder_params)
    if snapshot is None or snapshot.builder_params != params:
        snapshot = load_snapshot(data_dir or settings.data_dir, params, settings.max_cell_length)
    return ServingState(
        bundle,
        snapshot,
        rule_set_from_settings(settings),
        settings.interval_level,
        settings.snapshot_cache_size,
        _model_name(bundle.model_uri, settings.model_name),
        settings.predict_threads,
    )


def _model_name(model_uri: str, default: str) -> str:
    """Registered name in a ``models:/<name>...`` URI, else the configured model name."""
    if model_uri.startswith("models:/"):
        return model_uri.removeprefix("models:/").split("@")[0].split("/")[0]
    return default


@dataclass(frozen=True)
class ReloadOutcome:
    """What a successful reload changed."""

    state: ServingState
    reloaded: list[str]
    seconds: float


class StateHolder:
    """The current state, the last load error, and serialised reloads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._current: ServingState | None = None
        self.last_error: str | None = None
        self._reload_lock = threading.Lock()
        self._derived: tuple[ServingState, Hashable, ServingState] | None = None
        self._derived_lock = threading.Lock()

    @property
    def current(self) -> ServingState:
        """The state requests use; raises :class:`NotReadyError` before the first load."""
        state = self._current
        if state is None:
            raise NotReadyError(f"service not ready: {self.last_error or 'loading'}")
        return state

    def derived(
        self, base: ServingState, token: Hashable, build: Callable[[ServingState], ServingState]
    ) -> ServingState:
        """A state made from ``base`` (e.g. with usulan statements applied), built once per
        ``token`` and kept while ``base`` is the current state; a reload drops it."""
        with self._derived_lock:
            cached = self._derived
            if cached is not None and cached[0] is base and cached[1] == token:
                return cached[2]
            made = build(base)
            if base is self._current:
                self._derived = (base, token, made)
            return made

    @property
    def ready(self) -> bool:
        """Whether a state is loaded."""
        return self._current is not None

    def load_initial(self, today: date) -> None:
        """Start-up load; a failure is kept in ``last_error`` (readyz reports it), not raised."""
        try:
            self.reload(model=True, snapshot=True, today=today)
        except ReloadError as exc:
            self.last_error = str(exc)

    def reload_requested(
        self, model: bool, snapshot: bool, data_dir: Path | None = None, today: date | None = None
    ) -> ReloadOutcome:
        """A reload an admin asked for (``POST /v1/admin/reload``): :meth:`reload`, but refused
        in one of several uvicorn worker processes, where it would change that worker only and
        answers would then come from two models at random."""
        if several_workers():
            raise ReloadError(
                "this process is one of several uvicorn workers and a reload would change only "
                "this one; reload every worker with a rolling restart: kill -HUP <pid of the "
                "uvicorn parent process> (each worker loads the champion and MUTASI_DATA_DIR)"
            )
        return self.reload(model, snapshot, data_dir, today)

    def reload(
        self, model: bool, snapshot: bool, data_dir: Path | None = None, today: date | None = None
    ) -> ReloadOutcome:
        """Build a new state off to the side, then swap it in; the old one serves until then."""
        if not self._reload_lock.acquire(blocking=False):
            raise ReloadBusyError("another reload is running; try again when it has finished")
        try:
            return self._reload(model, snapshot, data_dir, today)
        finally:
            self._reload_lock.release()

    def _reload(
        self, model: bool, snapshot: bool, data_dir: Path | None, today: date | None
    ) -> ReloadOutcome:
        started = time.perf_counter()
        old = self._current
        try:
            bundle = load_model(self.settings) if model or old is None else old.bundle
            keep = None if snapshot or old is None else old.snapshot
            # Reloading the snapshot re-reads the directory being served unless told otherwise.
            source = data_dir or (old.snapshot.data_dir if old else self.settings.data_dir)
            new = build_state(self.settings, bundle, keep, source)
            if today is not None:
                new.warm(today)
        except ReloadError:
            raise
        except Exception as exc:  # any failure to load must leave the old state serving
            raise ReloadError(_describe(exc)) from exc
        self._current = new  # the swap: one reference assignment
        self._derived = None  # made from the old state: let it go with it
        self.last_error = None
        if old is not None:
            release_when_gone(old)  # once requests in flight on it, and this frame, let go
        reloaded = [name for name, flag in (("model", model), ("snapshot", snapshot)) if flag]
        return ReloadOutcome(new, reloaded, time.perf_counter() - started)


def several_workers() -> bool:
    """Whether this process is a worker that uvicorn's supervisor started (``--workers`` > 1);
    a single uvicorn, ``mutasi serve`` with one worker, tests and scripts have no parent."""
    return multiprocessing.parent_process() is not None


def _describe(exc: Exception) -> str:
    """A one-line reason for a failed load, without a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:2000]
