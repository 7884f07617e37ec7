"""The batch job on Spark: vacancies partitioned by block, scored in Python workers, Parquet out.

The driver loads the champion and the snapshot (as the API does), lists every open vacancy
with its block (:mod:`batch.blocks`), broadcasts the work (:mod:`batch.work`) and hands Spark
one row per vacancy, hash-partitioned by block so that a block's vacancies share one rule
evaluation. ``mapInPandas`` scores each partition (:class:`~batch.score.BlockScorer`); the
result is cached once and written as

- ``top_k/``: one row per proposed move, partitioned by ``target_region_code``;
- ``vacancies/``: one row per vacancy (how many considered, eligible, returned; ineligible
  counts by rule), so a vacancy with nobody eligible is visible, not missing;
- ``_batch.json``: lineage (model, rule set, snapshot), parameters, counts and timings.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from batch.blocks import VACANCY_COLUMNS, Scope, open_vacancies, vacancy_blocks
from batch.score import OUTPUT_COLUMNS, OUTPUT_SCHEMA
from batch.session import LOCAL, spark_session
from batch.work import BatchWork, cached_scorer
from mutasi.settings import Settings
from serving.state import ServingState, build_state, load_model

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import SparkSession

TOP_K_DIR, VACANCIES_DIR, SUMMARY_FILE = "top_k", "vacancies", "_batch.json"
VACANCY_SCHEMA = (
    "position_id string, block_id long, area string, target_region_code string, "
    "target_unit_id string, target_instansi_code string"
)
_DOUBLE = [name for name, kind in OUTPUT_SCHEMA if kind == "double"]
_NULLABLE_INT = {"long": pd.Int64Dtype(), "int": pd.Int32Dtype()}
_INTS = {name: _NULLABLE_INT[kind] for name, kind in OUTPUT_SCHEMA if kind in _NULLABLE_INT}


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run did: lineage, parameters, counts, seconds per phase."""

    out_dir: str
    master: str
    as_of: str
    scope: str
    k: int
    model_name: str
    model_version: str
    run_id: str
    rule_set_version: str
    snapshot_id: str
    n_employees: int
    n_vacancies: int
    n_blocks: int
    n_partitions: int
    n_without_candidates: int
    pairs_scored: int
    rows_written: int
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def pairs_per_second(self) -> float:
        """Eligible pairs scored per second of the Spark stage."""
        return self.pairs_scored / max(self.seconds.get("spark", 0.0), 1e-9)


def load_state(settings: Settings, data_dir: Path) -> ServingState:
    """The champion (``settings.serve_model``) and the snapshot, loaded as the API loads them."""
    return build_state(settings, load_model(settings), None, data_dir)


def _arrow_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable columns Arrow maps onto the Spark schema (missing = null, never NaN)."""
    out = frame.copy()
    for name in _DOUBLE:
        out[name] = pd.to_numeric(out[name]).astype("Float64")
    for name, dtype in _INTS.items():
        out[name] = pd.to_numeric(out[name]).astype(dtype)
    for name in OUTPUT_COLUMNS:
        if name not in _DOUBLE and name not in _INTS:
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def score_partition(
    key: str, work: Broadcast[BatchWork], batches: Iterator[pd.DataFrame]
) -> Iterator[pd.DataFrame]:
    """mapInPandas body: the vacancies of one partition, scored (state built once per worker)."""
    scorer = cached_scorer(key, lambda: work.value)
    for batch in batches:
        yield _arrow_ready(scorer.score(batch))


def run_batch(
    settings: Settings,
    data_dir: Path,
    out_dir: Path,
    *,
    as_of: date,
    k: int = 10,
    scope: Scope = "province",
    master: str = LOCAL,
    position_ids: list[str] | None = None,
    partitions: int | None = None,
    spark: SparkSession | None = None,
    state: ServingState | None = None,
) -> BatchSummary:
    """Score every open vacancy of ``data_dir`` at ``as_of`` on Spark; write ``out_dir``."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    state = state or load_state(settings, data_dir)
    view = state.view(as_of)
    vacancies = vacancy_blocks(state, open_vacancies(state, view, position_ids), scope)
    seconds["load"] = time.perf_counter() - started
    work = BatchWork.of(state, as_of, scope, k, settings.n_reasons)
    mark = time.perf_counter()
    session = spark or spark_session(master)
    seconds["session"] = time.perf_counter() - mark
    mark = time.perf_counter()
    n_blocks = int(vacancies["block_id"].nunique())
    n_parts = max(1, min(partitions or 2 * session.sparkContext.defaultParallelism, n_blocks))
    broadcast = session.sparkContext.broadcast(work)
    try:
        frame = session.createDataFrame(
            vacancies[list(VACANCY_COLUMNS)].astype(object), schema=VACANCY_SCHEMA
        ).repartition(n_parts, "block_id")
        ddl = ", ".join(f"{name} {kind}" for name, kind in OUTPUT_SCHEMA)
        scored = frame.mapInPandas(partial(score_partition, work.key, broadcast), schema=ddl)
        scored = scored.cache()
        counts = _write(scored, out_dir)
    finally:
        broadcast.unpersist()
    seconds["spark"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    lineage = state.lineage
    summary = BatchSummary(
        out_dir=str(out_dir),
        master=str(session.sparkContext.master),
        as_of=as_of.isoformat(),
        scope=scope,
        k=k,
        model_name=lineage.model_name,
        model_version=lineage.model_version,
        run_id=lineage.run_id,
        rule_set_version=lineage.rule_set_version,
        snapshot_id=lineage.snapshot_id,
        n_employees=len(view.state),
        n_vacancies=len(vacancies),
        n_blocks=n_blocks,
        n_partitions=n_parts,
        seconds=seconds,
        **counts,
    )
    (out_dir / SUMMARY_FILE).write_text(
        json.dumps({**asdict(summary), "pairs_per_second": summary.pairs_per_second}, indent=2)
        + "\n",
        encoding="utf-8",
    )
    return summary


def _write(scored: Any, out_dir: Path) -> dict[str, int]:
    """Write top_k/ and vacancies/ from the cached result; the counts of what was written."""
    from pyspark.sql import functions as F  # noqa: N812  (Spark's own idiom)

    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in (TOP_K_DIR, VACANCIES_DIR):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    moves = scored.filter(F.col("rank").isNotNull())
    moves.write.mode("overwrite").partitionBy("target_region_code").parquet(
        str(out_dir / TOP_K_DIR)
    )
    head = [
        "position_id", "target_region_code", "target_unit_id", "target_instansi_code",
        "block_id", "n_considered", "n_eligible", "ineligible_by_rule",
    ]  # fmt: skip
    per_vacancy = scored.groupBy(*head).agg(F.count("rank").alias("n_returned"))
    per_vacancy.write.mode("overwrite").partitionBy("target_region_code").parquet(
        str(out_dir / VACANCIES_DIR)
    )
    totals = per_vacancy.agg(
        F.sum("n_eligible").alias("pairs"),
        F.sum("n_returned").alias("rows"),
        F.sum(F.when(F.col("n_returned") == 0, 1).otherwise(0)).alias("empty"),
    ).first()
    scored.unpersist()
    return {
        "pairs_scored": int(totals["pairs"] or 0),
        "rows_written": int(totals["rows"] or 0),
        "n_without_candidates": int(totals["empty"] or 0),
    }
