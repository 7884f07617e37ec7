"""Real data has no oracle, hence no ranking evaluation: the audit still builds the held-out
vacancies' pools (truth unknown) and reports on the model's shortlists, so that the fairness gate
has a report to read."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from mutasi.settings import get_settings
from training.evaluate import ORACLE_DIR, ranking_setup
from training.fairness_audit import audit_model, audit_pools
from training.oracle_eval import AUDIT_ATTRIBUTES, score_pools
from training.train import TrainResult, prepare
from training.training_set import TimeSplit


def test_version_trained_without_oracle_is_still_audited(
    trained: TrainResult, small_province: Path, tmp_path: Path
) -> None:
    real = tmp_path / "province"
    shutil.copytree(small_province, real, ignore=shutil.ignore_patterns(ORACLE_DIR))
    prepared = prepare(real, get_settings())
    inputs = prepared.inputs
    time_split = TimeSplit.from_dict(trained.time_split.as_dict())
    test = prepared.training_set.split(time_split)["test"]
    setup = ranking_setup(
        inputs.dataset, inputs.data_dir, test, inputs.builder, inputs.rule_set, 12, seed=7
    )
    assert setup.pools is None  # no oracle: no ranking evaluation

    pools = audit_pools(inputs, test, max_vacancies=12, seed=7)
    assert pools
    for pool in pools:
        assert np.isnan(pool.truth).all()
        assert pool.attributes is not None
        assert list(pool.attributes.columns) == list(AUDIT_ATTRIBUTES)
        assert len(pool.attributes) == pool.nips.size

    scores = score_pools(pools, trained.model.rank_score)
    audit = audit_model(trained.model, pools, scores, trained.parts["train"], inputs, seed=7)
    assert audit.report.n_vacancies == len(pools)
    assert audit.report.n_rows == sum(pool.nips.size for pool in pools)
    assert set(audit.proxy["attribute"]) == {"gender", "age_band"}
