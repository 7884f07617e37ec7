"""Cross-column and cross-table rules on parsed rows (vectorised, one mask per rule).

A rule sees the parsed frames of all present tables (malformed cells already NA, reported by
the schemas) and returns the rows of its table that break it. Cells that did not parse never
fail a rule here, so each bad value is reported once, by the check that owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from features.contract import PNS_GOLONGAN, PPPK_GOLONGAN, Table
from features.validation.report import ERROR, WARNING, concat_issues, issues_frame

Frames = Mapping[Table, pd.DataFrame]
Mask = Callable[[Frames, pd.Timestamp | None], pd.Series]
NIP_GENDER: dict[str, str] = {"1": "L", "2": "P"}


@dataclass(frozen=True)
class RowRule:
    """A rule over whole rows; ``column`` is the cell the report shows."""

    table: Table
    rule: str
    column: str
    message: str
    fails: Mask
    severity: str = ERROR


def _pns_nip(e: pd.DataFrame) -> pd.Series:
    """PNS rows whose NIP is well-formed, so that its digits carry meaning."""
    return (e["employment_type"] == "PNS") & e["nip"].str.fullmatch(r"[0-9]{18}").fillna(False)


def _nip_digits(e: pd.DataFrame, start: int, stop: int) -> pd.Series:
    return pd.to_numeric(e["nip"].str.slice(start, stop), errors="coerce")


def _nip_birth_date(f: Frames, _: pd.Timestamp | None) -> pd.Series:
    e = f[Table.EMPLOYEES]
    birth = e["birth_date"]
    ymd: pd.Series = birth.dt.year * 10000 + birth.dt.month * 100 + birth.dt.day
    return _pns_nip(e) & birth.notna() & (_nip_digits(e, 0, 8) != ymd)


def _nip_tmt_cpns(f: Frames, _: pd.Timestamp | None) -> pd.Series:
    e = f[Table.EMPLOYEES]
    tmt = e["tmt_cpns"]
    year_month: pd.Series = tmt.dt.year * 100 + tmt.dt.month
    return _pns_nip(e) & tmt.notna() & (_nip_digits(e, 8, 14) != year_month)


def _nip_gender(f: Frames, _: pd.Timestamp | None) -> pd.Series:
    e = f[Table.EMPLOYEES]
    from_nip = e["nip"].str.slice(14, 15).map(NIP_GENDER)
    return _pns_nip(e) & e["gender"].notna() & (from_nip != e["gender"].astype("str"))


def _golongan_scheme(f: Frames, _: pd.Timestamp | None) -> pd.Series:
    e = f[Table.EMPLOYEES]
    golongan, kind = e["golongan"], e["employment_type"]
    fits = ((kind == "PNS") & golongan.isin(PNS_GOLONGAN)) | (
        (kind == "PPPK") & golongan.isin(PPPK_GOLONGAN)
    )
    return golongan.notna() & kind.notna() & ~fits


def _min_golongan_scheme(f: Frames, _: pd.Timestamp | None) -> pd.Series:
    minimum = f[Table.POSITIONS]["min_golongan"]
    return minimum.notna() & ~minimum.isin(PNS_GOLONGAN)


def _before(table: Table, early: str, late: str, *, strict: bool = True) -> Mask:
    """Rows where ``late`` precedes ``early`` (or equals it when ``strict``)."""

    def fails(f: Frames, _: pd.Timestamp | None) -> pd.Series:
        frame = f[table]
        return (frame[late] <= frame[early]) if strict else (frame[late] < frame[early])

    return fails


def _position_start_future(f: Frames, export_date: pd.Timestamp | None) -> pd.Series:
    start = f[Table.EMPLOYEES]["position_start_date"]
    if export_date is None:
        return pd.Series(False, index=start.index)
    return start > export_date


def _discipline_until_without_sanction(f: Frames, _: pd.Timestamp | None) -> pd.Series:
    e = f[Table.EMPLOYEES]
    return e["discipline_until"].notna() & (e["discipline_level"] == "none")


def _same_position(f: Frames, _: pd.Timestamp | None) -> pd.Series:
    t = f[Table.TRANSFERS]
    return t["from_position_id"].notna() & (t["from_position_id"] == t["to_position_id"])


def _before_tmt_cpns(table: Table, date_column: str) -> Mask:
    """Rows of an employee's history dated before that employee's start of service."""

    def fails(f: Frames, _: pd.Timestamp | None) -> pd.Series:
        employees = f[Table.EMPLOYEES].dropna(subset=["nip"]).drop_duplicates("nip")
        tmt_cpns = employees.set_index("nip")["tmt_cpns"]
        frame = f[table]
        # reindex, not map: map with an empty datetime mapper fails (no employees accepted).
        start = pd.Series(tmt_cpns.reindex(frame["nip"]).to_numpy(), index=frame.index)
        return frame[date_column] < start

    return fails


def _instansi_outside_region(f: Frames, _: pd.Timestamp | None) -> pd.Series:
    """A kab/kota government's unit lies in that kab/kota, a province's in that province."""
    u = f[Table.UNITS]
    code, region = u["instansi_code"], u["region_code"]
    inside = (code == region) | (code == region.str.slice(0, 2))
    # A malformed code is its format rule's to report, once.
    well_formed = code.str.fullmatch(r"[0-9]{2}|[0-9]{4}").fillna(False).astype(bool)
    well_formed &= region.str.fullmatch(r"[0-9]{4}").fillna(False).astype(bool)
    return well_formed & ~inside.fillna(False).astype(bool)


E, P, T = Table.EMPLOYEES, Table.POSITIONS, Table.TRANSFERS
ROW_RULES: tuple[RowRule, ...] = (
    RowRule(E, "nip_birth_date", "birth_date", "PNS birth_date must equal NIP digits 1-8",
            _nip_birth_date),
    RowRule(E, "nip_tmt_cpns", "tmt_cpns", "PNS tmt_cpns year-month must equal NIP digits 9-14",
            _nip_tmt_cpns),
    RowRule(E, "nip_gender", "gender", "PNS gender must match NIP digit 15 (1 = L, 2 = P)",
            _nip_gender),
    RowRule(E, "golongan_scheme", "golongan",
            "golongan must be of the employment type's scheme (PNS I/a..IV/e, PPPK I..XVII)",
            _golongan_scheme),
    RowRule(E, "birth_after_tmt_cpns", "birth_date", "birth_date must be before tmt_cpns",
            _before(E, "birth_date", "tmt_cpns")),
    RowRule(E, "position_start_before_tmt_cpns", "position_start_date",
            "position_start_date must not be before tmt_cpns",
            _before(E, "tmt_cpns", "position_start_date", strict=False)),
    RowRule(E, "position_start_after_export", "position_start_date",
            "position_start_date must not be after the export date", _position_start_future),
    RowRule(E, "discipline_until_without_sanction", "discipline_until",
            "discipline_until is set but discipline_level is none (ignored)",
            _discipline_until_without_sanction, severity=WARNING),
    RowRule(Table.UNITS, "instansi_outside_region", "instansi_code",
            "instansi_code must be the unit's region_code (kab/kota) or its first 2 digits "
            "(province)", _instansi_outside_region),
    RowRule(P, "min_golongan_scheme", "min_golongan", "min_golongan must be a PNS golongan",
            _min_golongan_scheme),
    RowRule(T, "same_position", "to_position_id",
            "to_position_id must differ from from_position_id", _same_position),
    RowRule(T, "before_tmt_cpns", "effective_date",
            "effective_date is before the employee's tmt_cpns",
            _before_tmt_cpns(T, "effective_date")),
    RowRule(Table.RANK_HISTORY, "before_tmt_cpns", "tmt",
            "tmt is before the employee's tmt_cpns", _before_tmt_cpns(Table.RANK_HISTORY, "tmt")),
    RowRule(Table.FREEZE_PERIODS, "end_before_start", "end_date",
            "end_date must not be before start_date",
            _before(Table.FREEZE_PERIODS, "start_date", "end_date", strict=False)),
)  # fmt: skip


def check_rows(parsed: Frames, raw: Frames, export_date: pd.Timestamp | None) -> pd.DataFrame:
    """Issues of every row rule whose table is present."""
    parts = []
    for rule in ROW_RULES:
        if rule.table not in parsed:
            continue
        fails = rule.fails(parsed, export_date).fillna(False).astype(bool)
        rows = fails.index[fails.to_numpy()]
        parts.append(
            issues_frame(
                table=rule.table.value,
                rows=rows.to_numpy(),
                column=rule.column,
                rule=rule.rule,
                value=raw[rule.table].loc[rows, rule.column].to_numpy(),
                message=rule.message,
                severity=rule.severity,
            )
        )
    return concat_issues(parts)
