"""Synthetic candidate pools whose truth is known, for the fairness review and gate tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.asof import age_band
from training.oracle_eval import CandidatePool, Vacancy

N_VACANCIES, POOL = 80, 60


def pool_keys(
    v: int, gender: np.ndarray, rng: np.random.Generator, **extra: np.ndarray
) -> tuple[Vacancy, np.ndarray, pd.DataFrame]:
    """Vacancy ``v`` (one a day from 2024), its candidates' NIPs and their attributes: the given
    genders, random age bands and two regions of origin, and any ``extra`` columns."""
    n = len(gender)
    nips = np.array([f"{v:03d}{i:015d}" for i in range(n)], dtype=object)
    vacancy = Vacancy(f"J{v:04d}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=v))
    attributes = pd.DataFrame(
        {
            "gender": pd.Categorical(gender, categories=["L", "P"]),
            "age_band": age_band(rng.uniform(25, 58, n)),
            "region_of_origin": rng.choice(["7501", "7502"], n),
            **extra,
        }
    )
    return vacancy, nips, attributes


def synthetic_pools(
    penalty: float, seed: int, history_penalty: float = 0.0
) -> tuple[list[CandidatePool], pd.DataFrame]:
    """Pools half women; merit (what the posts need) lower by ``penalty`` for women; a proxy
    feature that tracks gender; truth = merit only. Returns the pools and the history's moves:
    the best truth plus noise, minus ``history_penalty`` for women (a practice that
    discriminated)."""
    rng = np.random.default_rng(seed)
    pools, moves = [], []
    for v in range(N_VACANCIES):
        gender = np.array(["L", "P"] * (POOL // 2), dtype=object)
        merit = rng.normal(size=POOL) - penalty * (gender == "P")
        proxy = (gender == "P") + rng.normal(0, 0.3, POOL)
        truth = 3.0 + 0.5 * merit
        vacancy, nips, attributes = pool_keys(v, gender, rng)
        features = pd.DataFrame({"merit": merit, "proxy": proxy})
        pools.append(CandidatePool(vacancy, nips, features, truth, attributes))
        history = truth + rng.normal(0, 0.25, POOL) - history_penalty * (gender == "P")
        chosen = int(np.argmax(history))
        moves.append((nips[chosen], vacancy.position_id, vacancy.as_of))
    transfers = pd.DataFrame(moves, columns=["nip", "to_position_id", "effective_date"])
    return pools, transfers
