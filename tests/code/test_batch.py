"""Batch scoring on Spark (local mode): the batch top k equals the API's answer for the same
model, snapshot and date; every vacancy is accounted for; moves across kab/kota and provinces
carry who decides them. One Spark session serves the whole module (JVM start-up is seconds)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from batch.blocks import area_of, open_vacancies, vacancy_blocks
from batch.job import SUMMARY_FILE, TOP_K_DIR, VACANCIES_DIR, BatchSummary, load_state, run_batch
from batch.score import OUTPUT_COLUMNS, BlockScorer
from mutasi.cli import app
from serving.domain.ranking import position_target, rank_position
from serving.schemas.rankings import RankingOptions
from serving.state import ServingState
from tests.serving_fixtures import Champion

pytestmark = pytest.mark.slow
K = 5


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from batch.session import spark_session

    session = spark_session("local[2]", conf={"spark.sql.shuffle.partitions": "4"})
    yield session
    session.stop()


@pytest.fixture(scope="module")
def small_state(champion: Champion) -> ServingState:
    return load_state(champion.settings(), champion.province)


@pytest.fixture(scope="module")
def small_run(
    spark: object,
    champion: Champion,
    small_state: ServingState,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[BatchSummary, Path]:
    out = tmp_path_factory.mktemp("batch_small")
    summary = run_batch(
        champion.settings(), champion.province, out, as_of=champion.today, k=K, spark=spark,
        state=small_state,
    )  # fmt: skip
    return summary, out


def test_batch_top_k_equals_the_api_answer(
    small_run: tuple[BatchSummary, Path], small_state: ServingState, champion: Champion
) -> None:
    summary, out = small_run
    top = pd.read_parquet(out / TOP_K_DIR)
    vacancies = pd.read_parquet(out / VACANCIES_DIR)
    assert summary.n_vacancies == len(vacancies) > 20
    assert summary.rows_written == len(top)
    sample = vacancies["position_id"].sort_values().iloc[::4].tolist()  # every 4th vacancy
    settings = champion.settings()
    for position_id in sample:
        outcome = rank_position(
            small_state,
            position_target(small_state, position_id),
            RankingOptions(k=K, as_of=champion.today),
            request_id="batch-equivalence",
            today=champion.today,
            settings=settings,
        )
        mine = top[top["position_id"] == position_id].sort_values("rank")
        api = outcome.response
        assert mine["nip"].tolist() == [c.nip for c in api.candidates], position_id
        np.testing.assert_allclose(
            mine["raw_prediction"].to_numpy(), [i.raw_prediction for i in outcome.items],
            rtol=0, atol=1e-9,
        )  # fmt: skip
        assert mine["rating"].tolist() == [c.prediction.rating for c in api.candidates]
        assert mine["upper"].tolist() == [c.prediction.upper for c in api.candidates]
        assert [json.loads(r) for r in mine["reasons"]] == [
            [c.model_dump() for c in cand.contributions] for cand in api.candidates
        ]
        row = vacancies.set_index("position_id").loc[position_id]
        assert row["n_eligible"] == api.eligibility.n_eligible
        assert row["n_considered"] == api.eligibility.n_considered
        assert json.loads(row["ineligible_by_rule"]) == api.eligibility.ineligible_by_rule


def test_every_vacancy_is_written_and_partitioned_by_region(
    small_run: tuple[BatchSummary, Path], small_state: ServingState, champion: Champion
) -> None:
    summary, out = small_run
    view = small_state.view(champion.today)
    expected = set(open_vacancies(small_state, view))
    vacancies = pd.read_parquet(out / VACANCIES_DIR)
    assert set(vacancies["position_id"]) == expected
    empty = vacancies[vacancies["n_returned"] == 0]
    assert summary.n_without_candidates == len(empty)
    assert (empty["n_eligible"] == 0).all()  # nobody was eligible, so nothing was returned
    assert (vacancies["n_returned"] == vacancies["n_eligible"].clip(upper=K)).all()
    regions = {p.name.split("=")[1] for p in (out / TOP_K_DIR).glob("target_region_code=*")}
    top = pd.read_parquet(out / TOP_K_DIR)
    assert regions == set(top["target_region_code"].astype(str))
    assert set(top.columns) == set(OUTPUT_COLUMNS)
    assert summary.pairs_scored == int(vacancies["n_eligible"].sum())
    recorded = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert recorded["snapshot_id"] == small_state.snapshot_id
    assert recorded["rule_set_version"] == small_state.rule_set.version
    assert (top["authority_id"] == "ppk").all()  # one pemda: its PPK decides every move


@pytest.fixture(scope="module")
def set_state(champion: Champion, pemda_set: Path) -> ServingState:
    return load_state(champion.settings(), pemda_set)


def _some_vacancies(state: ServingState, as_of: date, n: int) -> list[str]:
    ids = open_vacancies(state, state.view(as_of))
    frame = vacancy_blocks(state, ids, "all")
    # Posts of several pemda: the first vacancies of every target region.
    return frame.groupby("target_region_code").head(1)["position_id"].head(n).tolist()


@pytest.mark.parametrize("scope", ["all", "province"])
def test_moves_across_kabkota_and_provinces_say_who_decides(
    scope: str,
    spark: object,
    champion: Champion,
    set_state: ServingState,
    tmp_path: Path,
) -> None:
    positions = _some_vacancies(set_state, champion.today, 8)
    run_batch(
        champion.settings(), Path("."), tmp_path, as_of=champion.today, k=K, scope=scope,
        position_ids=positions, spark=spark, state=set_state,
    )  # type: ignore[arg-type]  # fmt: skip
    top = pd.read_parquet(tmp_path / TOP_K_DIR)
    assert set(top["position_id"]) <= set(positions)
    source, target = top["source_instansi_code"], top["target_instansi_code"]
    same = source == target
    province = source.str.slice(0, 2) == target.str.slice(0, 2)
    assert (top.loc[same, "authority_id"] == "ppk").all()
    assert (top.loc[~same & province, "authority_id"] == "gubernur").all()
    assert (top.loc[~province, "authority_id"] == "mendagri").all()
    assert top["authority_source"].notna().all()
    assert top.loc[top["authority_id"] == "gubernur", "authority_source"].str.contains("192").all()
    if scope == "province":  # candidates never come from another province
        current = top["current_region_code"].str.slice(0, 2)
        assert (current == top["target_region_code"].astype(str).str.slice(0, 2)).all()
        assert set(top["authority_id"]) <= {"ppk", "gubernur"}
    else:
        assert {"gubernur", "mendagri"} <= set(top["authority_id"])


def test_blocks_group_posts_judged_alike(set_state: ServingState, champion: Champion) -> None:
    view = set_state.view(champion.today)
    frame = vacancy_blocks(set_state, open_vacancies(set_state, view), "province")
    assert set(frame["area"]) == {"75", "76"}
    fields = ["area", "target_region_code"]
    assert (frame.groupby("block_id")[fields].nunique() == 1).all().all()
    assert frame["block_id"].nunique() < len(frame)  # some posts share one rule evaluation
    assert area_of(pd.Series(["7501", "7601"]), "region").tolist() == ["7501", "7601"]
    assert area_of(pd.Series(["7501"]), "all").tolist() == ["*"]
    with pytest.raises(ValueError, match="scope must be one of"):
        area_of(pd.Series(["7501"]), "nation")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not open vacancies"):
        open_vacancies(set_state, view, ["no-such-post"])


def test_a_vacancy_nobody_may_take_keeps_its_row(
    set_state: ServingState, champion: Champion
) -> None:
    view = set_state.view(champion.today)
    frame = vacancy_blocks(set_state, open_vacancies(set_state, view)[:3], "region")
    scorer = BlockScorer(set_state, view, "region", K, 3)
    nobody = frame.assign(area="9999")  # an area without employees
    out = scorer.score(nobody)
    assert len(out) == 3
    assert out["rank"].isna().all()
    assert (out["n_eligible"] == 0).all()
    assert out["authority_id"].isna().all()


def test_the_command_scores_and_reports(
    spark: object, champion: Champion, small_state: ServingState, tmp_path: Path
) -> None:
    view = small_state.view(champion.today)
    positions = ",".join(open_vacancies(small_state, view)[:3])
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["batch-score", str(champion.province), "--out", str(tmp_path), "--k", "3",
         "--as-of", champion.today.isoformat(), "--positions", positions, "--master", "local[2]"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "eligible pairs scored" in result.output
    assert len(pd.read_parquet(tmp_path / VACANCIES_DIR)) == 3
    bad = runner.invoke(app, ["batch-score", "--scope", "nation"])
    assert bad.exit_code == 2
    assert "--scope must be one of" in bad.output
    bad = runner.invoke(app, ["batch-score", "--as-of", "31-12-2025"])
    assert bad.exit_code == 2
    assert "YYYY-MM-DD" in bad.output
