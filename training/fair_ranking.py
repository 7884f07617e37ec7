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
At levels above about one half the binomial minimums are near the medians, which round up, so
the tables of one attribute's groups can add up to more than a prefix has (at the default level
the age bands ask for 11 of 10 places), and a majority's rounded-up table would then take the
places a minority's table asks for. So the re-ranking first gives every group the part of its
table that fits (the tables trimmed to the prefix, the excess taken from the groups most above
their proportional share: :func:`prefix_minimums`), and only then the rest of the tables: at a
position where some groups are short of what fits (or, if none is, of their whole table),
FA*IR's candidate is each such group's best remaining member; of these heads, the one in the
most short groups at once is taken (the better placed on a tie). Whoever is moved up is always
the best remaining of a group owed the place, and a shortfall is carried to the next positions
(the greedy does not search for a set meeting every table). What a shortlist reports as
``unmet`` is a group short at the end of the part of its table that fits: nobody of it left, or
the places went to other attributes' groups. The measured alternatives are in docs/fairness.md.
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


Labels = np.ndarray | pd.api.extensions.ExtensionArray  # one label per row


def _coded(values: Labels) -> tuple[np.ndarray, list[str]]:
    """Integer code per row (-1 = unknown) and the label of each code. Pass a pandas array
    (``series.array``) where there is one: a categorical's codes or an Arrow string column's
    dictionary cost nothing, while hashing an object array of strings costs more than the
    re-ranking itself on a large pool."""
    uniques: Any
    if isinstance(values, pd.api.extensions.ExtensionArray):
        codes, uniques = values.factorize(use_na_sentinel=True)
    else:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def attribute_groups(
    codes: Mapping[str, Labels], attribute: str, coded: dict[str, tuple[np.ndarray, list[str]]]
) -> tuple[np.ndarray, list[str]]:
    """One attribute's (or intersection's, ``gender_x_age_band``) integer code per row and
    labels (``L / 30-39``); unknown (-1) where any part is. ``coded`` caches each single
    attribute's codes across the attributes of one pool."""
    names = attribute.split("_x_")
    missing = [n for n in names if n not in codes]
    if missing:
        raise FairRankError(f"fair re-ranking: candidates lack the attribute {missing[0]!r}")
    for name in names:
        if name not in coded:
            coded[name] = _coded(codes[name])
    code, labels = coded[names[0]]
    for name in names[1:]:
        other, other_labels = coded[name]
        known = (code >= 0) & (other >= 0)
        code = np.where(known, code * len(other_labels) + other, -1)
        labels = [f"{a} / {b}" for a in labels for b in other_labels]
    return code, labels


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


def minimum_tables(k: int, proportions: Sequence[float] | np.ndarray, alpha: float) -> np.ndarray:
    """FA*IR's tables of one attribute's groups, one row per proportion: what the re-ranking
    pursues. Shape (groups, k)."""
    if not len(proportions):
        return np.zeros((0, k), dtype=np.int64)
    return np.stack([minimum_table(k, p, alpha) for p in proportions])


def prefix_minimums(k: int, proportions: Sequence[float] | np.ndarray, alpha: float) -> np.ndarray:
    """The minimums a ranking can give all of one attribute's groups at once: FA*IR's tables,
    trimmed where together they ask for more places than the prefix has, the excess taken from
    the groups most above their proportional share (the larger on a tie). What ``unmet``
    reports against (module docstring). Shape (groups, k)."""
    tables = minimum_tables(k, proportions, alpha).copy()
    p = np.asarray(proportions, dtype=np.float64)
    for i in range(k):
        for _ in range(int(tables[:, i].sum()) - (i + 1)):
            over = tables[:, i] - p * (i + 1)
            tables[np.lexsort((-p, -over))[0], i] -= 1
    return tables


@dataclass(frozen=True)
class Shortlisted:
    """A pool's shortlist under the policy: ``top`` lists the k chosen rows, best first, and
    ``ranks`` their ranks in score order; ``moved`` counts those that score order would not
    have put in the top k; ``unmet`` names groups still short of their minimum at the end
    (nobody of them left, or other groups' minimums took the places)."""

    top: np.ndarray
    ranks: np.ndarray
    moved: int
    unmet: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Reranked:
    """A pool's whole order after re-ranking: ``order`` lists every row, best first (the top k
    by FA*IR, the rest by score); ``moved`` and ``unmet`` as in :class:`Shortlisted`."""

    order: np.ndarray
    moved: int
    unmet: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Group:
    label: str
    members: np.ndarray  # bool per row
    table: np.ndarray  # FA*IR's minimum count at each prefix 1..k, pursued
    fitting: np.ndarray  # the part of it every group of the attribute can have, reported


def score_order(scores: np.ndarray) -> np.ndarray:
    """Rows by descending score; ties keep pool order (as the ranking's top-k does)."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")


def constrained_groups(codes: Mapping[str, Labels], k: int, policy: FairRankPolicy) -> list[_Group]:
    """The groups FA*IR constrains in one pool, their minimum tables and the part of them that
    can be met (see the module docstring).

    ``codes`` maps each single attribute to one label per row (None/NaN = unknown, in no
    group); intersections in ``policy.attributes`` are built from their parts.
    """
    groups: list[_Group] = []
    coded: dict[str, tuple[np.ndarray, list[str]]] = {}
    for attribute in policy.attributes:
        code, labels = attribute_groups(codes, attribute, coded)
        n = len(code)
        if n == 0:
            continue
        counts = np.bincount(code[code >= 0], minlength=len(labels))
        kept = np.flatnonzero(counts / n >= policy.min_group_share)
        size = min(k, n)
        proportions = policy.target * counts[kept] / n
        tables = minimum_tables(size, proportions, policy.alpha)
        fitting = prefix_minimums(size, proportions, policy.alpha)
        for j, table, fit in zip(kept, tables, fitting, strict=True):
            if table.any():
                groups.append(_Group(f"{attribute}={labels[j]}", code == j, table, fit))
    return groups


def _best(rows: np.ndarray, scores: np.ndarray, keys: np.ndarray | None) -> int:
    """The best placed of ``rows`` (ascending row numbers): highest score, ties by ``keys``
    (ascending) or else by row number, as score order places them."""
    values = scores[rows]
    tied = rows[values == values.max()]
    if keys is None or tied.size == 1:
        return int(tied[0])
    return int(tied[np.argmin(keys[tied])])


def score_ranks(scores: np.ndarray, rows: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
    """Rank in score order (1 = best; ties by ``keys``, else by row number) of each of ``rows``,
    without sorting the pool: O(pool) per row, for the few rows a shortlist returns."""
    out = np.empty(len(rows), dtype=np.int64)
    index = np.arange(len(scores))
    for i, row in enumerate(rows):
        level = scores[row]
        same = scores == level
        before = index[same] < row if keys is None else keys[same] < keys[row]
        out[i] = 1 + int((scores > level).sum()) + int(before.sum())
    return out


def _owed(
    members: np.ndarray,
    is_short: np.ndarray,
    free: np.ndarray,
    scores: np.ndarray,
    keys: np.ndarray | None,
) -> int | None:
    """FA*IR's pick when groups are short: each short group's best remaining member is a
    candidate, and of these the one in the most short groups at once, the better placed on a
    tie. None when no short group has anyone left."""
    short = np.flatnonzero(is_short)
    heads = [
        _best(rows, scores, keys) for j in short if (rows := np.flatnonzero(members[j] & free)).size
    ]
    if not heads:
        return None
    owed = members[short][:, heads].sum(axis=0)
    return _best(np.unique(np.asarray(heads, dtype=np.int64)[owed == owed.max()]), scores, keys)


def fair_top(
    scores: np.ndarray,
    codes: Mapping[str, Labels],
    k: int,
    policy: FairRankPolicy,
    keys: np.ndarray | None = None,
) -> Shortlisted:
    """The top k under ``policy`` (by score when it is ``none``), without sorting the pool.

    "Best placed" is score order: highest score first, ties by ``keys`` (serving passes the
    NIPs, as its plain top-k does) or else by row number. Each position costs one pass over
    the pool, so a 10,000-candidate shortlist of 10 never pays for a sort of 10,000 strings.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = len(scores)
    k = min(k, n)
    if k < 1:
        return Shortlisted(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0)
    groups = constrained_groups(codes, k, policy) if policy.active else []
    members = (
        np.stack([g.members for g in groups]) if groups else np.zeros((0, n), dtype=bool)
    )  # (groups, rows)
    empty = np.zeros((0, k), dtype=np.int64)
    tables = np.stack([g.table for g in groups]) if groups else empty
    fitting = np.stack([g.fitting for g in groups]) if groups else empty
    taken = np.zeros(n, dtype=bool)
    counts = np.zeros(len(groups), dtype=np.int64)
    chosen: list[int] = []
    for position in range(k):
        free = ~taken
        row = _owed(members, counts < fitting[:, position], free, scores, keys)
        if row is None:  # no group short of what fits: the tables' excess
            row = _owed(members, counts < tables[:, position], free, scores, keys)
        if row is None:
            row = _best(np.flatnonzero(free), scores, keys)
        taken[row] = True
        chosen.append(row)
        counts += members[:, row]
    top = np.asarray(chosen, dtype=np.int64)
    ranks = score_ranks(scores, top, keys)
    unmet = {g.label for j, g in enumerate(groups) if counts[j] < g.fitting[k - 1]}
    return Shortlisted(top, ranks, int((ranks > k).sum()), tuple(sorted(unmet)))


def fair_rerank(
    scores: np.ndarray, codes: Mapping[str, Labels], k: int, policy: FairRankPolicy
) -> Reranked:
    """The pool's whole order under ``policy``: :func:`fair_top`'s k rows (ties by row number),
    then the rest by score (what the audit ranks shortlists with)."""
    by_score = score_order(scores)
    if not policy.active or len(by_score) == 0 or k < 1:
        return Reranked(by_score, 0)
    result = fair_top(scores, codes, k, policy)
    taken = np.zeros(len(by_score), dtype=bool)
    taken[result.top] = True
    order = np.concatenate([result.top, by_score[~taken[by_score]]])
    return Reranked(order, result.moved, result.unmet)


def ranks_of(order: np.ndarray) -> np.ndarray:
    """Rank 1..n of each row given an order (best first)."""
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def pool_ranks(
    scores: Sequence[np.ndarray],
    codes: Sequence[Mapping[str, Labels]],
    k: int,
    policy: FairRankPolicy,
) -> list[np.ndarray]:
    """Each pool's ranks under ``policy`` (the audit's shortlists of a re-ranked model)."""
    if len(scores) != len(codes):
        raise FairRankError(f"{len(scores)} score arrays for {len(codes)} pools")
    return [
        ranks_of(fair_rerank(s, c, k, policy).order) for s, c in zip(scores, codes, strict=True)
    ]
