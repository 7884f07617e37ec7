"""The generated province obeys the data contract (a self-check until the validator lands)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from features.contract import (
    COLUMNS,
    FOREIGN_KEYS,
    PNS_GOLONGAN,
    PPPK_GOLONGAN,
    PRIMARY_KEYS,
    Table,
    column_names,
    parse_competency_requirements,
    parse_education_fields,
)
from features.synth.careers import RESTRUCTURING
from features.synth.corrupt import read_dataset

Frames = dict[Table, pd.DataFrame]


@pytest.fixture(scope="module")
def tables(small_province: Path) -> Frames:
    frames, fmt = read_dataset(small_province)
    assert fmt == "csv"
    return frames


def day(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.replace("", None), format="%Y-%m-%d")


def test_every_table_is_written_in_contract_order(small_province: Path, tables: Frames) -> None:
    assert set(tables) == set(Table)
    for table, frame in tables.items():
        assert list(frame.columns) == column_names(table), table
        assert len(frame) > 0, table
    manifest = json.loads((small_province / "manifest.json").read_text())
    assert manifest == {
        "contract_version": "1",
        "source": "mutasi-synth gorontalo seed 7",
        "exported_at": "2025-12-31",
    }


def test_cells_have_contract_types_and_codes(tables: Frames) -> None:
    for table, frame in tables.items():
        for col in COLUMNS[table]:
            values = frame[col.name]
            filled = values[values != ""]
            if col.required:
                assert len(filled) == len(values), f"{table}.{col.name} has empty required cells"
            if col.kind == "code":
                assert set(filled) <= set(col.codes), (
                    f"{table}.{col.name}: {set(filled) - set(col.codes)}"
                )
            elif col.kind == "date":
                day(filled)  # raises on anything but ISO dates
            elif col.kind == "int":
                assert filled.str.fullmatch(r"\d+").all(), f"{table}.{col.name}"
            elif col.kind == "bool":
                assert set(filled) <= {"true", "false"}
    positions = tables[Table.POSITIONS]
    for value in positions["competency_requirements"]:
        parse_competency_requirements(value)
    assert positions["education_fields"].map(parse_education_fields).map(len).sum() > 0
    scores = pd.to_numeric(tables[Table.PERFORMANCE]["score"].replace("", None))
    assert scores.dropna().between(0, 100).all()


def test_keys_are_unique_and_references_resolve(tables: Frames) -> None:
    for table, key in PRIMARY_KEYS.items():
        assert not tables[table].duplicated(list(key)).any(), f"duplicate {table} key {key}"
    for (table, column), (ref_table, ref_column) in FOREIGN_KEYS.items():
        values = tables[table][column]
        values = values[values != ""]
        assert values.isin(tables[ref_table][ref_column]).all(), f"{table}.{column} dangles"


def test_nips_encode_birth_date_tmt_and_gender(tables: Frames) -> None:
    emp = tables[Table.EMPLOYEES]
    assert emp["nip"].str.fullmatch(r"\d{18}").all()
    pns = emp[emp["employment_type"] == "PNS"]
    assert (pns["nip"].str[:8] == pns["birth_date"].str.replace("-", "")).all()
    assert (pns["nip"].str[8:14] == pns["tmt_cpns"].str[:7].str.replace("-", "")).all()
    assert (pns["nip"].str[14] == pns["gender"].map({"L": "1", "P": "2"})).all()
    assert set(emp.loc[emp["employment_type"] == "PPPK", "golongan"]) <= set(PPPK_GOLONGAN)
    assert set(pns["golongan"]) <= set(PNS_GOLONGAN)


def test_dates_are_ordered(tables: Frames) -> None:
    export = pd.Timestamp("2025-12-31")
    emp = tables[Table.EMPLOYEES].set_index("nip")
    tmt = day(emp["tmt_cpns"])
    assert (day(emp["position_start_date"]) >= tmt).all()
    assert (day(emp["position_start_date"]) <= export).all()
    assert ((tmt - day(emp["birth_date"])).dt.days / 365.25 >= 18).all()
    for table, column in (
        (Table.TRANSFERS, "effective_date"),
        (Table.RANK_HISTORY, "tmt"),
        (Table.COMPETENCY_ASSESSMENTS, "assessed_on"),
        (Table.PREFERENCES, "submitted_on"),
    ):
        frame = tables[table]
        when = day(frame[column])
        assert (when.to_numpy() >= tmt.loc[frame["nip"]].to_numpy()).all(), table
        assert (when <= export).all(), table
    perf = tables[Table.PERFORMANCE]
    years = perf["year"].astype(int)
    assert years.between(2016, 2025).all()
    assert (years.to_numpy() >= tmt.loc[perf["nip"]].dt.year.to_numpy()).all()
    assert (perf.loc[years >= 2022, "score"] == "").all()
    assert (perf.loc[years < 2022, "score"] != "").all()


def test_snapshot_agrees_with_histories(tables: Frames) -> None:
    emp = tables[Table.EMPLOYEES].set_index("nip")
    moves = tables[Table.TRANSFERS].sort_values(["nip", "effective_date"])
    assert (moves["from_position_id"] != moves["to_position_id"]).all()
    latest = moves.groupby("nip").last()
    assert (latest["to_position_id"] == emp.loc[latest.index, "position_id"]).all()
    assert (latest["effective_date"] == emp.loc[latest.index, "position_start_date"]).all()
    chained = moves.groupby("nip")["to_position_id"].shift()
    assert (chained.dropna() == moves.loc[chained.notna(), "from_position_id"]).all()
    assert not moves["nip"].isin(emp.index[emp["employment_type"] == "PPPK"]).any()
    ranks = tables[Table.RANK_HISTORY].sort_values(["nip", "tmt"]).groupby("nip").last()
    assert (ranks["golongan"] == emp.loc[ranks.index, "golongan"]).all()
    assert set(ranks.index) == set(emp.index)
    degrees = (
        tables[Table.EDUCATION_HISTORY]
        .sort_values(["nip", "graduation_date"])
        .groupby("nip")
        .last()
    )
    assert set(degrees.index) == set(emp.index)
    assert (degrees["education_level"] == emp.loc[degrees.index, "education_level"]).all()
    assert (degrees["education_field"] == emp.loc[degrees.index, "education_field"]).all()
    sanctioned = emp["discipline_level"] != "none"
    assert ((emp["discipline_until"] != "") == sanctioned).all()


def test_old_structure_posts_are_history_only(tables: Frames) -> None:
    positions = tables[Table.POSITIONS]
    old = positions[positions["is_active"] == "false"]
    assert len(old) > 0
    assert (old["abk_need"] == "0").all()
    assert not tables[Table.EMPLOYEES]["position_id"].isin(old["position_id"]).any()
    moves = tables[Table.TRANSFERS]
    assert moves["from_position_id"].isin(old["position_id"]).any()
    into_old = moves[moves["to_position_id"].isin(old["position_id"])]
    assert (day(into_old["effective_date"]) < pd.Timestamp(RESTRUCTURING)).all()


def test_historical_moves_respect_the_rules(tables: Frames) -> None:
    """No move in a frozen region; 2+ years in post (except the restructuring's penyetaraan)."""
    moves = tables[Table.TRANSFERS].copy()
    moves["when"] = day(moves["effective_date"])
    region = (
        tables[Table.POSITIONS]
        .merge(tables[Table.UNITS], on="unit_id")
        .set_index("position_id")["region_code"]
    )
    freeze = tables[Table.FREEZE_PERIODS]
    for _, period in freeze.iterrows():
        inside = moves["when"].between(
            pd.Timestamp(period["start_date"]), pd.Timestamp(period["end_date"])
        )
        touched = (moves["from_position_id"].map(region) == period["region_code"]) | (
            moves["to_position_id"].map(region) == period["region_code"]
        )
        assert not (inside & touched).any(), period.to_dict()
    emp = tables[Table.EMPLOYEES].set_index("nip")
    moves = moves.sort_values(["nip", "when"])
    previous = moves.groupby("nip")["when"].shift()
    since = previous.fillna(day(moves["nip"].map(emp["tmt_cpns"])))
    ordinary = moves["when"] != pd.Timestamp(RESTRUCTURING)
    tenure = (moves["when"] - since).dt.days
    assert (tenure[ordinary & previous.notna()] >= 730).all()


def test_small_province_is_rich_enough_for_training(tables: Frames) -> None:
    emp, positions = tables[Table.EMPLOYEES], tables[Table.POSITIONS]
    headcount = emp["position_id"].value_counts()
    shortage = positions["abk_need"].astype(int) - positions["position_id"].map(headcount).fillna(0)
    assert ((shortage > 0) & (positions["is_active"] == "true")).sum() >= 40
    moves = tables[Table.TRANSFERS].copy()
    moves["outcome_year"] = day(moves["effective_date"]).dt.year + 1
    perf = tables[Table.PERFORMANCE].assign(outcome_year=lambda f: f["year"].astype(int))
    rated = moves.merge(perf, on=["nip", "outcome_year"], how="left")["rating"].notna()
    assert rated.sum() >= 150
    by_year = rated.groupby(day(moves["effective_date"]).dt.year).agg(["sum", "size"])
    assert by_year.loc[2024, "sum"] > 0  # moves of 2024 have their 2025 outcome
    assert by_year.loc[2025, "size"] > 0
    assert by_year.loc[2025, "sum"] == 0
