"""The feature catalogue: complete, well-formed, and the builder's column order."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from features.catalogue import GROUPS, CatalogueError, load_catalogue, parse_catalogue
from features.contract import OPTIONAL_TABLES, Table
from features.fit import FitFeatureBuilder
from tests.factories import make_dataset

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = [
    "field_sector_fit",
    "field_position_fit",
    "education_level_gap",
    "overqualification",
    "golongan_gap",
    "years_in_grade",
    "competency_shortfall_manajerial",
    "competency_shortfall_sosiokultural",
    "competency_shortfall_teknis",
    "competency_shortfall_sum",
    "competency_coverage",
    "years_of_service",
    "years_in_position",
    "years_in_target_sector",
    "n_past_moves",
    "years_since_last_move",
    "skp_last_rating",
    "skp_last_score",
    "skp_mean_3y",
    "skp_trend",
    "skp_years_rated",
    "skp_mean_all",
    "skp_share_sangat_baik",
    "skp_share_below_baik",
    "skp_mean_score",
    "skp_last_known_score",
    "current_field_sector_fit",
    "current_away_from_home",
    "same_region_as_current",
    "target_in_home_region",
    "asked_for_unit",
    "preference_priority",
    "target_position_shortage",
    "target_unit_shortage",
    "source_unit_shortage_after",
    "years_to_retirement",
]


@pytest.fixture
def raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "features" / "catalogue.yaml").read_text())
    return loaded


def test_required_features_present_once_and_described() -> None:
    catalogue = load_catalogue()
    assert set(REQUIRED) <= set(catalogue.names)
    assert len(set(catalogue.names)) == len(catalogue.names)
    for spec in catalogue.features:
        assert spec.group in GROUPS
        assert spec.meaning_en
        assert spec.meaning_id
        assert spec.unit
        assert spec.monotone in (-1, 0, 1)
        assert set(spec.requires) | set(spec.fallback) <= {t.value for t in OPTIONAL_TABLES}


def test_protected_attributes_are_not_features() -> None:
    names = " ".join(load_catalogue().names)
    assert "gender" not in names
    assert "age_years" not in load_catalogue().names


def test_accessors() -> None:
    catalogue = load_catalogue()
    assert catalogue.version == "2"
    assert len(catalogue.monotone_constraints()) == len(catalogue.names)
    assert catalogue.by_name("competency_shortfall_sum").monotone == -1
    assert catalogue.by_name("field_sector_fit").group == "education"
    with pytest.raises(KeyError, match="no_such_feature"):
        catalogue.by_name("no_such_feature")
    frame = catalogue.to_frame()
    assert list(frame["name"]) == catalogue.names
    assert list(frame.columns[:7]) == [
        "name", "group", "unit", "meaning_en", "meaning_id", "monotone", "requires"
    ]  # fmt: skip


def test_degradation_lists_follow_requires_and_fallback() -> None:
    catalogue = load_catalogue()
    competency = catalogue.needing([Table.COMPETENCY_ASSESSMENTS])
    assert competency == [n for n in catalogue.names if n.startswith("competency_")]
    assert catalogue.needing(["preferences"]) == ["asked_for_unit", "preference_priority"]
    assert catalogue.needing(["rank_history"]) == ["years_in_grade"]
    assert catalogue.falling_back(["rank_history"]) == ["golongan_gap"]
    assert catalogue.needing([]) == []


def test_builder_columns_follow_the_catalogue() -> None:
    builder = FitFeatureBuilder().fit(make_dataset())
    assert list(builder.get_feature_names_out()) == load_catalogue().names


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["features"][0].update(group="nope"), "unknown group"),
        (lambda r: r["features"][0].update(monotone=2), "monotone"),
        (lambda r: r["features"][0].update(requires=["units"]), "requires"),
        (lambda r: r["features"][0].pop("meaning_id"), "missing"),
        (lambda r: r["features"].append(copy.deepcopy(r["features"][0])), "duplicate"),
        (lambda r: r.pop("features"), "features"),
    ],
)
def test_malformed_catalogue_is_rejected(raw: dict[str, Any], edit: Any, message: str) -> None:
    edit(raw)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(raw)


def test_catalogue_from_another_path(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["features"] = raw["features"][:3]
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw))
    builder = FitFeatureBuilder(catalogue_path=path).fit(make_dataset())
    assert list(builder.get_feature_names_out()) == [f["name"] for f in raw["features"]]


def test_unimplemented_catalogue_feature_fails_at_fit(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["features"].append({**raw["features"][0], "name": "not_implemented_yet"})
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(KeyError, match="not_implemented_yet"):
        FitFeatureBuilder(catalogue_path=path).fit(make_dataset())
