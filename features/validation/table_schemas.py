"""Per-column checks as pandera schemas, built from the contract in ``features.contract``.

A schema validates a *raw* text table (see ``features.data.RawTables``): each column is
checked for presence of a value (required columns), for its format (the kind's strict parser
must succeed), for membership in its code list, and for the few domain constraints the
contract states in prose (NIP and region code digits, value ranges), which ``contract.py`` does
not carry and so are listed here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pandera.errors
import pandera.pandas as pa

from features.contract import COLUMNS, COMPETENCY_LEVELS, Column, Table
from features.validation.parsing import (
    competency_requirements_known,
    education_fields_known,
    parse_column,
    parse_float,
    parse_int,
)
from features.validation.report import ERROR, issues_frame

Passes = Callable[[pd.Series], pd.Series]
MIN_YEAR = 1990
REQUIRED = "required"


@dataclass(frozen=True)
class CellRule:
    """One per-cell check: its rule name in the report, what a failure means, the test."""

    rule: str
    message: str
    passes: Passes


def _parses(col: Column) -> Passes:
    return lambda cells: parse_column(col, cells).notna()


def _kind_rule(col: Column) -> CellRule:
    """The format check every column of a kind gets."""
    if col.kind == "code":
        # Short code lists are worth listing; long ones are in docs/data-contract.md.
        known = f" ({', '.join(col.codes)})" if len(col.codes) <= 5 else ""
        return CellRule("code", f"not a {col.name} code{known}", _parses(col))
    if col.name == "education_fields":
        return CellRule(
            "code_list", "every ;-separated item must be an education field code",
            education_fields_known,
        )  # fmt: skip
    if col.name == "competency_requirements":
        return CellRule(
            "competency_list",
            "every ;-separated item must be code:level with a competency code and level 1..5",
            competency_requirements_known,
        )
    messages = {
        "date": "not an ISO date YYYY-MM-DD",
        "int": "not a whole number",
        "float": "not a number",
        "bool": "not a boolean (true/false/1/0)",
    }
    return CellRule(f"{col.kind}_format", messages[col.kind], _parses(col))


def _digits(n: int, what: str) -> CellRule:
    return CellRule(
        f"{what}_format",
        f"{what} must be exactly {n} digits",
        lambda cells: cells.str.fullmatch(rf"[0-9]{{{n}}}").fillna(False).astype(bool),
    )


def _instansi_digits() -> CellRule:
    return CellRule(
        "instansi_code_format",
        "instansi_code must be 2 digits (a province) or 4 digits (a kab/kota)",
        lambda cells: cells.str.fullmatch(r"[0-9]{2}|[0-9]{4}").fillna(False).astype(bool),
    )


def _between(lo: float, hi: float | None, parse: Passes) -> CellRule:
    """Values in ``lo..hi``; unparseable cells pass (their format rule reports them)."""

    def passes(cells: pd.Series) -> pd.Series:
        values = parse(cells)
        ok = values >= lo if hi is None else values.between(lo, hi)
        return (ok | values.isna()).fillna(True).astype(bool)

    bound = f">= {lo:g}" if hi is None else f"between {lo:g} and {hi:g}"
    return CellRule("range", f"must be {bound}", passes)


def domain_rules(export_year: int | None) -> dict[tuple[Table, str], tuple[CellRule, ...]]:
    """Constraints the contract states in prose for particular columns."""
    region = (_digits(4, "region_code"),)
    level = (_between(min(COMPETENCY_LEVELS), max(COMPETENCY_LEVELS), parse_int),)
    return {
        (Table.EMPLOYEES, "nip"): (_digits(18, "nip"),),
        (Table.UNITS, "region_code"): region,
        (Table.UNITS, "instansi_code"): (_instansi_digits(),),
        (Table.EMPLOYEES, "home_region_code"): region,
        (Table.FREEZE_PERIODS, "region_code"): region,
        (Table.POSITIONS, "abk_need"): (_between(0, None, parse_int),),
        (Table.COMPETENCY_ASSESSMENTS, "level"): level,
        (Table.PREFERENCES, "priority"): (_between(1, 3, parse_int),),
        (Table.PERFORMANCE, "score"): (_between(0, 100, parse_float),),
        # No rating can exist for a year after the export.
        (Table.PERFORMANCE, "year"): (_between(MIN_YEAR, export_year, parse_int),),
    }


def cell_rules(table: Table, export_year: int | None) -> dict[str, tuple[CellRule, ...]]:
    """All per-cell rules of a table, by column (free-text columns have none)."""
    domain = domain_rules(export_year)
    rules = {
        col.name: ((_kind_rule(col),) if col.kind != "str" else ())
        + domain.get((table, col.name), ())
        for col in COLUMNS[table]
    }
    return {name: r for name, r in rules.items() if r}


@lru_cache(maxsize=64)
def schema_for(table: Table, export_year: int | None) -> pa.DataFrameSchema:
    """The pandera schema of a raw text table (``export_year`` bounds rating years)."""
    rules = cell_rules(table, export_year)
    columns = {
        col.name: pa.Column(
            str,
            nullable=not col.required,
            checks=[pa.Check(r.passes, name=r.rule) for r in rules.get(col.name, ())],
        )
        for col in COLUMNS[table]
    }
    return pa.DataFrameSchema(columns, name=table.value, strict=False)


def check_cells(table: Table, raw: pd.DataFrame, export_year: int | None) -> pd.DataFrame:
    """Run the table's schema lazily; one issue per failing cell (all are errors)."""
    try:
        schema_for(table, export_year).validate(raw, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return _issues_from_failures(table, exc.failure_cases, export_year)
    return issues_frame()


def _issues_from_failures(
    table: Table, failures: pd.DataFrame, export_year: int | None
) -> pd.DataFrame:
    """pandera failure cases -> the report's issue rows, with the rule's message.

    A failure without a row (none is expected: raw tables are all text) stays a table-level
    error, so that nothing pandera finds is dropped.
    """
    rules = cell_rules(table, export_year)
    check = failures["check"].astype("str")
    rule = check.where(check != "not_nullable", REQUIRED)
    messages = {
        f"{column}/{r.rule}": r.message for column, col_rules in rules.items() for r in col_rules
    }
    message = (failures["column"].astype("str") + "/" + rule).map(messages)
    message = message.where(rule != REQUIRED, "required value is missing").fillna(rule)
    return issues_frame(
        table=table.value,
        rows=pd.to_numeric(failures["index"], errors="coerce").astype("Int64").to_numpy(),
        column=failures["column"].to_numpy(),
        rule=rule.to_numpy(),
        value=failures["failure_case"].to_numpy(),
        message=message.to_numpy(),
        severity=ERROR,
    )
