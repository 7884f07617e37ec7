"""Ranking evaluation against the generator's oracle on held-out vacancies.

A held-out vacancy is a (position, date) that received a move in the test period. For each, every
employee eligible on that date (state as of the date, eligibility rules, people already in the post
excluded) is a candidate; rankers order the candidates and are scored against the oracle's
noise-free expected rating: NDCG@k with linear gains = expected rating, and precision@k = overlap
of the ranker's top-k with the oracle's top-k. Random order (mean of several shuffles) and the
oracle itself (NDCG 1 by construction) bracket the scale; the oracle-gain fraction places a ranker
on it.

Pools also carry each candidate's audit attributes at the vacancy date (gender, age band,
education level, region of origin; never model features), and the report keeps every ranker's
scores, so that the fairness audit (:mod:`training.fairness_audit`) reuses both instead of
rebuilding them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from features.contract import Dataset
from training.metrics import ndcg_at_k, oracle_gain_fraction, precision_at_k

K = 10
MAX_VACANCIES = 200
N_RANDOM = 5
RANDOM, ORACLE = "random", "oracle"
# Fairness-audit attribute -> employee state column it is read from (at the vacancy date).
AUDIT_ATTRIBUTES: dict[str, str] = {
    "gender": "gender",
    "age_band": "age_band",
    "education_level": "education_level",
    "region_of_origin": "home_region_code",
    "education_field": "education_field",
    "golongan": "golongan",
}

Ranker = Callable[[pd.DataFrame], np.ndarray]
Progress = Callable[[int, int], None]


class TruthOracle(Protocol):
    """The generator's oracle (``features.synth.Oracle``)."""

    def truth(self, nips: np.ndarray, position_ids: np.ndarray, as_of: pd.Timestamp) -> np.ndarray:
        """Noise-free expected rating (1..5) of each (nip, position) pair as of a date."""
        ...


class Snapshot(Protocol):
    """Everyone in service at one date (``features.fit.EmployeeSnapshot``)."""

    @property
    def state(self) -> pd.DataFrame:
        """Employee state frame for the eligibility rules."""
        ...

    def pair_features(self, position: str, nips: Sequence[str] | None = None) -> pd.DataFrame:
        """Features of one position against candidates."""
        ...


class PairFeatureBuilder(Protocol):
    """The part of the feature builder the ranking needs."""

    def snapshot(self, as_of: Any) -> Snapshot:
        """Precomputed employee sides at one date."""
        ...


@dataclass(frozen=True)
class Vacancy:
    """A post filled on a date in the test period."""

    position_id: str
    as_of: pd.Timestamp


@dataclass
class CandidatePool:
    """The eligible candidates of one vacancy, their features and their true expected rating.

    ``truth`` is NaN where no oracle knows it (real data: pools for the fairness audit only);
    ``attributes`` holds the :data:`AUDIT_ATTRIBUTES` of the candidates, row-aligned with
    ``nips``.
    """

    vacancy: Vacancy
    nips: np.ndarray
    features: pd.DataFrame
    truth: np.ndarray
    attributes: pd.DataFrame | None = None


def held_out_vacancies(
    test_moves: pd.DataFrame, cap: int = MAX_VACANCIES, seed: int = 0
) -> list[Vacancy]:
    """Distinct (to-position, date) pairs of the test moves; a seeded sample of ``cap`` if more."""
    pairs = (
        test_moves[["position_id", "as_of"]]
        .drop_duplicates()
        .sort_values(["as_of", "position_id"])
        .reset_index(drop=True)
    )
    if len(pairs) > cap:
        chosen = np.random.default_rng(seed).choice(len(pairs), size=cap, replace=False)
        pairs = pairs.iloc[np.sort(chosen)]
    return [Vacancy(str(p), pd.Timestamp(d)) for p, d in pairs.itertuples(index=False)]


def position_target(positions: pd.DataFrame, units: pd.DataFrame, position_id: str) -> Any:
    """The eligibility target of a historical vacancy."""
    from features.eligibility import PositionTarget

    row = positions.loc[positions["position_id"] == position_id]
    if row.empty:
        raise KeyError(f"positions: held-out vacancy {position_id!r} is not a position")
    # The post took a move on that date, so it was a live target then even if a later
    # restructuring retired it (is_active describes the export, not history).
    position = row.iloc[0].copy()
    position["is_active"] = True
    return PositionTarget.from_position(position, units)


def eligible_rows(
    snapshot: Snapshot, dataset: Dataset, vacancy: Vacancy, rule_set: Any
) -> np.ndarray:
    """Mask over ``snapshot.state`` of the employees in service on the vacancy's date who may
    move into its post then."""
    from features.eligibility import evaluate_eligibility

    state = snapshot.state
    if state.empty:
        return np.zeros(0, dtype=bool)
    target = position_target(dataset.positions, dataset.units, vacancy.position_id)
    result = evaluate_eligibility(state, target, vacancy.as_of, rule_set, dataset.freeze_periods)
    movable: np.ndarray = np.asarray(result.eligible, dtype=bool) & (
        state["position_id"].to_numpy(dtype=object) != vacancy.position_id
    )
    return movable


def audit_attributes(state: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The :data:`AUDIT_ATTRIBUTES` of the kept state rows (index 0..n-1); golongan by its
    group (``III/c`` -> ``III``; PPPK grades -> ``PPPK``), so that groups are large enough to
    compare."""
    rows = state.loc[keep, list(AUDIT_ATTRIBUTES.values())]
    frame = rows.set_axis(list(AUDIT_ATTRIBUTES), axis=1).reset_index(drop=True)
    return frame.assign(golongan=golongan_group(frame["golongan"]))


def golongan_group(golongan: pd.Series) -> pd.Series:
    """PNS golongan I..IV from ``I/a``..``IV/e``; every PPPK grade is ``PPPK``."""
    text = golongan.astype("object")
    pns = text.str.contains("/", regex=False, na=False)
    group = text.where(~pns, text.str.split("/").str[0]).where(pns | text.isna(), "PPPK")
    categories = ["I", "II", "III", "IV", "PPPK"]
    return pd.Series(pd.Categorical(group, categories=categories), index=golongan.index)


def _by_date(vacancies: Sequence[Vacancy]) -> dict[pd.Timestamp, list[Vacancy]]:
    groups: dict[pd.Timestamp, list[Vacancy]] = {}
    for vacancy in vacancies:
        groups.setdefault(vacancy.as_of, []).append(vacancy)
    return groups


def _features(snapshot: Snapshot, position_id: str, nips: np.ndarray) -> pd.DataFrame:
    return snapshot.pair_features(position_id, list(nips)).reset_index(drop=True)


def candidate_pools(
    dataset: Dataset,
    vacancies: Sequence[Vacancy],
    builder: PairFeatureBuilder,
    oracle: TruthOracle | None,
    rule_set: Any,
    min_candidates: int = K + 1,
    progress: Progress | None = None,
) -> tuple[list[CandidatePool], int]:
    """Pools of the vacancies with more than k candidates (fewer make top-k trivial).

    Candidates and features come from the builder's snapshot of the vacancy's date: the path
    serving ranks with. Without an ``oracle`` the truth is NaN (pools for the fairness audit).
    Returns the pools and how many vacancies had too few candidates.
    """
    pools: list[CandidatePool] = []
    skipped = done = 0
    for as_of, group in _by_date(vacancies).items():
        snapshot = builder.snapshot(as_of)
        for vacancy in group:
            keep = eligible_rows(snapshot, dataset, vacancy, rule_set)
            nips = snapshot.state["nip"].to_numpy(dtype=object)[keep]
            if nips.size < min_candidates:
                skipped += 1
            else:
                pools.append(_pool(snapshot, vacancy, nips, oracle, keep))
            done += 1
            if progress is not None:
                progress(done, len(vacancies))
    return pools, skipped


def _pool(
    snapshot: Snapshot,
    vacancy: Vacancy,
    nips: np.ndarray,
    oracle: TruthOracle | None,
    keep: np.ndarray,
) -> CandidatePool:
    if oracle is None:
        truth = np.full(nips.size, np.nan)
    else:
        positions = np.full(nips.size, vacancy.position_id, dtype=object)
        truth = np.asarray(oracle.truth(nips, positions, vacancy.as_of), dtype=np.float64)
    features = _features(snapshot, vacancy.position_id, nips)
    return CandidatePool(vacancy, nips, features, truth, audit_attributes(snapshot.state, keep))


def with_features(
    pools: Sequence[CandidatePool], builder: PairFeatureBuilder
) -> list[CandidatePool]:
    """The same pools with features rebuilt by another builder (e.g. an older model's)."""
    snapshots: dict[pd.Timestamp, Snapshot] = {}
    out = []
    for pool in pools:
        as_of = pool.vacancy.as_of
        snapshot = snapshots.setdefault(as_of, builder.snapshot(as_of))
        features = _features(snapshot, pool.vacancy.position_id, pool.nips)
        out.append(CandidatePool(pool.vacancy, pool.nips, features, pool.truth, pool.attributes))
    return out


@dataclass
class RankingReport:
    """Per-vacancy NDCG@k and precision@k of each ranker, and their summaries.

    ``scores[ranker]`` holds the ranker's scores of each pool, in pool order (for the audit).
    """

    per_vacancy: pd.DataFrame
    rankers: list[str]  # names scored, random and oracle included
    k: int
    n_skipped: int
    scores: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def mean(self, ranker: str, metric: str) -> float:
        """Mean over vacancies of ``ndcg`` or ``precision`` for one ranker."""
        return float(self.per_vacancy[f"{ranker}_{metric}_at_{self.k}"].mean())

    def summary(self, ranker: str) -> dict[str, float]:
        """NDCG@k, precision@k and the oracle-gain fraction of NDCG@k for one ranker."""
        ndcg = self.mean(ranker, "ndcg")
        random = self.mean(RANDOM, "ndcg")
        oracle = self.mean(ORACLE, "ndcg")
        return {
            f"ndcg_at_{self.k}": ndcg,
            f"precision_at_{self.k}": self.mean(ranker, "precision"),
            f"ndcg_at_{self.k}_oracle_gain": oracle_gain_fraction(ndcg, random, oracle),
            "n_vacancies": float(len(self.per_vacancy)),
        }


def score_pools(pools: Sequence[CandidatePool], rank: Ranker) -> list[np.ndarray]:
    """One ranker's scores of every pool's candidates."""
    return [np.asarray(rank(pool.features), dtype=float) for pool in pools]


def evaluate_rankings(
    pools: Sequence[CandidatePool],
    rankers: Mapping[str, Ranker],
    k: int = K,
    n_random: int = N_RANDOM,
    seed: int = 0,
    n_skipped: int = 0,
) -> RankingReport:
    """Score each ranker, random order and the oracle on every pool."""
    if not pools:
        raise ValueError("no held-out vacancy has enough eligible candidates to rank")
    rng = np.random.default_rng(seed)
    scores = {name: score_pools(pools, rank) for name, rank in rankers.items()}
    rows = []
    for i, pool in enumerate(pools):
        row: dict[str, Any] = {
            "position_id": pool.vacancy.position_id,
            "as_of": pool.vacancy.as_of,
            "n_candidates": pool.nips.size,
        }
        shuffles = [rng.random(pool.nips.size) for _ in range(n_random)]
        scored: dict[str, list[np.ndarray]] = {
            **{name: [scores[name][i]] for name in rankers},
            RANDOM: shuffles,
            ORACLE: [pool.truth],
        }
        for name, score_sets in scored.items():
            row[f"{name}_ndcg_at_{k}"] = np.mean([ndcg_at_k(s, pool.truth, k) for s in score_sets])
            row[f"{name}_precision_at_{k}"] = np.mean(
                [precision_at_k(s, pool.truth, k) for s in score_sets]
            )
        rows.append(row)
    return RankingReport(pd.DataFrame(rows), [*rankers, RANDOM, ORACLE], k, n_skipped, scores)
