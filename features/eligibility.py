"""Who may be moved into a position: the eligibility rule set evaluated over candidates.

``evaluate_eligibility`` runs every rule of a :class:`~features.rule_set.RuleSet` over the
whole employee state frame at once (a loop over rules, never over candidates) and keeps one
boolean per candidate and rule. Messages are formatted only when asked for, and only for the
candidates a rule hits. Every candidate comes back; every failed rule is reported, with the
rule set version that decided it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from features.eligibility_checks import CHECKS, Context, PositionTarget
from features.rule_set import (
    Rule,
    RuleSet,
    RuleSetError,
    load_rule_set,
    rule_set_from_settings,
    rule_table_markdown,
)

__all__ = [
    "EligibilityResult",
    "PositionTarget",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "evaluate_eligibility",
    "load_rule_set",
    "rule_set_from_settings",
    "rule_table_markdown",
]

MESSAGE_COLUMNS = ["nip", "rule_id", "message_id", "message_en", "source"]


def evaluate_eligibility(
    candidates: pd.DataFrame,
    position: PositionTarget,
    as_of: pd.Timestamp,
    rule_set: RuleSet,
    freeze_periods: pd.DataFrame | None = None,
) -> EligibilityResult:
    """Evaluate every rule for every candidate (one employee state row each) as of a date."""
    as_of = pd.Timestamp(as_of)
    missing = [c for c in rule_set.required_columns() if c not in candidates.columns]
    if missing:
        raise ValueError(f"candidates: missing employee state columns {missing}")
    if "as_of" in candidates.columns:
        stated = pd.to_datetime(candidates["as_of"])
        if (stated != as_of).any():
            dates = sorted({str(d.date()) for d in stated.dropna()})[:3]
            raise ValueError(
                f"candidates: employee state is as of {dates}, not {as_of.date()}; "
                "build the state as of the evaluation date (features.asof.employee_state)"
            )
    hits = np.zeros((len(candidates), len(rule_set.rules)), dtype=bool)
    cited: list[dict[str, Any]] = []
    for j, rule in enumerate(rule_set.rules):
        ctx = Context(candidates, position, as_of, rule.params, freeze_periods)
        hit, values = CHECKS[rule.id].fn(ctx)
        hits[:, j] = hit
        cited.append(values)
    return EligibilityResult(
        rule_set=rule_set,
        position=position,
        as_of=as_of,
        nip=candidates["nip"].to_numpy(dtype=object),
        hits=hits,
        candidates=candidates,
        cited=tuple(cited),
    )


@dataclass(frozen=True, eq=False)
class EligibilityResult:
    """Per candidate and rule: hit or not.

    ``hits`` rows follow the candidates frame, its columns ``rule_set.rules``; ``cited`` holds,
    per rule, the values its messages cite beyond the state columns.
    """

    rule_set: RuleSet
    position: PositionTarget
    as_of: pd.Timestamp
    nip: np.ndarray
    hits: np.ndarray
    candidates: pd.DataFrame = field(repr=False)
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
        """True where no bar rule fails; aligned to the candidates frame."""
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
        """Each placeholder's value for the given candidate rows."""
        scalars = {**self.position.message_fields(), **rule.params, "as_of": self.as_of}
        values: dict[str, list[Any]] = {}
        for name in rule.placeholders():
            if name in cited:
                values[name] = _take(cited[name], rows)
            elif name in scalars:
                values[name] = _take(scalars[name], rows)
            else:
                values[name] = _take(self.candidates[name], rows)
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
