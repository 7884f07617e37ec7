"""The versioned eligibility rule set: ``features/rules.yaml`` read, checked and overridden.

A :class:`RuleSet` is data only: which rules apply, their parameters, messages (Bahasa
Indonesia and English) and legal sources. What each rule id computes lives in
:mod:`features.eligibility_checks`; :func:`features.eligibility.evaluate_eligibility` runs both.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd
import yaml

from features.eligibility_checks import CHECKS, STATE_COLUMNS, PositionTarget

if TYPE_CHECKING:
    from mutasi.settings import Settings

RuleKind = Literal["bar", "flag"]
_TEXT_KEYS = frozenset({"id", "kind", "meaning", "source", "message_id", "message_en"})
_RULE_KEYS = _TEXT_KEYS | {"params"}
TARGET_FIELDS: frozenset[str] = frozenset(f"target_{f.name}" for f in fields(PositionTarget))


class RuleSetError(ValueError):
    """A rule set file, rule or parameter override is invalid."""


@dataclass(frozen=True)
class Rule:
    """One rule: a bar (failing it makes a candidate ineligible) or a flag (information)."""

    id: str
    kind: RuleKind
    meaning: str
    source: str
    message_id: str
    message_en: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def placeholders(self) -> set[str]:
        """Names the two messages cite."""
        return _placeholders(self.message_id) | _placeholders(self.message_en)


# Who decides a move, by its scope (features/authority.py computes the scope of a move).
AuthorityScope = Literal["same_instansi", "within_province", "across_provinces"]
AUTHORITY_SCOPES: tuple[AuthorityScope, ...] = (
    "same_instansi",
    "within_province",
    "across_provinces",
)
_AUTHORITY_KEYS = frozenset({"id", "scope", "decided_by_id", "decided_by_en", "source"})


@dataclass(frozen=True)
class Authority:
    """Who decides moves of one scope, in both languages, with the legal source."""

    id: str
    scope: AuthorityScope
    decided_by_id: str
    decided_by_en: str
    source: str


@dataclass(frozen=True)
class RuleSet:
    """The rules that apply, in reporting order, and who decides moves. Checked on construction."""

    base_version: str
    rules: tuple[Rule, ...]
    overrides: Mapping[str, Any] = field(default_factory=dict)
    authorities: tuple[Authority, ...] = ()

    def __post_init__(self) -> None:
        scopes = [a.scope for a in self.authorities]
        if self.authorities and sorted(scopes) != sorted(AUTHORITY_SCOPES):
            raise RuleSetError(
                f"rule set {self.base_version}: authorities must cover each scope of "
                f"{list(AUTHORITY_SCOPES)} exactly once, got {scopes}"
            )
        ids = [r.id for r in self.rules]
        if not ids or len(set(ids)) != len(ids):
            raise RuleSetError(f"rule set {self.base_version}: rule ids must be unique: {ids}")
        owners: dict[str, str] = {}
        for rule in self.rules:
            _check_rule(rule)
            for name in rule.params:
                if name in owners:
                    raise RuleSetError(f"parameter {name!r} in both {owners[name]} and {rule.id}")
                owners[name] = rule.id
        params = self.params
        if params.get("min_years_in_position", 0) > params.get("max_years_in_position", 100):
            raise RuleSetError("min_years_in_position is above max_years_in_position")

    @property
    def version(self) -> str:
        """What answers cite: the file's version plus any parameter overrides."""
        if not self.overrides:
            return self.base_version
        changes = ",".join(
            f"{k}={json.dumps(v, sort_keys=True, separators=(',', ':'))}"
            for k, v in sorted(self.overrides.items())
        )
        return f"{self.base_version}+{changes}"

    @property
    def params(self) -> dict[str, Any]:
        """All parameters by name (each belongs to exactly one rule)."""
        return {name: value for rule in self.rules for name, value in rule.params.items()}

    def authority(self, scope: str) -> Authority:
        """Who decides moves of a scope."""
        for authority in self.authorities:
            if authority.scope == scope:
                return authority
        raise KeyError(f"rule set {self.version} names no authority for {scope!r} moves")

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"rule set {self.version} has no rule {rule_id!r}")

    def required_columns(self) -> list[str]:
        """Employee state columns that evaluation and messages need."""
        return list(self._required_columns)

    @cached_property
    def _required_columns(self) -> tuple[str, ...]:
        # Every evaluation asks; parsing the message templates each time showed in profiles.
        needed = {"nip"}
        for rule in self.rules:
            needed |= set(CHECKS[rule.id].reads) | (rule.placeholders() & set(STATE_COLUMNS))
        return tuple(c for c in STATE_COLUMNS if c in needed - {"as_of"})

    def with_overrides(self, overrides: Mapping[str, Any]) -> RuleSet:
        """A copy with parameters replaced by name; a mapping parameter is merged key by key."""
        known = self.params
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise RuleSetError(
                f"unknown rule parameter(s) {unknown} in overrides; known: {sorted(known)}"
            )
        rules = tuple(
            replace(
                rule,
                params={
                    k: _merged(v, overrides[k]) if k in overrides else v
                    for k, v in rule.params.items()
                },
            )
            for rule in self.rules
        )
        try:
            return RuleSet(
                self.base_version, rules, {**self.overrides, **overrides}, self.authorities
            )
        except RuleSetError as exc:
            raise RuleSetError(f"overrides: {exc}") from exc

    def describe(self) -> pd.DataFrame:
        """One row per rule, for docs and the API."""
        return pd.DataFrame(
            [
                {
                    "rule_id": r.id,
                    "kind": r.kind,
                    "meaning": r.meaning,
                    "source": r.source,
                    "params": dict(r.params),
                    "cites": list(CHECKS[r.id].cites),
                    "message_id": r.message_id,
                    "message_en": r.message_en,
                }
                for r in self.rules
            ]
        )


def _merged(default: Any, override: Any) -> Any:
    if isinstance(default, Mapping) and isinstance(override, Mapping):
        return {**default, **override}
    return override


def _placeholders(template: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise RuleSetError(f"malformed message {template!r}: {exc}") from exc
    names = {re.split(r"[.\[]", name)[0] for _, name, _, _ in parsed if name is not None}
    if any(not name or name.isdigit() for name in names):
        raise RuleSetError(f"message {template!r}: placeholders must be named")
    return names


def _check_rule(rule: Rule) -> None:
    """Raise :class:`RuleSetError` naming the rule if it cannot be evaluated as written."""
    check = CHECKS.get(rule.id)
    if check is None:
        raise RuleSetError(f"rule {rule.id!r} has no implementation; known: {sorted(CHECKS)}")
    if rule.kind not in ("bar", "flag"):
        raise RuleSetError(f"rule {rule.id}: kind must be bar or flag, got {rule.kind!r}")
    if set(rule.params) != set(check.params):
        raise RuleSetError(
            f"rule {rule.id}: parameters must be {sorted(check.params)}, got {sorted(rule.params)}"
        )
    for name, value in rule.params.items():
        problem = check.params[name](value)
        if problem:
            raise RuleSetError(f"rule {rule.id}: parameter {name}: {problem}")
    allowed = {*STATE_COLUMNS, *TARGET_FIELDS, *rule.params, *check.cites, "as_of"}
    unknown = sorted(rule.placeholders() - allowed)
    if unknown:
        raise RuleSetError(f"rule {rule.id}: messages cite unknown values {unknown}")


def parse_rule_set(raw: object) -> RuleSet:
    """Build a :class:`RuleSet` from the YAML structure."""
    if not isinstance(raw, Mapping) or "version" not in raw or "rules" not in raw:
        raise RuleSetError("a rule set needs 'version' and 'rules'")
    if not isinstance(raw["rules"], list):
        raise RuleSetError("'rules' must be a list")
    rules = []
    for i, entry in enumerate(raw["rules"]):
        if not isinstance(entry, Mapping):
            raise RuleSetError(f"rules[{i}]: expected a mapping, got {entry!r}")
        missing, unknown = sorted(_TEXT_KEYS - set(entry)), sorted(set(entry) - _RULE_KEYS)
        params = entry.get("params") or {}
        if missing or unknown or not isinstance(params, Mapping):
            raise RuleSetError(
                f"rules[{i}] ({entry.get('id')}): missing keys {missing}, unknown keys {unknown}"
                ", params must be a mapping"
            )
        text = {k: str(entry[k]).strip() for k in _TEXT_KEYS}
        kind = cast(RuleKind, text.pop("kind"))  # checked by RuleSet
        rules.append(Rule(**text, kind=kind, params=dict(params)))
    return RuleSet(str(raw["version"]), tuple(rules), authorities=_authorities(raw))


def _authorities(raw: Mapping[str, Any]) -> tuple[Authority, ...]:
    entries = raw.get("authorities") or []
    if not isinstance(entries, list):
        raise RuleSetError("'authorities' must be a list")
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or set(entry) != _AUTHORITY_KEYS:
            keys = sorted(entry) if isinstance(entry, Mapping) else entry
            raise RuleSetError(
                f"authorities[{i}]: expected keys {sorted(_AUTHORITY_KEYS)}, got {keys}"
            )
        text = {k: str(entry[k]).strip() for k in _AUTHORITY_KEYS}
        if text["scope"] not in AUTHORITY_SCOPES:
            raise RuleSetError(
                f"authorities[{i}] ({text['id']}): scope must be one of {list(AUTHORITY_SCOPES)}"
            )
        out.append(Authority(**text))  # type: ignore[arg-type]  # scope checked above
    return tuple(out)


def load_rule_set(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> RuleSet:
    """The rule set in ``path`` (default: the packaged ``features/rules.yaml``), overridden."""
    where = str(path) if path else "features/rules.yaml"
    try:
        if path is None:
            text = resources.files("features").joinpath("rules.yaml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        rule_set = parse_rule_set(yaml.safe_load(text))
    except (OSError, yaml.YAMLError, RuleSetError) as exc:
        raise RuleSetError(f"{where}: {exc}") from exc
    return rule_set.with_overrides(overrides) if overrides else rule_set


def rule_set_from_settings(settings: Settings) -> RuleSet:
    """The rule set the settings select (``rules_file``, ``min_years_in_position``)."""
    overrides: dict[str, Any] = {}
    if settings.min_years_in_position is not None:
        overrides["min_years_in_position"] = settings.min_years_in_position
    return load_rule_set(settings.rules_file, overrides)


def rule_table_markdown(rule_set: RuleSet) -> str:
    """The rule table as Markdown (docs/eligibility.md embeds it; a test keeps it in sync)."""
    lines = [
        f"Rule set version `{rule_set.version}`.",
        "",
        "| rule | kind | meaning | source | default parameters | messages also cite |",
        "|---|---|---|---|---|---|",
    ]
    for rule in rule_set.rules:
        params = "; ".join(f"`{k}` = {_plain(v)}" for k, v in rule.params.items()) or "-"
        cites = ", ".join(f"`{c}`" for c in CHECKS[rule.id].cites) or "-"
        cells = [f"`{rule.id}`", rule.kind, rule.meaning, rule.source, params, cites]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def authority_table_markdown(rule_set: RuleSet) -> str:
    """Who decides a move, as Markdown (docs/eligibility.md embeds it; a test keeps it in sync)."""
    lines = [
        "| authority | scope of the move | decided by | diputuskan oleh | source |",
        "|---|---|---|---|---|",
    ]
    for a in rule_set.authorities:
        cells = [f"`{a.id}`", f"`{a.scope}`", a.decided_by_en, a.decided_by_id, a.source]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
