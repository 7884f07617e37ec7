"""Golongan (pangkat) careers: entry grade by education, regular promotion every four years at
the April/October periods up to a ceiling set by education and post, and the jump to the entry
grade of a new degree (penyesuaian ijazah). Promotions are counted in *periods*: period q is
1 April (even q) or 1 October (odd q) of year q // 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from features.contract import EDUCATION_LEVELS, PNS_GOLONGAN_RANK, PPPK_GOLONGAN

PROMOTION_PERIODS = 8  # four years
# Entry grade of a CPNS by education level (PP 99/2000): SD I/a, SMP I/c, SMA/D1 II/a, D2 II/b,
# D3 II/c, D4/S1 III/a, S2 III/b, S3 III/c.
_ENTRY = {"SD": "I/a", "SMP": "I/c", "SMA": "II/a", "D1": "II/a", "D2": "II/b", "D3": "II/c",
          "D4": "III/a", "S1": "III/a", "S2": "III/b", "S3": "III/c"}  # fmt: skip
ENTRY_GOLONGAN = np.array([PNS_GOLONGAN_RANK[_ENTRY[lv]] for lv in EDUCATION_LEVELS])
# Highest grade reachable by regular promotion with a given education.
_EDU_CEILING = {"SD": "II/b", "SMP": "II/d", "SMA": "III/b", "D1": "III/b", "D2": "III/b",
                "D3": "III/c", "D4": "IV/e", "S1": "IV/e", "S2": "IV/e", "S3": "IV/e"}  # fmt: skip
EDU_CEILING = np.array([PNS_GOLONGAN_RANK[_EDU_CEILING[lv]] for lv in EDUCATION_LEVELS])
# PPPK grade by education (Perpres 98/2020): I for SD .. IX for S1, X for S2, XI for S3.
_PPPK = {"SD": "I", "SMP": "IV", "SMA": "V", "D1": "VI", "D2": "VI", "D3": "VII", "D4": "IX",
         "S1": "IX", "S2": "X", "S3": "XI"}  # fmt: skip
PPPK_GRADE = np.array([PPPK_GOLONGAN.index(_PPPK[lv]) for lv in EDUCATION_LEVELS])


def period_of_day(days: np.ndarray) -> np.ndarray:
    """The first promotion period on or after each day."""
    d = np.asarray(days, dtype="datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    april = (np.asarray(year - 1970, dtype="datetime64[Y]") + np.timedelta64(3, "M")).astype(
        "datetime64[D]"
    )
    october = (np.asarray(year - 1970, dtype="datetime64[Y]") + np.timedelta64(9, "M")).astype(
        "datetime64[D]"
    )
    q = np.where(d <= april, 2 * year, np.where(d <= october, 2 * year + 1, 2 * year + 2))
    return np.asarray(q, dtype=np.int64)


def day_of_period(q: np.ndarray | int) -> np.ndarray:
    """Day number of period q (1 April or 1 October)."""
    q = np.asarray(q, dtype=np.int64)
    months = (q // 2 - 1970) * 12 + np.where(q % 2 == 0, 3, 9)
    return np.asarray(months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64))


@dataclass
class RankLog:
    """Rank history rows (person, day, grade) collected during a run."""

    person: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)
    grade: list[np.ndarray] = field(default_factory=list)

    def add(self, person: np.ndarray, day: np.ndarray | int, grade: np.ndarray) -> None:
        """Record rows; ``day`` may be a scalar for all of them."""
        self.person.append(np.asarray(person, dtype=np.int64))
        self.day.append(np.broadcast_to(np.asarray(day, dtype=np.int64), person.shape).copy())
        self.grade.append(np.asarray(grade, dtype=np.int64))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All rows so far as (person, day, grade)."""
        if not self.person:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return np.concatenate(self.person), np.concatenate(self.day), np.concatenate(self.grade)


def promote(
    gol: np.ndarray,
    next_q: np.ndarray,
    q: int,
    candidates: np.ndarray,
    level: np.ndarray,
    graduated_q: np.ndarray,
    ceiling_of_post: np.ndarray,
    blocked: np.ndarray,
    interval: np.ndarray,
) -> np.ndarray:
    """Apply period ``q`` to PNS ``candidates`` (indices); returns who changed grade.

    A new degree graduated at least two periods ago lifts the grade to its entry grade; a due
    regular promotion adds one step below the ceiling; a sanction in force (``blocked``) postpones
    a due promotion by a year. ``gol``/``next_q`` are updated in place.
    """
    c = candidates
    g = gol[c]
    lifted = np.where(graduated_q[c] <= q - 2, np.maximum(g, ENTRY_GOLONGAN[level[c]]), g)
    ceiling = np.minimum(EDU_CEILING[level[c]], ceiling_of_post)
    due = next_q[c] <= q
    postpone = due & blocked
    step = due & ~blocked & (lifted < ceiling)
    new = np.where(step, lifted + 1, lifted)
    changed = new > g
    next_q[c] = np.where(changed, q + interval, np.where(postpone, next_q[c] + 2, next_q[c]))
    gol[c] = new
    promoted: np.ndarray = c[changed]
    return promoted
