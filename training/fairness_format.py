"""Markdown rendering of a fairness report for the model card: one table per attribute."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd


class ReportTables(Protocol):
    """What rendering reads of a :class:`training.fairness.FairnessReport`."""

    @property
    def k(self) -> int: ...
    @property
    def n_vacancies(self) -> int: ...
    @property
    def n_rows(self) -> int: ...
    @property
    def n_bootstrap(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def min_group_share(self) -> float: ...
    @property
    def missing(self) -> Mapping[str, int]: ...

    def by_attribute(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """The group rows of each attribute."""
        ...


HEADER = (
    "| group | rows (people) | selection rate | impact ratio | above-median rate | impact ratio "
    "| exposure / pool share | four-fifths flag |\n"
    "|---|---:|---:|---:|---:|---:|---:|---|"
)


def report_markdown(report: ReportTables) -> str:
    """The whole report: a summary line, then a section per attribute."""
    intro = (
        f"Top-{report.k} shortlists of {report.n_vacancies} held-out vacancies "
        f"({report.n_rows:,} candidate rows). Brackets: 95% intervals from "
        f"{report.n_bootstrap} bootstrap resamples of vacancies (seed {report.seed}). "
        "Impact ratio = group rate / highest group rate; under 0.8 raises a four-fifths flag. "
        f"Groups under {report.min_group_share:.0%} of the rows are not compared."
    )
    sections = [
        _section(attribute, rows, report.missing[attribute])
        for attribute, rows in report.by_attribute()
    ]
    return "\n\n".join([intro, *sections]) + "\n"


def _section(attribute: str, rows: pd.DataFrame, missing: int) -> str:
    lines = [f"### {attribute}", "", HEADER]
    lines += [_row(row) for row in rows.to_dict(orient="records")]
    notes = []
    if rows["excluded"].any():
        small = rows.loc[rows["excluded"]]
        pairs = zip(small["group"], small["n_rows"], strict=True)
        listed = ", ".join(f"{group} ({n:,} rows)" for group, n in pairs)
        notes.append(f"Too small to compare: {listed}.")
    if missing:
        notes.append(f"Attribute missing on {missing:,} rows (not in any group).")
    return "\n".join([*lines, *([""] if notes else []), *notes])


def _row(row: Mapping[Hashable, Any]) -> str:
    flags = [
        name
        for name, column in (
            ("selection", "four_fifths_selection"),
            ("above median", "four_fifths_above_median"),
        )
        if row[column]
    ]
    cells = [
        str(row["group"]) + (" (not compared)" if row["excluded"] else ""),
        f"{row['n_rows']:,} ({row['n_people']:,})",
        _interval(row, "selection_rate", _percent),
        _interval(row, "selection_impact_ratio", _ratio),
        _interval(row, "above_median_rate", _percent),
        _interval(row, "above_median_impact_ratio", _ratio),
        f"{_percent(row['exposure_share'])} / {_percent(row['pool_share'])}",
        ", ".join(flags) or "-",
    ]
    return "| " + " | ".join(cells) + " |"


def _interval(row: Mapping[Hashable, Any], column: str, show: Callable[[float], str]) -> str:
    estimate = row[column]
    if not np.isfinite(estimate):
        return "-"
    lo, hi = row[f"{column}_lo"], row[f"{column}_hi"]
    bounds = f" [{show(lo)}, {show(hi)}]" if np.isfinite(lo) and np.isfinite(hi) else ""
    return show(estimate) + bounds


def _percent(value: float) -> str:
    # Three significant digits: top-10 of large pools gives selection rates well under 1%.
    return "-" if not np.isfinite(value) else f"{100 * value:#.3g}".rstrip(".") + "%"


def _ratio(value: float) -> str:
    return "-" if not np.isfinite(value) else f"{value:.2f}"
