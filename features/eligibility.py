"""Who may be moved into a position: the eligibility rule set evaluated over candidates.

``evaluate_eligibility`` runs every rule of a :class:`~features.rule_set.RuleSet` over the
whole employee state frame at once (a loop over rules, never over candidates) and keeps one
boolean per candidate and rule. Messages are formatted only when asked for, and only for the
candidates a rule hits. Every candidate comes back; every failed rule is reported, with the
rule set version that decided it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from features.eligibility_checks import CHECKS, Context, PositionTarget
from features.eligibility_columns import (
    CandidateColumns,
    FreezeTable,
    TargetColumns,
    target_columns,
)
from features.rule_set import (
    Rule,
    RuleSet,
    RuleSetError,
    load_rule_set,
    rule_set_from_settings,
    rule_table_markdown,
)

__all__ = [
    "CandidateColumns",
    "EligibilityResult",
    "FreezeTable",
    "PositionTarget",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "evaluate_eligibility",
    "evaluate_targets",
    "load_rule_set",
    "rule_set_from_settings",
    "rule_table_markdown",
]

MESSAGE_COLUMNS = ["nip", "rule_id", "message_id", "message_en", "source"]
Candidates = pd.DataFrame | CandidateColumns
FreezePeriods = pd.DataFrame | FreezeTable | None


def evaluate_eligibility(
    candidates: Candidates,
    position: PositionTarget,
    as_of: pd.Timestamp,
    rule_set: RuleSet,
    freeze_periods: FreezePeriods = None,
) -> EligibilityResult:
    """Evaluate every rule for every candidate (one employee state row each) as of a date.

    One row of the result per candidate, in order.
    """
    return _evaluate(candidates, target_columns([position]), as_of, rule_set, freeze_periods)


def evaluate_targets(
    candidate: Candidates,
    targets: Sequence[PositionTarget] | TargetColumns,
    as_of: pd.Timestamp,
    rule_set: RuleSet,
    freeze_periods: FreezePeriods = None,
) -> EligibilityResult:
    """Evaluate every rule for one candidate (a one-row state) against many posts at once.

    One row of the result per post, in order: the same verdicts as evaluating each post on
    its own with :func:`evaluate_eligibility`, in one pass over the rules.
    """
    if len(candidate) != 1:
        raise ValueError(f"candidate: expected one employee state row, got {len(candidate)}")
    columns = targets if isinstance(targets, TargetColumns) else target_columns(targets)
    return _evaluate(candidate, columns, as_of, rule_set, freeze_periods)


def _evaluate(
    candidates: Candidates,
    targets: TargetColumns,
    as_of: pd.Timestamp,
    rule_set: RuleSet,
    freeze_periods: FreezePeriods,
) -> EligibilityResult:
    """The rules over pairs: every candidate against one post, or one candidate against every
    post (arrays of length 1 broadcast)."""
    as_of = pd.Timestamp(as_of)
    columns = (
        candidates if isinstance(candidates, CandidateColumns) else CandidateColumns(candidates)
    )
    missing = [c for c in rule_set.required_columns() if c not in columns.columns]
    if missing:
        raise ValueError(f"candidates: missing employee state columns {missing}")
    stated = columns.as_of_dates()
    if (stated != np.datetime64(as_of, "ns")).any():  # NaT counts as a wrong date too
        dates = sorted({str(pd.Timestamp(d).date()) for d in stated if not np.isnat(d)})[:3]
        raise ValueError(
            f"candidates: employee state is as of {dates}, not {as_of.date()}; "
            "build the state as of the evaluation date (features.asof.employee_state)"
        )
    n = len(columns) if len(targets) == 1 else len(targets)
    frozen = FreezeTable.of(freeze_periods).active(as_of)
    hits = np.zeros((n, len(rule_set.rules)), dtype=bool)
    cited: list[dict[str, Any]] = []
    for j, rule in enumerate(rule_set.rules):
        ctx = Context(columns, targets, as_of, rule.params, frozen)
        hit, values = CHECKS[rule.id].fn(ctx)
        hits[:, j] = hit
        cited.append(values)
    nips = columns.nips()
    return EligibilityResult(
        rule_set=rule_set,
        targets=targets,
        as_of=as_of,
        nip=np.repeat(nips, n) if len(nips) == 1 and n != 1 else nips,
        hits=hits,
        candidates=columns,
        cited=tuple(cited),
    )


@dataclass(frozen=True, eq=False)
class EligibilityResult:
    """Per pair (a candidate and a post) and rule: hit or not.

    ``hits`` rows follow the candidates (one post) or the posts (one candidate), its columns
    ``rule_set.rules``; ``cited`` holds, per rule, the values its messages cite beyond the
    state columns (arrays broadcasting to the pairs, or scalars).
    """

    rule_set: RuleSet
    targets: TargetColumns
    as_of: pd.Timestamp
    nip: np.ndarray
    hits: np.ndarray
    candidates: CandidateColumns = field(repr=False)
    cited: tuple[dict[str, Any], ...] = field(repr=False)

    @property
    def rule_set_version(self) -> str:
        """The rule set version every answer cites."""
        return self.rule_set.version

    @cached_property
    def _is_bar(self) -> np.ndarray:
        return np.array([r.kind == "bar" for r in self.rule_set.rules], dtype=bool)

    @cached_property
    def eligible(self) -> np.ndarray:
        """True where no bar rule fails; one per pair."""
        return np.asarray(~self.hits[:, self._is_bar].any(axis=1))

    def flagged(self, rule_id: str) -> np.ndarray:
        """Where the rule (bar or flag) is hit; all False if the rule set lacks it."""
        ids = [r.id for r in self.rule_set.rules]
        if rule_id not in ids:
            return np.zeros(len(self.nip), dtype=bool)
        return self.hits[:, ids.index(rule_id)].copy()

    @property
    def overdue(self) -> np.ndarray:
        """Longer in the position than the maximum: a reason to move, not a bar."""
        return self.flagged("overdue")

    def counts_by_rule(self) -> pd.Series:
        """Number of candidates failing each bar rule (zeros included), in rule set order."""
        bars = [r.id for r in self.rule_set.rules if r.kind == "bar"]
        counts = self.hits[:, self._is_bar].sum(axis=0)
        return pd.Series(counts, index=pd.Index(bars, name="rule_id"), name="failing")

    def failing_by_rule(self) -> dict[str, int]:
        """:meth:`counts_by_rule` as a plain dict (no pandas on the serving path)."""
        bars = [r.id for r in self.rule_set.rules if r.kind == "bar"]
        counts = self.hits[:, self._is_bar].sum(axis=0).tolist()
        return dict(zip(bars, counts, strict=True))

    @cached_property
    def failures(self) -> pd.DataFrame:
        """One row per failed bar rule per candidate: nip, rule_id, messages, source."""
        return self._messages(self._is_bar)

    @cached_property
    def flags(self) -> pd.DataFrame:
        """One row per raised flag per candidate, same columns as :attr:`failures`."""
        return self._messages(~self._is_bar)

    def reasons(self, nip: str) -> pd.DataFrame:
        """Why one candidate is not eligible (empty when eligible)."""
        if nip not in set(self.nip):
            raise KeyError(f"nip {nip!r} is not among the evaluated candidates")
        failures = self.failures
        return failures.loc[failures["nip"] == nip, MESSAGE_COLUMNS[1:]].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """Per candidate: nip, eligible, failed_rules and flags (tuples of rule ids)."""
        frame = pd.DataFrame(
            {
                "nip": self.nip,
                "eligible": self.eligible,
                "failed_rules": self._rule_ids(self._is_bar),
                "flags": self._rule_ids(~self._is_bar),
            }
        )
        frame.attrs["rule_set_version"] = self.rule_set_version
        return frame

    def _rule_ids(self, columns: np.ndarray) -> np.ndarray:
        ids = np.array([r.id for r in self.rule_set.rules], dtype=object)[columns]
        hits = self.hits[:, columns]
        # Candidates share few distinct patterns: code each as a bit mask, build each tuple once.
        codes = hits.astype(np.int64) @ (np.int64(1) << np.arange(len(ids), dtype=np.int64))
        patterns, inverse = np.unique(codes, return_inverse=True)
        tuples = np.empty(len(patterns), dtype=object)
        tuples[:] = [tuple(ids[(code >> np.arange(len(ids))) & 1 == 1]) for code in patterns]
        return tuples[inverse]

    def _messages(self, columns: np.ndarray) -> pd.DataFrame:
        parts = []
        for j in np.flatnonzero(columns):
            rows = np.flatnonzero(self.hits[:, j])
            if rows.size:
                rule = self.rule_set.rules[j]
                values = self._values(rule, self.cited[j], rows)
                part = pd.DataFrame(
                    {
                        "row": rows,
                        "nip": self.nip[rows],
                        "rule_id": rule.id,
                        "message_id": _render(rule.message_id, values, rows.size),
                        "message_en": _render(rule.message_en, values, rows.size),
                        "source": rule.source,
                    }
                )
                parts.append(part)
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="str") for c in MESSAGE_COLUMNS})
        # Candidate order first, rule set order within a candidate (stable sort).
        frame = pd.concat(parts, ignore_index=True).sort_values("row", kind="stable")
        return frame[MESSAGE_COLUMNS].reset_index(drop=True)

    def _values(self, rule: Rule, cited: dict[str, Any], rows: np.ndarray) -> dict[str, list[Any]]:
        """Each placeholder's value for the given pairs."""
        n = len(self.nip)
        scalars = {**rule.params, "as_of": self.as_of}
        per_target = self.targets.message_fields()
        # The candidate of each pair: the pair itself, or the one candidate of every pair.
        candidate_rows = rows if len(self.candidates) == n else np.zeros(rows.size, np.int64)
        target_rows = rows if len(self.targets) == n else np.zeros(rows.size, np.int64)
        values: dict[str, list[Any]] = {}
        for name in rule.placeholders():
            if name in cited:
                value = cited[name]
                if isinstance(value, np.ndarray) and value.size == 1 and n != 1:
                    value = np.repeat(value, n)
                values[name] = _take(value, rows)
            elif name in per_target:
                values[name] = _take(per_target[name], target_rows)
            elif name in scalars:
                values[name] = _take(scalars[name], rows)
            else:
                values[name] = _take(self.candidates.frame()[name], candidate_rows)
        return values


def _take(value: Any, rows: np.ndarray) -> list[Any]:
    if isinstance(value, pd.Series):
        taken = value.iloc[rows].tolist()
    elif isinstance(value, np.ndarray):
        taken = pd.Series(value[rows]).tolist()  # datetime64 -> Timestamp, for "%Y-%m-%d"
    else:
        taken = [value] * rows.size
    return [_MISSING if _is_missing(v) else v for v in taken]


class _Missing:
    """A missing value in a message: prints as "?" whatever the format spec."""

    def __format__(self, format_spec: str) -> str:
        return "?"


_MISSING = _Missing()


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or bool(value != value)


def _render(template: str, values: dict[str, list[Any]], n: int) -> list[str]:
    if not values:
        return [template] * n
    names = list(values)
    rows = zip(*values.values(), strict=True)
    return [template.format_map(dict(zip(names, row, strict=True))) for row in rows]
