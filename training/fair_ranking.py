"""FA*IR: a top-k shortlist that passes the ranked group fairness test (Zehlike et al. 2017).

Zehlike, Bonchi, Castillo, Hajian, Megahed and Baeza-Yates, *FA*IR: A Fair Top-k Ranking
Algorithm*, CIKM 2017. A ranking passes the test for a group of minimum target proportion ``p``
at significance ``alpha`` when every prefix of length i = 1..k holds at least
``m(i) = F^-1(alpha; i, p)`` members of the group (F the binomial CDF): no prefix has so few of
them that a fair coin of bias ``p`` would rarely produce it. Testing k prefixes fails a fair
ranking more often than ``alpha``, so the paper lowers the per-prefix level to ``alpha_c``, the
largest level at which a Bernoulli(p) sequence fails some prefix with probability at most
``alpha`` (:func:`adjusted_alpha`, exact by dynamic programming). The algorithm then fills the
shortlist position by position: the best remaining candidate, unless the group is short of
``m(i)``, in which case its best remaining member.

The paper treats one protected group. Here every group of every constrained attribute with at
least ``min_group_share`` of the pool is one (the merit system protects everyone from regard to
sex, age or origin, not one side): group g gets ``p_g = target * share_g`` and its own table.
At a position where some groups are short, the best remaining member of each short group is
a candidate, and the one who belongs to the most short groups at once is taken (the better
placed on a tie). When the tables of one attribute ask for more than the position can give, the
shortfall is carried to the next positions; a group that has nobody left is reported as unmet.
The package that implements the paper (fairsearchcore, last released in 2019) handles one binary
group only, so the test is implemented here with scipy's binomial distribution.

Group membership is read only to constrain the order: scores never see it (docs/fairness.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import binom

from features.codes import labelled_groups

Method = Literal["none", "fair"]
FAIR: Method = "fair"
NONE: Method = "none"
DEFAULT_ATTRIBUTES: tuple[str, ...] = ("gender", "age_band", "region_of_origin")
_BISECTION_STEPS = 40
_P_GRID = 100  # p is rounded down to 1/100: tables are cached, and rounding down never tightens


class FairRankError(ValueError):
    """A re-ranking policy or input the algorithm cannot use; the message names the field."""


@dataclass(frozen=True)
class FairRankPolicy:
    """How shortlists are re-ranked (``method="none"``: by score alone).

    - ``attributes``: protected attributes whose groups are constrained;
    - ``target``: a group's minimum target proportion is ``target * its share of the pool``
      (1.0: its share; 0.8: four fifths of it);
    - ``alpha``: significance of the ranked group fairness test (FA*IR's family-wise level);
    - ``min_group_share``: groups smaller than this share of the pool are not constrained (the
      fairness report does not compare them either).
    """

    method: Method = NONE
    attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES
    target: float = 1.0
    alpha: float = 0.1
    min_group_share: float = 0.02

    def __post_init__(self) -> None:
        if self.method not in (NONE, FAIR):
            raise FairRankError(f"fairness policy method: 'none' or 'fair', got {self.method!r}")
        if not 0.0 < self.target <= 1.0:
            raise FairRankError(f"fairness policy target: must be in (0, 1], got {self.target}")
        if not 0.0 < self.alpha < 1.0:
            raise FairRankError(f"fairness policy alpha: must be in (0, 1), got {self.alpha}")
        if not 0.0 <= self.min_group_share < 1.0:
            raise FairRankError(
                f"fairness policy min_group_share: must be in [0, 1), got {self.min_group_share}"
            )
        object.__setattr__(self, "attributes", tuple(str(a) for a in self.attributes))
        if self.method == FAIR and not self.attributes:
            raise FairRankError("fairness policy attributes: FA*IR needs at least one attribute")

    @property
    def active(self) -> bool:
        """Whether shortlists are re-ranked at all."""
        return self.method == FAIR

    @property
    def name(self) -> str:
        """``none`` or ``fa*ir(target=1, alpha=0.1: gender, age_band, region_of_origin)``."""
        if not self.active:
            return NONE
        return f"fa*ir(target={self.target:g}, alpha={self.alpha:g}: {', '.join(self.attributes)})"

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON, MLflow params, the bundle manifest)."""
        out = asdict(self)
        out["attributes"] = list(self.attributes)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> FairRankPolicy:
        """Inverse of :meth:`to_dict`; None or {} (a bundle from before policies) is ``none``."""
        if not raw:
            return cls()
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        if "attributes" in known:
            known["attributes"] = tuple(known["attributes"])
        return cls(**known)


def base_attributes(attributes: Sequence[str]) -> list[str]:
    """The single attributes an attribute list needs (``gender_x_age_band`` -> both parts)."""
    return list(dict.fromkeys(part for a in attributes for part in a.split("_x_")))


def with_intersections(
    codes: Mapping[str, np.ndarray], attributes: Sequence[str]
) -> dict[str, np.ndarray]:
    """``codes`` plus the labels of every intersection in ``attributes`` (``L / 30-39``;
    unknown where either part is)."""
    out = dict(codes)
    for attribute in attributes:
        names = attribute.split("_x_")
        if len(names) < 2 or attribute in out:
            continue
        parts = [np.asarray(codes[n], dtype=object) for n in names]
        known = np.logical_and.reduce([~pd.isna(p) for p in parts])
        joined = np.array(
            [" / ".join(str(v) for v in row) for row in zip(*parts, strict=True)], dtype=object
        )
        out[attribute] = np.where(known, joined, np.array(None, dtype=object))
    return out


def fail_probability(table: np.ndarray, p: float) -> float:
    """Probability that a Bernoulli(p) sequence of length ``len(table)`` has, at some prefix i,
    fewer than ``table[i-1]`` successes (exact, by dynamic programming over the count)."""
    k = len(table)
    alive = np.zeros(k + 1)
    alive[0] = 1.0
    for i in range(k):
        step = np.zeros(k + 1)
        step[: k + 1] += alive * (1 - p)
        step[1:] += alive[:-1] * p
        step[: int(table[i])] = 0.0  # these sequences failed the test at prefix i + 1
        alive = step
    return float(max(0.0, 1.0 - alive.sum()))


def unadjusted_table(k: int, p: float, alpha: float) -> np.ndarray:
    """``m(i) = F^-1(alpha; i, p)`` for i = 1..k."""
    sizes = np.arange(1, k + 1)
    return np.asarray(binom.ppf(alpha, sizes, p), dtype=np.int64)


@lru_cache(maxsize=4096)
def adjusted_alpha(k: int, p: float, alpha: float) -> float:
    """The largest per-prefix level whose k tests fail a fair ranking with probability <= alpha.

    The failure probability is a non-decreasing step function of the level, so bisection finds
    the last level at or under ``alpha``.
    """
    if k <= 0 or p <= 0:
        return alpha
    low, high = 0.0, alpha
    if fail_probability(unadjusted_table(k, p, alpha), p) <= alpha:
        return alpha
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        if fail_probability(unadjusted_table(k, p, middle), p) <= alpha:
            low = middle
        else:
            high = middle
    return low


@lru_cache(maxsize=4096)
def _cached_table(k: int, p_grid: int, alpha: float) -> tuple[int, ...]:
    p = p_grid / _P_GRID
    if p <= 0:
        return (0,) * k
    return tuple(int(m) for m in unadjusted_table(k, p, adjusted_alpha(k, p, alpha)))


def minimum_table(k: int, p: float, alpha: float) -> np.ndarray:
    """FA*IR's minimum counts m(1..k) at the adjusted level, for a proportion ``p`` (rounded
    down to a hundredth, so that tables are cached and a rounding never asks for more)."""
    if k < 1:
        return np.zeros(0, dtype=np.int64)
    grid = int(np.floor(min(max(p, 0.0), 1.0) * _P_GRID + 1e-9))
    return np.asarray(_cached_table(int(k), grid, float(alpha)), dtype=np.int64)


@dataclass(frozen=True)
class Reranked:
    """A pool's order after re-ranking: ``order`` lists every row, best first (the top k by
    FA*IR, the rest by score); ``moved`` counts top-k rows that score order would not have put
    there; ``unmet`` names groups short of their minimum at some position that the shortlist
    never made up (nobody of them left, or other groups' minimums took the places)."""

    order: np.ndarray
    moved: int
    unmet: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Group:
    label: str
    members: np.ndarray  # bool per row
    table: np.ndarray  # minimum count at each prefix 1..k


def score_order(scores: np.ndarray) -> np.ndarray:
    """Rows by descending score; ties keep pool order (as the ranking's top-k does)."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")


def constrained_groups(
    codes: Mapping[str, np.ndarray], k: int, policy: FairRankPolicy
) -> list[_Group]:
    """The groups FA*IR constrains in one pool and their minimum tables.

    ``codes`` maps each attribute to one label per row (None/NaN = unknown, in no group).
    """
    groups: list[_Group] = []
    for attribute in policy.attributes:
        if attribute not in codes:
            raise FairRankError(f"fair re-ranking: candidates lack the attribute {attribute!r}")
        labels = np.asarray(codes[attribute], dtype=object)
        known = ~pd.isna(labels)
        n = len(labels)
        for value, share, members in labelled_groups(labels, known, n, policy.min_group_share):
            table = minimum_table(min(k, n), policy.target * share, policy.alpha)
            if table.any():
                groups.append(_Group(f"{attribute}={value}", members, table))
    return groups


def fair_rerank(
    scores: np.ndarray,
    codes: Mapping[str, np.ndarray],
    k: int,
    policy: FairRankPolicy,
    order: np.ndarray | None = None,
) -> Reranked:
    """The pool's order under ``policy`` (score order when it is ``none``).

    ``order`` is the score order to start from (default :func:`score_order`; serving passes its
    own, which breaks ties by NIP); the best remaining member of a group is the first in it.
    """
    scores = np.asarray(scores, dtype=np.float64)
    by_score = score_order(scores) if order is None else np.asarray(order, dtype=np.int64)
    place = ranks_of(by_score)
    n = len(scores)
    if not policy.active or n == 0 or k < 1:
        return Reranked(by_score, 0)
    k = min(k, n)
    groups = constrained_groups(with_intersections(codes, policy.attributes), k, policy)
    if not groups:
        return Reranked(by_score, 0)
    # Rows of each group in score order; a cursor per group skips rows already taken.
    member_rows = [by_score[g.members[by_score]] for g in groups]
    cursor = [0] * len(groups)
    taken = np.zeros(n, dtype=bool)
    counts = np.zeros(len(groups), dtype=np.int64)
    overall = 0
    chosen: list[int] = []
    unmet: set[str] = set()
    for position in range(k):
        short = [j for j, g in enumerate(groups) if counts[j] < g.table[position]]
        candidates = []
        for j in short:
            rows = member_rows[j]
            while cursor[j] < len(rows) and taken[rows[cursor[j]]]:
                cursor[j] += 1
            if cursor[j] < len(rows):
                candidates.append(int(rows[cursor[j]]))
            else:
                unmet.add(groups[j].label)
        if candidates:
            # The head of some short group that belongs to the most short groups at once
            # (several attributes are constrained together), the better placed on a tie.
            owed = [groups[j].members for j in short]
            row = min(candidates, key=lambda r: (-sum(bool(m[r]) for m in owed), place[r]))
        else:
            while taken[by_score[overall]]:
                overall += 1
            row = int(by_score[overall])
        taken[row] = True
        chosen.append(row)
        counts += np.array([g.members[row] for g in groups], dtype=np.int64)
    unmet |= {g.label for j, g in enumerate(groups) if counts[j] < g.table[k - 1]}
    top = np.asarray(chosen, dtype=np.int64)
    rest = by_score[~taken[by_score]]
    moved = int(np.setdiff1d(top, by_score[:k]).size)
    return Reranked(np.concatenate([top, rest]), moved, tuple(sorted(unmet)))


def ranks_of(order: np.ndarray) -> np.ndarray:
    """Rank 1..n of each row given an order (best first)."""
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def pool_ranks(
    scores: Sequence[np.ndarray],
    codes: Sequence[Mapping[str, np.ndarray]],
    k: int,
    policy: FairRankPolicy,
) -> list[np.ndarray]:
    """Each pool's ranks under ``policy`` (the audit's shortlists of a re-ranked model)."""
    if len(scores) != len(codes):
        raise FairRankError(f"{len(scores)} score arrays for {len(codes)} pools")
    return [
        ranks_of(fair_rerank(s, c, k, policy).order) for s, c in zip(scores, codes, strict=True)
    ]
