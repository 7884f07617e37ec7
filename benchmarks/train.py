"""Benchmark: building the training matrix and training the fit model on 200,000 moves.

Generates a large synthetic province (or reuses ``--data-dir``), builds the training set from its
moves with the real feature builder, and, if the province has fewer usable moves than ``--rows``,
tops the matrix up with extra (employee, position, date) triples built by the same builder and
labelled from the generator's oracle plus rating noise (so that LightGBM trains on a realistic
target). Times building and training separately on 2 threads; the target is training < 120 s.
Prints a table and writes benchmarks/results/train.json.

    .venv/bin/python benchmarks/train.py --employees 30000 --rows 200000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

# Scripts here run with benchmarks/ first on sys.path, where benchmarks/features.py would
# shadow the features package: put the project root first.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from features.synth import generate_province  # noqa: E402
from mutasi.settings import get_settings  # noqa: E402
from training.evaluate import load_oracle  # noqa: E402
from training.fitting import TrainConfig, fit_all  # noqa: E402
from training.model import NUM_THREADS, FitModel  # noqa: E402
from training.pipeline_inputs import PipelineInputs, load_inputs  # noqa: E402
from training.training_set import TimeSplit, TrainingSet, build_features, build_training_set  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "train.json"
TARGET_SECONDS = 120.0
RATING_NOISE = 0.7  # sd of the noise around the oracle's expected rating for top-up rows


def top_up(training_set: TrainingSet, inputs: PipelineInputs, rows: int, seed: int) -> TrainingSet:
    """Extra triples (a mover against another active post on the move's date) up to ``rows``."""
    missing = rows - len(training_set.moves)
    if missing <= 0:
        return training_set
    oracle = load_oracle(inputs.data_dir)
    if oracle is None:
        raise SystemExit(
            f"{inputs.data_dir} has no oracle to label top-up rows; use more employees"
        )
    rng = np.random.default_rng(seed)
    base = training_set.moves.iloc[rng.integers(0, len(training_set.moves), missing)]
    positions = inputs.dataset.positions
    active = positions.loc[positions["is_active"], "position_id"].to_numpy(dtype=object)
    extra = pd.DataFrame(
        {
            "nip": base["nip"].to_numpy(dtype=object),
            "position_id": active[rng.integers(0, active.size, missing)],
            "as_of": base["as_of"].to_numpy(),
        }
    )
    truth = np.empty(missing)
    for as_of, rows_of_date in extra.groupby("as_of").indices.items():
        group = extra.iloc[rows_of_date]
        truth[rows_of_date] = oracle.truth(
            group["nip"].to_numpy(), group["position_id"].to_numpy(), pd.Timestamp(str(as_of))
        )
    rating = np.clip(np.rint(truth + rng.normal(0, RATING_NOISE, truth.size)), 1, 5)
    features = build_features(inputs.builder, extra)
    moves = pd.concat(
        [training_set.moves, extra.assign(rating=rating, outcome_year=0)], ignore_index=True
    )
    return TrainingSet(
        moves, pd.concat([training_set.features, features], ignore_index=True), training_set.counts
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=30_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=None, help="Reuse a generated province.")
    args = parser.parse_args()
    timings: dict[str, float] = {}

    data_dir = args.data_dir or Path("var/bench") / f"train_{args.employees}"
    if not (data_dir / "employees.csv").exists() and not (data_dir / "employees.parquet").exists():
        t = time.perf_counter()
        generate_province("gorontalo", args.seed, args.employees, data_dir)
        timings["generate_s"] = time.perf_counter() - t

    t = time.perf_counter()
    inputs = load_inputs(data_dir, get_settings())
    timings["load_validate_fit_builder_s"] = time.perf_counter() - t
    t = time.perf_counter()
    training_set = build_training_set(inputs.dataset, inputs.builder)
    timings["build_real_moves_s"] = time.perf_counter() - t
    n_real = len(training_set.moves)
    t = time.perf_counter()
    training_set = top_up(training_set, inputs, args.rows, args.seed)
    timings["build_top_up_s"] = time.perf_counter() - t
    training_set = TrainingSet(
        training_set.moves.iloc[: args.rows], training_set.features.iloc[: args.rows],
        training_set.counts,
    )  # fmt: skip

    parts = training_set.split(TimeSplit.from_fractions(training_set.moves["as_of"]))
    config = TrainConfig(seed=args.seed)
    catalogue = inputs.catalogue
    t = time.perf_counter()
    model = FitModel(catalogue.names, catalogue.monotone_constraints(), config.params, args.seed)
    model.fit(parts["train"].features, parts["train"].y, parts["valid"].features, parts["valid"].y)
    timings["train_model_s"] = time.perf_counter() - t
    t = time.perf_counter()
    fit_all(parts, catalogue, config)
    timings["train_model_and_baselines_s"] = time.perf_counter() - t

    result = {
        "rows": len(training_set.moves),
        "rows_real_moves": n_real,
        "rows_top_up": len(training_set.moves) - n_real,
        "employees": len(inputs.dataset.employees),
        "split_rows": {k: len(v) for k, v in parts.items()},
        "iterations": {
            "regressor": model.regressor_.current_iteration(),
            "classifier": model.classifier_.current_iteration(),
        },
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "build_rows_per_s": round(
            len(training_set.moves) / (timings["build_real_moves_s"] + timings["build_top_up_s"])
        ),
        "target_train_s": TARGET_SECONDS,
        "meets_target": timings["train_model_s"] < TARGET_SECONDS,
        "num_threads": NUM_THREADS,
        "machine": {"python": platform.python_version(), "cpu": platform.processor()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    table = Table(title=f"Training benchmark ({result['rows']:,} rows, {NUM_THREADS} threads)")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for step, seconds in timings.items():
        table.add_row(step, f"{seconds:.2f}")
    table.caption = (
        f"{n_real:,} real moves + {result['rows_top_up']:,} top-up rows; training "
        f"{'meets' if result['meets_target'] else 'MISSES'} the {TARGET_SECONDS:.0f} s target"
    )
    Console().print(table)


if __name__ == "__main__":
    main()
