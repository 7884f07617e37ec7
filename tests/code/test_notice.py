"""The notice is generated from the catalogue and the rule set, and what it says is never used
is really never used: changing it changes no feature and no eligibility verdict."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.catalogue import load_catalogue
from features.contract import COLUMNS, Dataset
from features.data import load_dataset
from features.eligibility import evaluate_eligibility
from features.fit import FitFeatureBuilder
from features.rule_set import load_rule_set
from serving.domain.participation.notice import NEVER_USED, build_notice, rule_text, wording
from serving.state import _position_targets
from tests.code.participation_cases import participation_app
from tests.serving_fixtures import Champion

N_POSITIONS = 30


def test_the_notice_lists_every_feature_and_rule_in_both_languages() -> None:
    catalogue, rules = load_catalogue(), load_rule_set()
    notice = build_notice(catalogue, rules, None, "portal")
    listed = [f.name for g in notice.assesses for f in g.features]
    assert sorted(listed) == sorted(catalogue.names)
    assert [r.id for r in notice.rules] == [r.id for r in rules.rules]
    for rule in rules.rules:
        text = rule_text(rule)
        assert text.id, rule.id
        assert text.en, rule.id
        assert "{" not in text.id, rule.id
    assert {t.table for t in notice.data_used} == {t.value for t in COLUMNS}
    assert len(notice.never_used) == len(NEVER_USED)
    assert notice.model is None
    assert set(wording()["rules"]) == {r.id for r in rules.rules}, "a rule without words"


def test_a_changed_rule_parameter_shows_in_the_notice() -> None:
    rules = load_rule_set(overrides={"min_years_in_position": 0.5})
    notice = build_notice(load_catalogue(), rules, None, "portal")
    rule = next(r for r in notice.rules if r.id == "min_years_in_position")
    assert "0,5 tahun" in rule.meaning.id  # a decimal comma, as the letters write it


def test_the_data_holds_no_religion_ethnicity_marital_status_or_disability() -> None:
    names = {c.name for columns in COLUMNS.values() for c in columns}
    for word in ("religion", "agama", "ethnic", "suku", "marital", "kawin", "disab"):
        assert not any(word in name for name in names), word


def _scores(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Every employee's features and eligibility against some active positions."""
    builder = FitFeatureBuilder().fit(dataset)
    snapshot = builder.snapshot(dataset.export_date)
    positions = dataset.positions
    if "is_active" not in positions.columns:
        positions = positions.assign(is_active=True)
    targets = _position_targets(positions.set_index("position_id", drop=False), dataset.units)
    chosen = sorted(targets)[:N_POSITIONS]
    features = np.stack([snapshot.pair_array(p) for p in chosen])
    rules = load_rule_set()
    verdicts = np.stack(
        [
            evaluate_eligibility(
                snapshot.state, targets[p], snapshot.as_of, rules, dataset.freeze_periods
            ).hits
            for p in chosen
        ]
    )
    return features, verdicts


@pytest.fixture(scope="module")
def province(small_province: Path) -> Dataset:
    return load_dataset(small_province)


@pytest.fixture(scope="module")
def scored(province: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return _scores(province)


def test_gender_name_and_potential_change_nothing(
    province: Dataset, scored: tuple[np.ndarray, np.ndarray]
) -> None:
    employees = province.employees.copy()
    genders = list(employees["gender"].cat.categories)
    employees["gender"] = pd.Categorical(
        [genders[(genders.index(g) + 1) % len(genders)] for g in employees["gender"]],
        categories=genders,
    )
    employees["name"] = "Pegawai"
    employees["potential"] = employees["potential"].iloc[::-1].to_numpy()
    features, verdicts = _scores(dataclasses.replace(province, employees=employees))
    np.testing.assert_array_equal(features, scored[0])
    np.testing.assert_array_equal(verdicts, scored[1])


def test_the_birth_date_moves_only_the_years_to_retirement(
    province: Dataset, scored: tuple[np.ndarray, np.ndarray]
) -> None:
    employees = province.employees.copy()
    employees["birth_date"] = employees["birth_date"] - pd.Timedelta(days=400)
    features, _ = _scores(dataclasses.replace(province, employees=employees))
    names = load_catalogue().names
    changed = {
        names[j]
        for j in range(len(names))
        if not np.allclose(features[:, :, j], scored[0][:, :, j], equal_nan=True)
    }
    assert changed == {"years_to_retirement"}


@pytest.fixture(scope="module")
def papi(champion: Champion, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with participation_app(champion, tmp_path_factory.mktemp("notice")) as client:
        yield client


def test_the_notice_endpoint_is_open_and_names_the_served_model(
    papi: TestClient, champion: Champion
) -> None:
    response = papi.get("/v1/notice")
    assert response.status_code == 200
    notice = response.json()
    assert notice["model"]["version"] == champion.model_version
    assert notice["model"]["card_url"] == "/notice/model-card"
    assert "portal kepegawaian" in notice["review"]["id"]
