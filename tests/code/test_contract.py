"""Contract helpers: list parsing, dtypes, the Dataset container."""

from __future__ import annotations

import pandas as pd
import pytest

from features.contract import (
    COLUMNS,
    EDUCATION_RANK,
    FOREIGN_KEYS,
    PRIMARY_KEYS,
    RATING_VALUE,
    RATINGS,
    Table,
    column_names,
    dtype_of,
    parse_competency_requirements,
    parse_education_fields,
)


def test_list_columns_parse() -> None:
    assert parse_education_fields("hukum; administrasi_publik") == ("hukum", "administrasi_publik")
    assert parse_education_fields("") == ()
    assert parse_education_fields(float("nan")) == ()
    assert parse_competency_requirements("manajerial:3;teknis_kesehatan:2") == {
        "manajerial": 3,
        "teknis_kesehatan": 2,
    }
    assert parse_competency_requirements(None) == {}


@pytest.mark.parametrize("bad", ["manajerial", "manajerial:6", "terbang:2", "manajerial:x"])
def test_malformed_competency_requirement_raises(bad: str) -> None:
    with pytest.raises(ValueError, match="competency"):
        parse_competency_requirements(bad)


def test_keys_name_real_columns() -> None:
    for table, keys in PRIMARY_KEYS.items():
        assert set(keys) <= set(column_names(table))
    for (table, column), (ref_table, ref_column) in FOREIGN_KEYS.items():
        assert column in column_names(table)
        assert ref_column in column_names(ref_table)


def test_ordered_codes_compare_the_right_way() -> None:
    rating = dtype_of(next(c for c in COLUMNS[Table.PERFORMANCE] if c.name == "rating"))
    ratings = pd.Series(["baik", "sangat_baik", "kurang"], dtype=rating)
    assert ratings.max() == "sangat_baik"
    assert [RATING_VALUE[r] for r in RATINGS] == [1, 2, 3, 4, 5]
    assert EDUCATION_RANK["D4"] == EDUCATION_RANK["S1"] < EDUCATION_RANK["S2"]
