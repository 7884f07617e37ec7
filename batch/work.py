"""What every Spark task needs, shipped once: the model bundle, the HR snapshot, the rule set.

The driver loads the champion and the snapshot the way the API does
(:func:`serving.state.build_state`), and ships a :class:`BatchWork` to the executors as one
Spark broadcast. Each Python worker rebuilds the :class:`~serving.state.ServingState` from it
once (cached by the job's key, so later tasks of the same job reuse it) and scores the
vacancies it is given with :class:`~batch.score.BlockScorer`. Nothing on an executor reads the
registry or the data directory, so a cluster needs neither.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from batch.blocks import Scope
from batch.score import BlockScorer
from features.eligibility import RuleSet
from serving.state import HrSnapshot, ServingState
from training.bundle import ModelBundle


@dataclass(frozen=True)
class BatchWork:
    """Everything a task needs to score vacancies; picklable, built on the driver."""

    bundle: ModelBundle
    snapshot: HrSnapshot
    rule_set: RuleSet
    model_name: str
    interval_level: float
    as_of: date
    scope: Scope
    k: int
    n_reasons: int
    catalogue_yaml: str
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(
        cls, state: ServingState, as_of: date, scope: Scope, k: int, n_reasons: int
    ) -> BatchWork:
        """The work of a state: its model, snapshot and rules, and the job's parameters."""
        path = state.bundle.catalogue_path
        catalogue = path.read_text(encoding="utf-8") if path is not None else ""
        return cls(
            state.bundle,
            state.snapshot,
            state.rule_set,
            state.model_name,
            state.interval_level,
            as_of,
            scope,
            k,
            n_reasons,
            catalogue,
        )

    def state(self) -> ServingState:
        """A serving state of this work (the catalogue copied in if its path is not here)."""
        bundle = self.bundle
        path = bundle.catalogue_path
        if self.catalogue_yaml and (path is None or not path.exists()):
            local = Path(tempfile.mkdtemp(prefix="mutasi-batch-")) / "catalogue.yaml"
            local.write_text(self.catalogue_yaml, encoding="utf-8")
            bundle = _with_catalogue(bundle, local)
        return ServingState(
            bundle, self.snapshot, self.rule_set, self.interval_level, 1, self.model_name
        )


def _with_catalogue(bundle: ModelBundle, path: Path) -> ModelBundle:
    return replace(bundle, catalogue_path=path)


# Per Python worker process: the scorer of the job it works on (state, view, area rows).
_CACHE: dict[str, BlockScorer] = {}


def cached_scorer(key: str, load: Callable[[], object]) -> BlockScorer:
    """The scorer of job ``key``; ``load()`` gives the job's :class:`BatchWork` if not cached."""
    if key not in _CACHE:
        work = load()
        if not isinstance(work, BatchWork):
            raise TypeError(f"batch work expected, got {type(work).__name__}")
        _CACHE.clear()  # one job at a time per worker: do not keep an old job's snapshot
        state = work.state()
        view = state.view(work.as_of)
        _CACHE[key] = BlockScorer(state, view, work.scope, work.k, work.n_reasons)
    return _CACHE[key]
