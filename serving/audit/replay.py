"""Replay a stored answer: recompute it with the same model version, snapshot, rules and request.

The model version is loaded from the registry (``models:/<name>/<version>``), the HR snapshot
from a data directory whose content hash must equal the answer's ``snapshot_id`` (the served
directory, or an archived copy), and the rule set from the settings, whose version must equal
the answer's. The request body and decision date are the stored ones and the request id is
reused, so an identical recomputation gives the stored body byte for byte; the comparison
ignores only request ids, timestamps (``*_at``) and durations (``*seconds``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from features.data import load_dataset
from features.rule_set import rule_set_from_settings
from mutasi.settings import Settings
from serving.audit import AuditStore
from serving.audit.tables import AuditAnswer
from serving.domain.participation.usulan import state_as_received
from serving.domain.ranking import inline_target, position_target, rank_position
from serving.domain.recommend import recommend
from serving.schemas.rankings import InlineRankingRequest, RankingOptions
from serving.schemas.recommendations import RecommendationRequest
from serving.state import HrSnapshot, ServingState
from training.bundle import load_bundle
from training.pipeline_inputs import fitted_builder


class ReplayError(RuntimeError):
    """The answer cannot be replayed faithfully (unknown id, other snapshot, other rules)."""


@dataclass(frozen=True)
class Difference:
    """One JSON path whose value differs between the stored and the recomputed answer."""

    path: str
    stored: Any
    replayed: Any


@dataclass(frozen=True)
class ReplayResult:
    """Outcome of a replay."""

    request_id: str
    endpoint: str
    model_uri: str
    snapshot_id: str
    byte_identical: bool
    differences: list[Difference]

    @property
    def identical(self) -> bool:
        """Equal apart from request ids, timestamps and durations."""
        return not self.differences


# How each audited endpoint recomputes its answer from the stored request.
Replayer = Callable[[ServingState, dict[str, Any], str, date, Settings], BaseModel]


def _rank_position(
    state: ServingState, request: dict[str, Any], request_id: str, today: date, settings: Settings
) -> BaseModel:
    target = position_target(state, str(request["position_id"]))
    options = RankingOptions.model_validate(request["body"])
    return rank_position(
        state, target, options, request_id=request_id, today=today, settings=settings
    ).response


def _rank_inline(
    state: ServingState, request: dict[str, Any], request_id: str, today: date, settings: Settings
) -> BaseModel:
    body = InlineRankingRequest.model_validate(request["body"])
    target = inline_target(state, body.position)
    return rank_position(
        state, target, body, request_id=request_id, today=today, settings=settings
    ).response


def _recommend(
    state: ServingState, request: dict[str, Any], request_id: str, today: date, settings: Settings
) -> BaseModel:
    options = RecommendationRequest.model_validate(request["body"])
    return recommend(
        state, str(request["nip"]), options, request_id=request_id, today=today, settings=settings
    ).response


def _plan(
    state: ServingState, request: dict[str, Any], request_id: str, today: date, settings: Settings
) -> BaseModel:
    from serving.domain.plan.answer import make_plan
    from serving.schemas.plans import PlanRequest

    body = PlanRequest.model_validate(request["body"])
    return make_plan(state, body, request_id=request_id, today=today, settings=settings).response


REPLAYERS: dict[str, Replayer] = {
    "rank_position": _rank_position,
    "rank_inline": _rank_inline,
    "recommend": _recommend,
    "plan": _plan,
}


def replay_answer(
    store: AuditStore, request_id: str, settings: Settings, data_dir: Path | None = None
) -> ReplayResult:
    """Recompute a stored answer and compare it with what was returned."""
    answer = store.answer(request_id)
    if answer is None:
        raise ReplayError(f"no answer with request id {request_id!r} in {store.safe_url}")
    replayer = REPLAYERS.get(answer.endpoint)
    if replayer is None:
        raise ReplayError(f"answers of endpoint {answer.endpoint!r} cannot be replayed")
    state = replay_state(answer, settings, data_dir or settings.data_dir)
    # With the usulan statements the answer saw: those received before it was given.
    state = state_as_received(state, store, answer.created_at)
    # "Today" was the answer's decision date or later; as_of is either given or that date.
    replayed = replayer(state, json.loads(answer.request_json), request_id, answer.as_of, settings)
    body = replayed.model_dump_json()
    return ReplayResult(
        request_id=request_id,
        endpoint=answer.endpoint,
        model_uri=state.bundle.model_uri,
        snapshot_id=state.snapshot_id,
        byte_identical=body == answer.response_json,
        differences=list(differences(json.loads(answer.response_json), json.loads(body))),
    )


def replay_state(answer: AuditAnswer, settings: Settings, data_dir: Path) -> ServingState:
    """The serving state of the answer's lineage; :class:`ReplayError` if it cannot be had."""
    try:
        dataset = load_dataset(Path(data_dir), max_cell_length=settings.max_cell_length)
    except (ValueError, OSError) as exc:  # unusable directory: say which and what to do
        raise ReplayError(
            f"cannot load the snapshot of {answer.request_id} ({answer.snapshot_id}): {exc}; "
            "pass --data-dir pointing to that snapshot"
        ) from exc
    if dataset.snapshot_id != answer.snapshot_id:
        raise ReplayError(
            f"{answer.request_id} was answered on snapshot {answer.snapshot_id}, but "
            f"{data_dir} holds snapshot {dataset.snapshot_id}: pass --data-dir pointing to the "
            f"archived snapshot {answer.snapshot_id}"
        )
    rule_set = rule_set_from_settings(settings)
    if rule_set.version != answer.rule_set_version:
        raise ReplayError(
            f"{answer.request_id} was answered under rule set {answer.rule_set_version}, the "
            f"settings give rule set {rule_set.version}: set MUTASI_RULES_FILE to that version"
        )
    bundle = load_bundle(f"models:/{answer.model_name}/{answer.model_version}", settings)
    if bundle.run_id != answer.run_id:
        raise ReplayError(
            f"{bundle.model_uri} now comes from run {bundle.run_id}, the answer from run "
            f"{answer.run_id}: the registry was rewritten"
        )
    params = dict(bundle.manifest.builder_params)
    snapshot = HrSnapshot(
        Path(data_dir).resolve(), dataset, fitted_builder(dataset, params), params
    )
    return ServingState(
        bundle,
        snapshot,
        rule_set,
        _interval_level(answer.response_json, settings.interval_level),
        cache_size=1,
        model_name=answer.model_name,
        predict_threads=settings.predict_threads,
    )


def _interval_level(response_json: str, default: float) -> float:
    """The interval level the answer was given at (its first prediction), else ``default``."""
    found = [
        v for path, v in _leaves(json.loads(response_json), "") if path.endswith("interval_level")
    ]
    return float(found[0]) if found else default


def _ignored(key: str) -> bool:
    return key == "request_id" or key.endswith("_at") or key.endswith("seconds")


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """``(path, value)`` of every scalar in a JSON value, skipping ignored keys."""
    if isinstance(value, dict):
        for key in sorted(value):
            if not _ignored(key):
                yield from _leaves(value[key], f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        if not value:
            yield path, []
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


ABSENT = "<absent>"  # a path one side does not have


def differences(stored: Any, replayed: Any) -> Iterator[Difference]:
    """Every path whose value differs or exists on one side only, in the stored order."""
    left, right = dict(_leaves(stored, "")), dict(_leaves(replayed, ""))
    for path in [*left, *(p for p in right if p not in left)]:
        a, b = left.get(path, ABSENT), right.get(path, ABSENT)
        if a != b:
            yield Difference(path, a, b)
