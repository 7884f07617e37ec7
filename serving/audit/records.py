"""The audit log's records as the service hands them over: answers, their items, decisions.

Plain frozen dataclasses, free of the database: the ranking logic builds them and
:class:`~serving.audit.AuditStore` stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from serving.errors import ServingError


class DecisionExistsError(ServingError):
    """The answer already has a decision; decisions are final (409)."""


@dataclass(frozen=True)
class Lineage:
    """What produced an answer: model, rule set and HR snapshot."""

    model_name: str
    model_version: str
    run_id: str
    rule_set_version: str
    snapshot_id: str


@dataclass(frozen=True)
class ItemRecord:
    """Model inputs and outputs for one returned candidate/position.

    ``prediction`` is the rating as answered (clipped to 1..5), ``raw_prediction`` the
    regressor's output, which ``shap_base_value`` plus the ``shap_values`` add up to;
    ``shap_values`` is None for rows that were returned but not explained.
    """

    rank: int
    nip: str
    position_id: str | None
    prediction: float
    raw_prediction: float
    lower: float
    upper: float
    p_baik_or_better: float
    features: Mapping[str, float | None]
    shap_base_value: float | None = None
    shap_values: Mapping[str, float] | None = None


@dataclass(frozen=True)
class AnswerRecord:
    """Everything written for one answer."""

    request_id: str
    key_id: str
    role: str
    endpoint: str
    as_of: date
    request_json: str
    response_json: str
    lineage: Lineage
    position_id: str | None = None
    subject_nip: str | None = None
    items: Sequence[ItemRecord] = field(default_factory=tuple)


@dataclass(frozen=True)
class NewDecision:
    """A decision to record (see :mod:`serving.domain.decisions` for how override is judged)."""

    request_id: str
    key_id: str
    role: str
    chosen_nip: str
    decided_by: str
    reason_code: str
    note: str | None
    override: bool
    override_kind: str | None
    chosen_rank: int | None


def finite(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """JSON has no NaN: missing feature values are stored as null."""
    # value - value is 0.0 for finite numbers, NaN for NaN and infinities (a comprehension
    # without a call per value: ~400 values per answer).
    return {
        name: None if value is None or value - value != 0.0 else float(value)
        for name, value in values.items()
    }
