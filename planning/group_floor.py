"""Group floors: the plan's moves give each protected group at least its share, FA*IR's
constraint family (Zehlike et al. 2017) carried from one shortlist to a whole plan.

A shortlist of k passes FA*IR's test for a group of target proportion ``p`` when it holds at
least ``F^-1(alpha; k, p)`` members (F the binomial CDF): no fewer than a fair draw would give
except with probability ``alpha``. A plan's number of moves ``n`` is decided by the optimiser,
so the floor is written as one linear row per group, exact at the plan's largest size ``n0``
(every open seat filled) and proportional below it:

    moves of g  >=  p * n  -  t,    t = p * n0 - m,    m = min(F^-1(alpha; n0, p), floor(p * n0))

with ``p = target * (g's share of the candidates)``. As in the shortlist's re-ranking
(training/fair_ranking.py), ``m`` never exceeds the group's proportional share: at levels above
about one half the binomial minimums round up, and the floors of one attribute's groups would
add up to more than the seats (no plan, not even an empty one, could meet them). Capped,
``t >= 0``, so an empty plan meets every floor and only pinned moves can conflict with one.
Groups under ``min_group_share`` of the candidates are not constrained, as the fairness report
does not compare them. In the model the row is ``sum over pairs (p - [candidate in g]) x <= t``:
every pair has an entry, negative for the group's members.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from features.codes import labelled_groups
from planning.errors import PlanInputError

DEFAULT_ATTRIBUTES: tuple[str, ...] = ("gender", "age_band", "region_of_origin")


@dataclass(frozen=True)
class GroupFloor:
    """The plan's fairness constraint: who counts as a group, and how strong the floor is."""

    attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES
    target: float = 1.0
    alpha: float = 0.1
    min_group_share: float = 0.02

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", tuple(str(a) for a in self.attributes))
        if not self.attributes:
            raise PlanInputError("policy.fairness.attributes: name at least one attribute")
        for name, value, low, high in (
            ("target", self.target, 0.0, 1.0),
            ("alpha", self.alpha, 0.0, 1.0),
            ("min_group_share", self.min_group_share, 0.0, 1.0),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (math.isfinite(value) and low <= value <= high)
            ):
                raise PlanInputError(
                    f"policy.fairness.{name}: must be a number in [{low}, {high}], got {value!r}"
                )

    def as_dict(self) -> dict[str, Any]:
        """Plain values for reports and JSON."""
        out = asdict(self)
        out["attributes"] = list(self.attributes)
        return out


@dataclass(frozen=True)
class FloorRow:
    """One group's row: its members among the candidates, target proportion and tolerance."""

    attribute: str
    group: str
    members: np.ndarray  # bool per candidate
    share: float
    proportion: float
    tolerance: float
    minimum_at_full: int  # the floor when every seat is filled

    @property
    def label(self) -> str:
        """``gender=P``."""
        return f"{self.attribute}={self.group}"


def candidate_groups(candidates: pd.DataFrame, floor: GroupFloor | None) -> dict[str, np.ndarray]:
    """Each floor attribute's label per candidate (None = unknown), checked to be present."""
    if floor is None:
        return {}
    absent = [a for a in floor.attributes if a not in candidates.columns]
    if absent:
        raise PlanInputError(
            f"candidates: policy.fairness needs the column(s) {', '.join(absent)} "
            "(each candidate's group)"
        )
    return {
        a: candidates[a].astype("object").where(candidates[a].notna(), None).to_numpy()
        for a in floor.attributes
    }


def floor_rows(
    groups: dict[str, np.ndarray], floor: GroupFloor | None, seats: int, eligible: np.ndarray
) -> list[FloorRow]:
    """The rows of every group large enough to constrain; shares among ``eligible`` candidates
    (those with at least one pair)."""
    if floor is None or seats <= 0:
        return []
    rows = []
    n = int(eligible.sum())
    for attribute in floor.attributes:
        labels = groups[attribute]
        known = eligible & np.array([v is not None for v in labels], dtype=bool)
        for value, share, members in labelled_groups(labels, known, n, floor.min_group_share):
            p = min(1.0, floor.target * share)
            minimum = min(int(binom.ppf(floor.alpha, seats, p)), math.floor(p * seats + 1e-9))
            rows.append(
                FloorRow(attribute, str(value), members, share, p, p * seats - minimum, minimum)
            )
    return rows
