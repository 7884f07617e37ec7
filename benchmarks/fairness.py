"""Fairness audit speed: the fairness report (vacancy bootstrap) and the proxy check.

Report: 200 vacancies x 2,000 candidates with 4 attributes and gender x age band, 500 bootstrap
resamples. Proxy check: 50,000 rows x 28 features, gender and age band. Prints a table and writes
benchmarks/results/fairness.json (or the path given as argv[1]).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

# Scripts here run with benchmarks/ first on sys.path, where benchmarks/features.py would
# shadow the features package: put the project root first.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from features.asof import age_band  # noqa: E402
from features.contract import EDUCATION_LEVELS  # noqa: E402
from training.fairness import fairness_report  # noqa: E402
from training.proxy import proxy_check  # noqa: E402

REGIONS = [f"75{i:02d}" for i in range(1, 13)]


def shortlists(n_vacancies: int, pool: int, seed: int = 0) -> pd.DataFrame:
    """Random pools scored with a small gender effect, ranked within each vacancy."""
    rng = np.random.default_rng(seed)
    n = n_vacancies * pool
    gender = np.where(rng.random(n) < 0.5, "L", "P")
    score = rng.normal(size=n) + 0.2 * (gender == "L")
    frame = pd.DataFrame(
        {
            "vacancy_id": np.repeat([f"V{v}" for v in range(n_vacancies)], pool),
            "nip": np.tile([f"{i:018d}" for i in range(pool)], n_vacancies),
            "score": score,
            "gender": pd.Series(gender).where(rng.random(n) > 0.01),
            "age_band": age_band(rng.uniform(22, 60, n)),
            "education_level": rng.choice(EDUCATION_LEVELS, n),
            "region_of_origin": rng.choice(REGIONS, n),
        }
    )
    frame["rank"] = frame.groupby("vacancy_id")["score"].rank(ascending=False, method="first")
    return frame


def proxy_inputs(n: int, n_features: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Noise features with a few NaN, one age proxy; protected gender and age band."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(22, 60, n)
    values = rng.normal(size=(n, n_features))
    values[rng.random((n, n_features)) < 0.05] = np.nan
    values[:, 0] = age + rng.normal(0, 5, n)
    features = pd.DataFrame(values, columns=[f"f{i:02d}" for i in range(n_features)])
    protected = pd.DataFrame({"gender": rng.choice(["L", "P"], n), "age_band": age_band(age)})
    return features, protected


def best_s(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(min(times), 3)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("benchmarks/results/fairness.json")
    frame = shortlists(200, 2_000)
    features, protected = proxy_inputs(50_000, 28)
    cases = {
        "fairness_report": {
            "rows": len(frame),
            "vacancies": 200,
            "n_bootstrap": 500,
            "seconds": best_s(lambda: fairness_report(frame, n_bootstrap=500)),
        },
        "proxy_check": {
            "rows": len(features),
            "features": features.shape[1],
            "attributes": 2,
            "seconds": best_s(lambda: proxy_check(features, protected)),
        },
    }
    print(f"{'case':<16} {'rows':>9} {'seconds':>8}")
    for name, case in cases.items():
        print(f"{name:<16} {case['rows']:>9,} {case['seconds']:>8.2f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"machine": platform.machine(), "python": platform.python_version(), "cases": cases}
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
