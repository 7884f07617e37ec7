"""Benchmark: the fairness trade-off table on three generated provinces (issue 13).

For each province (preset, seed, employees), generated afresh into a temporary directory: one
row per mitigation (unmitigated, inverse-propensity weights, FA*IR re-ranking, both), the status
quo and the oracle, with the oracle-gain NDCG@10 of the shortlists as served, the test RMSE, the
lowest selection impact ratio by gender, age band and region of origin, and how many protected
groups would block a first promotion. Prints the tables, writes
benchmarks/results/fairness_tradeoff.json (with the machine's load) and logs one MLflow run per
province (experiment ``mutasi-fairness-tradeoff``: metrics ``<method>.<column>``, the table as
``tradeoff.md`` and ``tradeoff.json``) to the tracking store of the settings (``MUTASI_VAR_DIR``).

    .venv/bin/python benchmarks/fairness_tradeoff.py            # the three provinces of the docs
    .venv/bin/python benchmarks/fairness_tradeoff.py --provinces gorontalo:7:3000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import mlflow
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/features.py would shadow the features package

from features.synth import generate_province  # noqa: E402
from mutasi.settings import get_settings  # noqa: E402
from training import tracking  # noqa: E402
from training.fitting import TrainConfig  # noqa: E402
from training.tradeoff import tradeoff  # noqa: E402
from training.train import prepare  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "fairness_tradeoff.json"
EXPERIMENT = "mutasi-fairness-tradeoff"
PROVINCES = ("gorontalo:7:3000", "jambi:11:3000", "bengkulu:3:3000")
COLUMNS = {
    "oracle_gain": "oracle gain",
    "rmse": "RMSE",
    "min_ratio_gender": "min IR gender",
    "min_ratio_age_band": "min IR age band",
    "min_ratio_region_of_origin": "min IR region",
    "blocking": "blocking groups",
}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return "-" if value != value else f"{value:.3f}"  # NaN != NaN


def markdown(name: str, rows: list[dict[str, Any]]) -> str:
    """The province's table as Markdown (docs/fairness.md)."""
    head = "| method | " + " | ".join(COLUMNS.values()) + " | blocked groups |"
    lines = [f"**{name}**", "", head, "|---|" + "---:|" * len(COLUMNS) + "---|"]
    for row in rows:
        cells = [_cell(row[c]) for c in COLUMNS]
        lines.append(
            f"| {row['method']} | " + " | ".join(cells) + f" | {', '.join(row['blocked']) or '-'} |"
        )
    return "\n".join(lines)


def _log(name: str, rows: list[dict[str, Any]], table: str) -> str:
    settings = get_settings()
    tracking.configure(settings)
    experiment = tracking.ensure_experiment(EXPERIMENT, settings)
    with mlflow.start_run(experiment_id=experiment, run_name=f"tradeoff-{name}") as run:
        mlflow.set_tag("province", name)
        for row in rows:
            key = re.sub(r"[^0-9A-Za-z_.-]+", "_", row["method"])
            metrics = {f"{key}.{c}": float(row[c]) for c in COLUMNS if row[c] is not None}
            mlflow.log_metrics({k: v for k, v in metrics.items() if v == v})
        mlflow.log_text(table, "tradeoff.md")
        mlflow.log_dict({"province": name, "rows": rows}, "tradeoff.json")
        return str(run.info.run_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", nargs="+", default=list(PROVINCES),
                        help="preset:seed:employees")  # fmt: skip
    parser.add_argument("--no-mlflow", action="store_true", help="Do not log MLflow runs.")
    args = parser.parse_args()
    console = Console()
    results: dict[str, Any] = {"machine": platform.machine(), "python": platform.python_version()}
    results["load_before"] = subprocess.run(
        ["uptime"], capture_output=True, text=True
    ).stdout.strip()
    results["provinces"] = {}
    tables = []
    for spec in args.provinces:
        preset, seed, employees = spec.split(":")
        name = f"{preset}-{seed} ({employees} employees)"
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / preset
            generate_province(preset, int(seed), int(employees), out)
            prepared = prepare(out, get_settings())
            rows = tradeoff(
                prepared, TrainConfig.from_settings(get_settings()),
                progress=lambda step, n=name: console.print(f"[dim]{n}: {step}[/dim]"),
            )  # fmt: skip
        seconds = time.perf_counter() - started
        table = markdown(name, rows)
        tables.append(table)
        run_id = None if args.no_mlflow else _log(name, rows, table)
        results["provinces"][name] = {
            "rows": rows,
            "seconds": round(seconds, 1),
            "mlflow_run": run_id,
        }
        shown = Table(title=name)
        for column in ("method", *COLUMNS.values(), "blocked groups"):
            shown.add_column(
                column, justify="left" if column in ("method", "blocked groups") else "right"
            )
        for row in rows:
            shown.add_row(
                row["method"], *(_cell(row[c]) for c in COLUMNS), ", ".join(row["blocked"]) or "-"
            )
        console.print(shown)
    results["load_after"] = subprocess.run(
        ["uptime"], capture_output=True, text=True
    ).stdout.strip()
    results["loadavg"] = os.getloadavg()
    results["markdown"] = "\n\n".join(tables)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    console.print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
