"""Benchmark: the multi-year policy simulation (historical practice, greedy, Mutasi's plan,
the oracle's plan) on one generated province, over several seeds.

For each seed, ``planning.simulate.simulate`` generates the province and runs every policy
forward ``--years`` years with the generator's closed loop, retraining the model each year on
each model-driven world's export (temporary MLflow store). The table shows, per policy and
year, the mean over seeds with the standard deviation: moves, the moved staff's first-year
SKP (realised and noise-free) and uplift, all staff's SKP, the unit shortage, the share in a
fitting field, and the smallest impact ratio of being moved by gender, age band and region of
origin. Then the headline (plan vs historical in the last year) and the cost: wall time per
step, peak memory. Writes benchmarks/results/simulate.json (with the machine's load).

    .venv/bin/python benchmarks/simulate.py                  # 3,000 employees, 3 years, 3 seeds
    .venv/bin/python benchmarks/simulate.py --quick          # 600 employees, 1 year, 1 seed
    .venv/bin/python benchmarks/simulate.py --employees 5000 --years 5 --seeds 7 11 13 17
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planning.simulate import SimulationConfig, simulate
from training.fitting import TrainConfig
from training.model import LgbParams

RESULTS = Path(__file__).parent / "results" / "simulate.json"
COLUMNS = {  # metric -> (header, format)
    "moved": ("moved", "{:.0f}"),
    "moved_skp": ("moved SKP", "{:.3f}"),
    "moved_expected": ("moved E[SKP]", "{:.3f}"),
    "moved_uplift": ("uplift", "{:+.3f}"),
    "all_skp": ("all SKP", "{:.3f}"),
    "all_expected": ("all E[SKP]", "{:.4f}"),
    "shortage": ("shortage", "{:.0f}"),
    "fit_share": ("fit field", "{:.3f}"),
    "impact_gender": ("IR gender", "{:.2f}"),
    "impact_age_band": ("IR age", "{:.2f}"),
    "impact_region_of_origin": ("IR region", "{:.2f}"),
}
QUICK_TRAIN = TrainConfig(
    params=LgbParams(num_boost_round=300, early_stopping_rounds=30), max_vacancies=40
)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_seeds(base: SimulationConfig, seeds: list[int], keep: Path | None) -> dict[str, Any]:
    """Every seed in turn; per-seed rows, seconds per step and wall time."""
    rows: list[dict[str, Any]] = []
    seconds: dict[str, float] = {}
    per_seed: dict[int, float] = {}
    for seed in seeds:
        work = (keep / f"seed{seed}") if keep else Path(tempfile.mkdtemp(prefix="bench-sim-"))
        started = time.perf_counter()
        try:
            run = simulate(
                replace(base, seed=seed),
                work,
                progress=lambda m, s=seed: print(f"  seed {s}: {m}", flush=True),
            )
        finally:
            if keep is None:
                shutil.rmtree(work, ignore_errors=True)
        per_seed[seed] = round(time.perf_counter() - started, 1)
        rows += [{"seed": seed, **row} for row in run.rows]
        for step, s in run.seconds.items():
            seconds[step] = round(seconds.get(step, 0.0) + s, 1)
    return {"rows": rows, "seconds": seconds, "seconds_per_seed": per_seed}


def aggregate(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds of every metric, per policy and year."""
    metrics = [c for c in COLUMNS if c in rows.columns]
    grouped = rows.groupby(["policy", "year"], sort=False)[metrics]
    mean, sd = grouped.mean(), grouped.std(ddof=1)
    return mean.join(sd.add_suffix("_sd")).reset_index()


def headline(rows: pd.DataFrame) -> dict[str, Any]:
    """Plan vs historical in the last year: differences per seed, their mean and spread."""
    last = rows["year"].max()
    final = rows[rows["year"] == last].set_index(["seed", "policy"])
    out: dict[str, Any] = {"year": int(last), "years": int(last - rows["year"].min())}
    for policy in ("plan", "oracle", "greedy"):
        if policy not in final.index.get_level_values("policy"):
            continue
        diff = {}
        for metric in ("all_skp", "all_expected", "shortage", "fit_share"):
            d = (
                final.xs(policy, level="policy")[metric]
                - final.xs("historical", level="policy")[metric]
            )
            diff[metric] = {
                "mean": float(d.mean()),
                "sd": float(d.std(ddof=1)) if len(d) > 1 else 0.0,
            }
        hist = final.xs("historical", level="policy")["shortage"].mean()
        diff["shortage_pct"] = 100 * diff["shortage"]["mean"] / hist if hist else float("nan")
        out[policy] = diff
    return out


def headline_text(head: dict[str, Any]) -> str:
    """The sentence for the README."""
    plan = head.get("plan")
    if plan is None:
        return "no plan policy in this run"
    skp, exp, short = plan["all_skp"], plan["all_expected"], plan["shortage"]
    return (
        f"Following the plan for {head['years']} years changes the mean SKP of all staff by "
        f"{skp['mean']:+.3f} (sd {skp['sd']:.3f}; noise-free {exp['mean']:+.4f}) and the unit "
        f"shortage by {short['mean']:+.1f} staff ({plan['shortage_pct']:+.1f}%, sd "
        f"{short['sd']:.1f}) against today's practice, in {head['year']}."
    )


def render(table: pd.DataFrame, n_seeds: int) -> Table:
    """The policy x year table (mean, with sd over seeds when there are several)."""
    out = Table(
        title=f"Policy simulation (mean{' ± sd' if n_seeds > 1 else ''} over {n_seeds} seed(s))"
    )
    out.add_column("policy")
    out.add_column("year", justify="right")
    for header, _ in COLUMNS.values():
        out.add_column(header, justify="right")
    for row in table.to_dict("records"):
        cells = []
        for metric, (_, fmt) in COLUMNS.items():
            value = row.get(metric)
            if value is None or pd.isna(value):
                cells.append("")
                continue
            sd = row.get(f"{metric}_sd")
            spread = f" ± {fmt.format(sd).lstrip('+')}" if n_seeds > 1 and not pd.isna(sd) else ""
            cells.append(fmt.format(value) + spread)
        out.add_row(str(row["policy"]), str(row["year"]), *cells)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="gorontalo")
    parser.add_argument("--employees", type=int, default=3000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 13])
    parser.add_argument("--quick", action="store_true", help="600 employees, 1 year, 1 seed")
    parser.add_argument("--keep", type=Path, help="Keep every world under this directory.")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Where to write the JSON.")
    args = parser.parse_args(argv)
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # one line per registered version
    if args.quick:
        args.employees, args.years, args.seeds = 600, 1, args.seeds[:1]
    base = SimulationConfig(preset=args.preset, employees=args.employees, years=args.years)
    if args.quick:
        base = replace(base, train=QUICK_TRAIN)
    started = time.perf_counter()
    result = run_seeds(base, args.seeds, args.keep)
    wall = time.perf_counter() - started
    rows = pd.DataFrame(result["rows"])
    table = aggregate(rows)
    head = headline(rows)
    console = Console(width=200)
    console.print(render(table, len(args.seeds)))
    cost = Table(title="Cost", show_header=False)
    for step, s in result["seconds"].items():
        cost.add_row(step, f"{s:.1f} s")
    cost.add_row("wall (all seeds)", f"{wall:.1f} s")
    cost.add_row("peak RSS", f"{_peak_rss_mb():.0f} MB")
    console.print(cost)
    console.print(headline_text(head))
    payload = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_average": list(os.getloadavg()),
        "preset": args.preset,
        "employees": args.employees,
        "years": args.years,
        "seeds": args.seeds,
        "quick": args.quick,
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(_peak_rss_mb()),
        **result,
        "table": table.to_dict("records"),
        "headline": head,
        "headline_text": headline_text(head),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, default=float) + "\n", encoding="utf-8")
    console.print(f"written {args.out}")
    return payload


if __name__ == "__main__":
    main()
