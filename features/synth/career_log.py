"""As-of look-ups over career event logs: what held for a person on a given day.

Both the simulation (when it draws each year's SKP) and the oracle (when it answers "how would
this person do in that post on that date") read a person's state through :class:`CareerHistory`,
so the two cannot drift apart. Events are integer-coded (person index, day number, payload) and
sorted once; a query is one ``searchsorted`` per look-up, vectorised over all queried pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.contract import COMPETENCY_CODES, SECTORS

DAY_MIN = -25567  # 1900-01-01 as a day number
DAY_SPAN = 1 << 17  # days representable inside one group key (~358 years)
OPEN_END = np.iinfo(np.int64).max // 4
N_CODES = len(COMPETENCY_CODES)
N_SECTORS = len(SECTORS)
# Assumed level of a competency never assessed: the basic level expected of any ASN for the
# non-technical ones, the lowest for technical ones (nothing shows the person has it).
DEFAULT_LEVEL = np.array(
    [2 if c in ("manajerial", "sosiokultural") else 1 for c in COMPETENCY_CODES]
)


class AsOfIndex:
    """Events grouped by an integer key and sorted by day; finds a group's latest event by a day."""

    def __init__(self, groups: np.ndarray, days: np.ndarray) -> None:
        groups = np.asarray(groups, dtype=np.int64)
        days = np.asarray(days, dtype=np.int64)
        if days.size and (days.min() < DAY_MIN or days.max() >= DAY_MIN + DAY_SPAN):
            raise ValueError("event day outside the supported range 1900..2258")
        keys = groups * DAY_SPAN + (days - DAY_MIN)
        self.order = np.argsort(keys, kind="stable")
        self.keys = keys[self.order]

    def latest(self, groups: np.ndarray, days: np.ndarray, strict: bool = False) -> np.ndarray:
        """Position (in the original event order) of each group's latest event with day <= the
        query day (< if ``strict``); -1 where there is none."""
        groups = np.asarray(groups, dtype=np.int64)
        if not len(self.keys):
            return np.full(groups.shape, -1, dtype=np.int64)
        target = groups * DAY_SPAN + (np.asarray(days, dtype=np.int64) - DAY_MIN) - int(strict)
        j = np.searchsorted(self.keys, target, side="right") - 1
        found = j >= 0
        found &= self.keys[np.maximum(j, 0)] // DAY_SPAN == groups
        return np.where(found, self.order[np.maximum(j, 0)], -1)

    def first(self, groups: np.ndarray) -> np.ndarray:
        """Position of each group's earliest event; -1 where the group has none."""
        groups = np.asarray(groups, dtype=np.int64)
        if not len(self.keys):
            return np.full(groups.shape, -1, dtype=np.int64)
        j = np.searchsorted(self.keys, groups * DAY_SPAN, side="left")
        jj = np.minimum(j, len(self.keys) - 1)
        found = (j < len(self.keys)) & (self.keys[jj] // DAY_SPAN == groups)
        return np.where(found, self.order[jj], -1)


@dataclass
class CareerEvents:
    """Integer-coded event logs of a population (indices into its person/unit/position arrays)."""

    edu_person: np.ndarray
    edu_day: np.ndarray
    edu_level: np.ndarray  # index into EDUCATION_LEVELS
    edu_field: np.ndarray  # index into EDUCATION_FIELDS
    comp_person: np.ndarray
    comp_day: np.ndarray
    comp_code: np.ndarray  # index into COMPETENCY_CODES
    comp_level: np.ndarray
    pref_person: np.ndarray
    pref_day: np.ndarray
    pref_unit: np.ndarray
    stint_person: np.ndarray
    stint_start: np.ndarray
    stint_end: np.ndarray  # OPEN_END while the stint lasts
    stint_sector: np.ndarray


def stints_from_moves(
    person: np.ndarray, day: np.ndarray, sector: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stints (person, start, end, sector) from the days each person took up a post: a stint
    ends when the same person's next one starts."""
    order = np.lexsort((day, person))
    p, d, s = person[order], day[order], sector[order]
    end = np.full(len(p), OPEN_END, dtype=np.int64)
    same = p[1:] == p[:-1]
    end[:-1] = np.where(same, d[1:], OPEN_END)
    return p, d, end, s


class CareerHistory:
    """Education, competencies, sector experience and preferences of people as of any day."""

    def __init__(self, events: CareerEvents, n_units: int) -> None:
        self.ev = events
        self.n_units = max(int(n_units), 1)
        self._edu = AsOfIndex(events.edu_person, events.edu_day)
        self._comp = AsOfIndex(events.comp_person * N_CODES + events.comp_code, events.comp_day)
        self._pref = AsOfIndex(
            events.pref_person * self.n_units + events.pref_unit, events.pref_day
        )
        stint_groups = events.stint_person * N_SECTORS + events.stint_sector
        self._stint = AsOfIndex(stint_groups, events.stint_start)
        # Days served in the same (person, sector) before each stint: earlier stints of a group
        # are closed, so an exclusive cumulative sum over the sorted group gives it.
        order = self._stint.order
        grp = stint_groups[order]
        end = events.stint_end[order]
        length = np.where(end >= OPEN_END, 0, end - events.stint_start[order])
        csum = np.cumsum(length) - length
        starts_group = np.ones(len(grp), dtype=bool)
        starts_group[1:] = grp[1:] != grp[:-1]
        group_start = np.maximum.accumulate(np.where(starts_group, np.arange(len(grp)), 0))
        self._before = np.empty(len(grp), dtype=np.int64)
        self._before[order] = csum - csum[group_start]

    def education(self, persons: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(level index, field index) of the latest degree graduated on or before ``day``; the
        first degree on record if the day precedes all of them; -1 for a person without any."""
        j = self._edu.latest(persons, day)
        j = np.where(j >= 0, j, self._edu.first(persons))
        level = np.where(j >= 0, self.ev.edu_level[np.maximum(j, 0)], -1)
        field = np.where(j >= 0, self.ev.edu_field[np.maximum(j, 0)], -1)
        return level, field

    def competency(self, persons: np.ndarray, codes: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Level of each competency code as of ``day`` (latest assessment, else the default)."""
        j = self._comp.latest(persons * N_CODES + codes, day)
        levels: np.ndarray = np.where(
            j >= 0, self.ev.comp_level[np.maximum(j, 0)], DEFAULT_LEVEL[codes]
        )
        return levels

    def sector_years(self, persons: np.ndarray, sectors: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Years served in posts of ``sectors`` up to ``day``."""
        j = self._stint.latest(persons * N_SECTORS + sectors, day)
        jj = np.maximum(j, 0)
        start = self.ev.stint_start[jj]
        current = np.minimum(self.ev.stint_end[jj], np.asarray(day, dtype=np.int64)) - start
        days = np.where(j >= 0, self._before[jj] + current, 0)
        return days / 365.25

    def asked_for(self, persons: np.ndarray, units: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether the person listed the unit in a usulan mutasi submitted before ``day``."""
        return self._pref.latest(persons * self.n_units + units, day, strict=True) >= 0
