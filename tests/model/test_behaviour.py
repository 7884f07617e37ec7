"""Behavioural tests of the trained model: invariance and directional expectations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from training.pipeline_inputs import fitted_builder
from training.train import TrainResult

FIELD_MATCH = ("field_position_fit", "field_sector_fit")
SHORTFALLS = (
    "competency_shortfall_manajerial",
    "competency_shortfall_sosiokultural",
    "competency_shortfall_teknis",
    "competency_shortfall_sum",
)


def test_name_and_gender_change_no_prediction(trained: TrainResult) -> None:
    dataset = trained.prepared.inputs.dataset
    employees = dataset.employees.copy()
    employees["name"] = pd.Series("Nama Diganti", index=employees.index, dtype="str")
    flipped = employees["gender"].astype(str).map({"L": "P", "P": "L"})
    employees["gender"] = pd.Categorical(flipped, dtype=employees["gender"].dtype)
    altered = replace(dataset, employees=employees)
    test = trained.parts["test"]
    triples = test.moves[["nip", "position_id", "as_of"]]
    features = fitted_builder(altered, trained.prepared.inputs.builder_params).transform(triples)
    pd.testing.assert_frame_equal(
        features.reset_index(drop=True), test.features.reset_index(drop=True)
    )
    np.testing.assert_array_equal(
        trained.model.predict(features), trained.model.predict(test.features)
    )


def test_better_field_match_never_lowers_the_prediction(trained: TrainResult) -> None:
    catalogue = trained.prepared.inputs.catalogue
    features = trained.parts["test"].features
    better = features.copy()
    for column in FIELD_MATCH:  # both: the degree fits the post's listed fields and its sector
        assert catalogue.by_name(column).monotone == 1
        known = better[column].notna()
        better.loc[known, column] = np.minimum(better.loc[known, column] + 0.5, 1.0)
    before, after = trained.model.predict(features), trained.model.predict(better)
    assert (after >= before - 1e-12).all()
    assert (after > before).any(), "field match should matter somewhere"
    p_before, p_after = trained.model.prob_good(features), trained.model.prob_good(better)
    assert (p_after >= p_before - 1e-12).all()


@pytest.mark.parametrize("column", SHORTFALLS)
def test_more_competency_shortfall_never_raises_the_prediction(
    trained: TrainResult, column: str
) -> None:
    assert trained.prepared.inputs.catalogue.by_name(column).monotone == -1
    features = trained.parts["test"].features
    worse = features.copy()
    known = worse[column].notna()
    worse.loc[known, column] = worse.loc[known, column] + 1.0
    assert (trained.model.predict(worse) <= trained.model.predict(features) + 1e-12).all()
    p_before, p_after = trained.model.prob_good(features), trained.model.prob_good(worse)
    assert (p_after <= p_before + 1e-12).all()
