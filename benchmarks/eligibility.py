"""Eligibility speed: evaluate the rule set over N synthetic candidates for one target post.

Prints a table and writes benchmarks/results/eligibility.json (or the path given as argv[1]).
"""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from features.contract import (
    DISCIPLINE_LEVELS,
    EDUCATION_LEVELS,
    EDUCATION_RANK,
    JABATAN_TYPES,
    PNS_GOLONGAN,
    STATUSES,
)
from features.eligibility import PositionTarget, evaluate_eligibility, load_rule_set

AS_OF = pd.Timestamp("2025-06-30")
REGIONS = ["7501", "7502", "7503", "7504", "7505", "7571"]


def candidates(n: int, seed: int = 0) -> pd.DataFrame:
    """A state frame with the columns and dtypes features.asof produces, values drawn at random."""
    rng = np.random.default_rng(seed)
    pns = rng.random(n) < 0.85
    golongan = rng.choice(PNS_GOLONGAN, n)
    education = rng.choice(EDUCATION_LEVELS, n)
    discipline = rng.choice(DISCIPLINE_LEVELS, n, p=[0.9, 0.05, 0.03, 0.02])
    until = AS_OF + pd.to_timedelta(rng.integers(-400, 400, n), unit="D")
    cat = pd.Categorical
    return pd.DataFrame(
        {
            "nip": pd.Series([f"{i:018d}" for i in range(n)], dtype="str"),
            "as_of": np.full(n, AS_OF.to_datetime64()),
            "employment_type": cat(np.where(pns, "PNS", "PPPK"), categories=["PNS", "PPPK"]),
            "age_years": rng.uniform(22, 62, n),
            "status": cat(rng.choice(STATUSES, n, p=[0.94, 0.03, 0.02, 0.01]), categories=STATUSES),
            "discipline_level": cat(discipline, categories=DISCIPLINE_LEVELS, ordered=True),
            "discipline_until": until.where(rng.random(n) < 0.8),
            "golongan": cat(golongan, categories=PNS_GOLONGAN, ordered=True),
            "golongan_rank": np.where(pns, [PNS_GOLONGAN.index(g) for g in golongan], np.nan),
            "education_level": cat(education, categories=EDUCATION_LEVELS, ordered=True),
            "education_rank": np.array([EDUCATION_RANK[e] for e in education], dtype=float),
            "position_id": pd.Series(rng.integers(0, 800, n).astype(str), dtype="str"),
            "region_code": pd.Series(rng.choice(REGIONS, n), dtype="str"),
            "jabatan_type": cat(rng.choice(JABATAN_TYPES, n), categories=JABATAN_TYPES),
            "years_in_position": rng.exponential(3.0, n),
        }
    )


def best_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("benchmarks/results/eligibility.json")
    rules = load_rule_set()
    target = PositionTarget("U1", "7501", "kesehatan", "administrator", "7", "III/a", "S1")
    freezes = pd.DataFrame(
        {
            "region_code": pd.Series(["7502"], dtype="str"),
            "start_date": [AS_OF - pd.Timedelta(days=30)],
            "end_date": [AS_OF + pd.Timedelta(days=90)],
            "reason": ["pilkada"],
        }
    )
    rows = []
    for n in (1_000, 10_000, 100_000):
        evaluate = partial(evaluate_eligibility, candidates(n), target, AS_OF, rules, freezes)
        result = evaluate()
        rows.append(
            {
                "n_candidates": n,
                "evaluate_ms": best_ms(evaluate),
                "failures_ms": best_ms(lambda evaluate=evaluate: evaluate().failures, 3),
                "to_frame_ms": best_ms(result.to_frame, 3),
                "eligible_share": float(result.eligible.mean()),
                "n_failures": len(result.failures),
            }
        )
    print(
        f"{'candidates':>10} {'evaluate ms':>12} {'+messages ms':>13} {'to_frame ms':>12} "
        f"{'eligible':>9} {'failures':>9}"
    )
    for r in rows:
        print(
            f"{r['n_candidates']:>10} {r['evaluate_ms']:>12.2f} {r['failures_ms']:>13.1f} "
            f"{r['to_frame_ms']:>12.2f} {r['eligible_share']:>9.1%} {r['n_failures']:>9}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rule_set_version": rules.version, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
