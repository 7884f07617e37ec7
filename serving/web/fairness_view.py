"""The fairness report as tables per protected attribute, with the four-fifths flags marked."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from training.fairness import FairnessReport
from training.fairness_roles import role_of


@dataclass(frozen=True)
class Estimate:
    """A rate or ratio with its 95% bootstrap interval (None where not computed)."""

    value: float | None
    lo: float | None
    hi: float | None

    def text(self, percent: bool = False) -> str:
        """``0.82 [0.71, 0.93]`` (or in %), ``-`` if there is no value."""
        if self.value is None:
            return "-"

        def fmt(v: float) -> str:
            return f"{v * 100:.1f}%" if percent else f"{v:.2f}"

        if self.lo is None or self.hi is None:
            return fmt(self.value)
        return f"{fmt(self.value)} [{fmt(self.lo)}, {fmt(self.hi)}]"


@dataclass(frozen=True)
class GroupRow:
    """One group of one attribute."""

    group: str
    n_rows: int
    n_people: int
    share: float
    selection_rate: Estimate
    selection_ratio: Estimate
    above_median_rate: Estimate
    above_median_ratio: Estimate
    exposure_share: float | None
    pool_share: float | None
    flag_selection: bool
    flag_above_median: bool
    excluded: bool

    @property
    def flagged(self) -> bool:
        """Whether any four-fifths flag is raised for this group."""
        return self.flag_selection or self.flag_above_median


@dataclass(frozen=True)
class AttributeTable:
    """All groups of one attribute (or intersection of two)."""

    attribute: str
    rows: tuple[GroupRow, ...]
    missing: int

    @property
    def role(self) -> str:
        """``protected`` (the gate reads it) or ``qualification`` (reported only)."""
        return role_of(self.attribute)

    @property
    def n_flags(self) -> int:
        """Four-fifths flags raised in this attribute."""
        return sum(int(r.flag_selection) + int(r.flag_above_median) for r in self.rows)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _estimate(record: Mapping[Hashable, Any], column: str) -> Estimate:
    return Estimate(
        _number(record[column]), _number(record[f"{column}_lo"]), _number(record[f"{column}_hi"])
    )


def fairness_tables(report: FairnessReport) -> list[AttributeTable]:
    """One table per attribute, in the report's order."""
    tables: list[AttributeTable] = []
    for attribute, frame in report.groups.groupby("attribute", sort=False):
        rows = tuple(
            GroupRow(
                group=str(r["group"]),
                n_rows=int(r["n_rows"]),
                n_people=int(r["n_people"]),
                share=float(r["share"]),
                selection_rate=_estimate(r, "selection_rate"),
                selection_ratio=_estimate(r, "selection_impact_ratio"),
                above_median_rate=_estimate(r, "above_median_rate"),
                above_median_ratio=_estimate(r, "above_median_impact_ratio"),
                exposure_share=_number(r["exposure_share"]),
                pool_share=_number(r["pool_share"]),
                flag_selection=bool(r["four_fifths_selection"]),
                flag_above_median=bool(r["four_fifths_above_median"]),
                excluded=bool(r["excluded"]),
            )
            for r in frame.to_dict(orient="records")
        )
        name = str(attribute)
        tables.append(AttributeTable(name, rows, int(report.missing.get(name, 0))))
    return tables
