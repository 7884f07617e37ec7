"""Who held which position when: position intervals from the transfer history.

Point-in-time rule (used everywhere): a record dated ``d`` is known at ``as_of`` iff
``d < as_of``. So a transfer effective on ``as_of`` itself has not happened yet, and an employee
holds position interval ``[start, end]`` at ``as_of`` iff ``start < as_of <= end``.

Intervals per employee: before the first transfer the ``from_position_id`` of that transfer, held
since ``tmt_cpns``; after each transfer its ``to_position_id`` until the next one; with no
transfers at all the snapshot ``position_id`` since ``tmt_cpns``. For years in the position an
employee without transfers uses the snapshot ``position_start_date`` when it lies before
``as_of`` (a later one is future information and falls back to ``tmt_cpns``).

The ``from_position_id`` of an employee's first transfer is the one fact about the past that a
later-dated record carries (where they were before it); no other field of a record dated on or
after ``as_of`` is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.dated_index import MISSING_DAY, OPEN_END, DatedIndex, take


@dataclass(frozen=True)
class PositionAt:
    """Position held at the query dates, one entry per query."""

    position: np.ndarray  # position code
    start: np.ndarray  # TMT of that position (day number)
    interval_start: np.ndarray  # start of the interval in the timeline (tmt_cpns or a transfer)
    n_moves: np.ndarray  # transfers dated before the query
    last_move: np.ndarray  # day of the last of them, MISSING_DAY if none


class PositionTimeline:
    """Position intervals of every employee, indexed for as-of, headcount and sector queries."""

    def __init__(
        self,
        *,
        transfer_nip: np.ndarray,
        transfer_day: np.ndarray,
        transfer_from: np.ndarray,
        transfer_to: np.ndarray,
        tmt_cpns: np.ndarray,
        snapshot_position: np.ndarray,
        snapshot_start: np.ndarray,
        position_unit: np.ndarray,
        unit_sector: np.ndarray,
        n_sectors: int,
    ) -> None:
        self.moves = DatedIndex.build(transfer_nip, transfer_day)
        self.move_to = transfer_to[self.moves.order]
        self.move_from = transfer_from[self.moves.order]
        self.tmt_cpns = tmt_cpns
        self.snapshot_position = snapshot_position
        self.snapshot_start = snapshot_start
        self.position_unit = position_unit
        self.unit_sector = unit_sector
        self.n_sectors = n_sectors
        nip, pos, start, end = self._intervals()
        self.by_position = _Occupancy(pos, start, end)
        self.by_unit = _Occupancy(position_unit[pos], start, end)
        sector = unit_sector[position_unit[pos]]
        self._sector_spells = _Spells(nip * n_sectors + sector, start, end)

    def _intervals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(nip, position, start, end) of every interval; the last one of each nip is open."""
        nip, day = self.moves.keys, self.moves.days
        n_emp = len(self.tmt_cpns)
        first = np.ones(len(nip), dtype=bool)
        first[1:] = nip[1:] != nip[:-1]
        last = np.ones(len(nip), dtype=bool)
        last[:-1] = nip[1:] != nip[:-1]
        next_day = np.full(len(nip), OPEN_END, dtype=np.int64)
        next_day[:-1] = np.where(last[:-1], OPEN_END, day[1:])
        moved = np.zeros(n_emp, dtype=bool)
        moved[nip] = True
        still = np.flatnonzero(~moved)
        end = np.concatenate([day[first], next_day, np.full(len(still), OPEN_END)])
        start = np.concatenate([self.tmt_cpns[nip[first]], day, self.tmt_cpns[still]])
        # A transfer dated before tmt_cpns (rejected by validation) must not make counts negative.
        return (
            np.concatenate([nip[first], nip, still]),
            np.concatenate([self.move_from[first], self.move_to, self.snapshot_position[still]]),
            np.minimum(start, end),
            end,
        )

    def position_at(self, nips: np.ndarray, days: np.ndarray) -> PositionAt:
        """Position held by each employee at each day (see the module docstring)."""
        last = self.moves.last_before(nips, days)
        first = self.moves.first_of(nips)
        tmt = self.tmt_cpns[nips]
        move_day = take(self.moves.days, last, MISSING_DAY)
        unmoved = np.where(
            first >= 0, take(self.move_from, first, -1), self.snapshot_position[nips]
        )
        snap_start = self.snapshot_start[nips]
        known_start = np.where(
            (first < 0) & (snap_start != MISSING_DAY) & (snap_start < days), snap_start, tmt
        )
        return PositionAt(
            position=np.where(last >= 0, take(self.move_to, last, -1), unmoved),
            start=np.where(last >= 0, move_day, known_start),
            interval_start=np.where(last >= 0, move_day, tmt),
            n_moves=self.moves.count_before(nips, days),
            last_move=move_day,
        )

    def years_in_sector(
        self,
        nips: np.ndarray,
        days: np.ndarray | np.int64,
        sectors: np.ndarray | int,
        position: np.ndarray,
        interval_start: np.ndarray,
    ) -> np.ndarray:
        """Years each employee worked in units of ``sectors`` before each day.

        ``position`` / ``interval_start`` are the employee's :meth:`position_at` the same days:
        finished intervals come from cumulative sums, the running one is added here.
        """
        done = self._sector_spells.completed_days(nips * self.n_sectors + sectors, days)
        current_sector = self.unit_sector[self.position_unit[position]]
        running = np.where(
            (current_sector == sectors) & (interval_start < days), days - interval_start, 0
        )
        return (done + running) / 365.25


class _Occupancy:
    """Headcount per key (position or unit) at any date from interval starts and ends."""

    def __init__(self, keys: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        self.starts = DatedIndex.build(keys, start)
        self.ends = DatedIndex.build(keys, end)

    def headcount(self, keys: np.ndarray, days: np.ndarray | np.int64) -> np.ndarray:
        """Intervals of each key with ``start < day <= end``; keys of -1 count 0."""
        keys = np.asarray(keys, dtype=np.int64)
        count = self.starts.count_before(keys, days) - self.ends.count_before(keys, days)
        return np.where(keys >= 0, count, 0).astype(np.float64)


class _Spells:
    """Interval lengths per key with cumulative sums, to total completed time before a date."""

    def __init__(self, keys: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        self.ends = DatedIndex.build(keys, end)
        length = np.where(end == OPEN_END, 0, np.maximum(end - start, 0))[self.ends.order]
        self.cumulative = np.concatenate([[0.0], np.cumsum(length, dtype=np.float64)])

    def completed_days(self, keys: np.ndarray, days: np.ndarray | np.int64) -> np.ndarray:
        """Total length of each key's intervals that ended strictly before the day."""
        first = self.ends.block_start(keys)
        upto = first + self.ends.count_before(keys, days)
        total: np.ndarray = self.cumulative[upto] - self.cumulative[first]
        return total
