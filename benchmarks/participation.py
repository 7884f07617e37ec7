"""Benchmark: what ASN participation costs the service (issue 14), in process.

Sets up, in a temporary directory, a generated province (default 5,000 employees), a champion
trained on it and an SQLite audit log holding usulan statements for a share of the employees
(default 2,000), then measures in one run:

- ``ranking``: one position, a pool of 100, top 10 explained, on the served state without
  statements and on the state with them applied (features, citations); median and p99;
- ``participating state``: what every ranking/plan request adds to find the state with the
  statements (the statements token query on a cache hit);
- ``overlay rebuild``: applying every statement after a new one arrives (read them all, build
  the overlaid preferences, re-index), paid once by the next request;
- ``letters``: one-page PDF letters of a plan, printed as one batch (one layout pass, pages
  split) against printed one by one; per letter, and the ratio.

Prints a table and writes benchmarks/results/participation.json (with the machine's load).

    .venv/bin/python benchmarks/participation.py --employees 5000 --statements 2000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._server import province_with_champion, quantiles, use_work_dir
from mutasi.settings import get_settings
from serving.audit import AuditStore
from serving.audit.participation_records import NewStatement, UnitChoice
from serving.audit.records import AnswerRecord
from serving.domain.participation.letter_render import render_html, render_pdf
from serving.domain.participation.letters import LetterConfig, plan_letters
from serving.domain.participation.usulan import apply_statements, participating_state
from serving.domain.plan.answer import make_plan
from serving.domain.ranking import position_target, rank_position
from serving.schemas.plans import PlanRequest
from serving.schemas.rankings import RankingOptions
from serving.state import ServingState, StateHolder

RESULTS = Path(__file__).parent / "results" / "participation.json"


def add_statements(audit: AuditStore, state: ServingState, today: date, n: int, seed: int) -> None:
    """``n`` employees each ask for one to three random units (a tenth opt out instead)."""
    rng = np.random.default_rng(seed)
    view = state.view(today)
    units = state.units.index.to_numpy()
    for nip in rng.choice(view.nips, n, replace=False):
        opt_out = rng.random() < 0.1
        chosen = rng.choice(units, int(rng.integers(1, 4)), replace=False)
        choices = () if opt_out else tuple(UnitChoice(str(u), i + 1) for i, u in enumerate(chosen))
        statement = NewStatement(
            str(nip), "usulan", choices, "health" if opt_out else None, None, None, "bench",
            today, "bench", "hr_system",
        )  # fmt: skip
        audit.record_statement(statement, lambda latest: None)


def timed(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=5_000)
    parser.add_argument("--statements", type=int, default=2_000)
    parser.add_argument("--rankings", type=int, default=40)
    parser.add_argument("--vacancies", type=int, default=12, help="Plan size for the letters.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="Keep the work directory here (for reruns).")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mutasi-bench-participation-"))
    try:
        use_work_dir(work, {}, MUTASI_AUDIT_DB_URL=f"sqlite:///{work / 'bench-audit.db'}")
        province_with_champion(work, args.employees, args.seed)
        settings = get_settings()
        holder = StateHolder(settings)
        base = holder.reload(model=True, snapshot=True).state
        export = base.dataset.export_date
        today = export.date() if export is not None else date.today()
        audit = AuditStore(settings.audit_url)
        audit.create_schema()
        if not audit.statements_token()[0]:
            add_statements(audit, base, today, args.statements, args.seed)
        results = measure(args, holder, base, audit, today, settings)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
        report(results)
        Console().print(f"Wrote {RESULTS}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def measure(
    args: argparse.Namespace,
    holder: StateHolder,
    base: ServingState,
    audit: AuditStore,
    today: date,
    settings: Any,
) -> dict[str, Any]:
    view = base.view(today)
    rng = np.random.default_rng(args.seed)
    position_id = sorted(base.targets)[len(base.targets) // 3]
    pool = [str(n) for n in rng.choice(view.nips, 100, replace=False)]
    options = RankingOptions(k=10, candidate_nips=pool, explain_top=10)
    target = position_target(base, position_id)

    def rank_on(state: ServingState) -> None:
        outcome = rank_position(
            state, target, options, request_id="bench", today=today, settings=settings
        )
        outcome.response.model_dump_json()

    rebuild = timed(lambda: apply_statements(base, audit.statements()), 5)
    overlaid = participating_state(holder, audit)
    assert len(overlaid.statements), "the statements apply"
    overlaid.view(today)  # its view is derived once per date
    for state in (base, overlaid):
        rank_on(state)  # warm
    plain = timed(lambda: rank_on(base), args.rankings)
    with_statements = timed(lambda: rank_on(overlaid), args.rankings)
    lookup = timed(lambda: participating_state(holder, audit), args.rankings * 5)

    open_posts = base.position_code.to_numpy()[base.active_positions & (view.position_shortage > 0)]
    request = PlanRequest.model_validate(
        {"vacancies": [{"position_id": str(p)} for p in open_posts[: args.vacancies]],
         "policy": {"min_unit_share": 0.0}}
    )  # fmt: skip
    plan = make_plan(overlaid, request, request_id="bench", today=today, settings=settings)
    response = plan.response
    plan_id = f"{time.time_ns():032x}"[-32:]
    audit.record(
        AnswerRecord(
            plan_id, "bench", "hr_system", "plan", response.as_of, "{}",
            response.model_dump_json(), plan.lineage, items=plan.items,
        )
    )  # fmt: skip
    answer = audit.answer(plan_id)
    assert answer is not None
    letters = plan_letters(answer, overlaid, None, LetterConfig.of(settings))
    nips = [f.nip for f in letters]
    batch = timed(lambda: render_pdf(render_html(letters, "id", base.catalogue), nips), 3)
    single = timed(
        lambda: [render_pdf(render_html([f], "id", base.catalogue), [f.nip]) for f in letters], 1
    )
    n = max(len(letters), 1)
    return {
        "employees": args.employees,
        "statements": len(overlaid.statements),
        "load_average": list(os.getloadavg()),
        "ranking_pool_100_without_statements": quantiles(plain),
        "ranking_pool_100_with_statements": quantiles(with_statements),
        "participating_state_cache_hit": quantiles(lookup),
        "overlay_rebuild": quantiles(rebuild),
        "letters": n,
        "letter_pdf_batch_per_letter_ms": float(np.median(batch)) * 1000 / n,
        "letter_pdf_one_by_one_per_letter_ms": float(np.median(single)) * 1000 / n,
        "letter_batch_speedup": float(np.median(single)) / float(np.median(batch)),
    }


def report(results: dict[str, Any]) -> None:
    """The costs side by side."""
    table = Table(
        title=f"Participation ({results['employees']:,} employees, "
        f"{results['statements']:,} statements)"
    )
    table.add_column("what")
    table.add_column("p50 ms", justify="right")
    table.add_column("p99 ms", justify="right")
    for key in (
        "ranking_pool_100_without_statements",
        "ranking_pool_100_with_statements",
        "participating_state_cache_hit",
        "overlay_rebuild",
    ):
        q = results[key]
        table.add_row(key.replace("_", " "), f"{q['median_ms']:.2f}", f"{q['p99_ms']:.2f}")
    table.add_row(
        f"PDF letter, batch of {results['letters']} (per letter)",
        f"{results['letter_pdf_batch_per_letter_ms']:.0f}",
        "",
    )
    table.add_row(
        "PDF letter, one by one (per letter)",
        f"{results['letter_pdf_one_by_one_per_letter_ms']:.0f}",
        f"{results['letter_batch_speedup']:.1f}x slower",
    )
    Console(width=120).print(table)
    Console().print(f"load average: {results['load_average']}")


if __name__ == "__main__":
    main()
