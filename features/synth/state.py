"""The simulated population: one array per attribute (indexed by person), and the event logs.

People are preallocated up to the number that will ever serve during the run; ``hired`` says who
has entered. Every change of post goes through :meth:`Population.move` so that headcount,
tenure, retirement date and the transfer log stay consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from features.synth.career_log import CareerEvents, stints_from_moves
from features.synth.organisation import NO_END, Organisation
from features.synth.ranks import RankLog

MUTASI, PROMOSI, PERMINTAAN_SENDIRI = 0, 1, 2  # indices into TRANSFER_KINDS


def retirement_day(birth: np.ndarray, bup: np.ndarray) -> np.ndarray:
    """Pension TMT: the first day of the month after the month the person reaches the BUP."""
    month = np.asarray(birth, dtype="datetime64[D]").astype("datetime64[M]")
    due = month + (np.asarray(bup, dtype=np.int64) * 12 + 1).astype("timedelta64[M]")
    return np.asarray(due.astype("datetime64[D]").astype(np.int64))


@dataclass
class Logs:
    """Append-only event logs; each entry is a batch of equal-length arrays."""

    transfer: list[tuple[np.ndarray, ...]] = field(
        default_factory=list
    )  # person, day, from, to, kind
    edu: list[tuple[np.ndarray, ...]] = field(default_factory=list)  # person, day, level, field
    comp: list[tuple[np.ndarray, ...]] = field(default_factory=list)  # person, day, code, level
    pref: list[tuple[np.ndarray, ...]] = field(default_factory=list)  # person, day, unit, priority
    start: list[tuple[np.ndarray, ...]] = field(default_factory=list)  # person, day, position
    skp: list[tuple[np.ndarray, ...]] = field(
        default_factory=list
    )  # person, year, pos, index, realised
    rank: RankLog = field(default_factory=RankLog)

    @staticmethod
    def columns(entries: list[tuple[np.ndarray, ...]], width: int) -> list[np.ndarray]:
        """Concatenate a log into one array per column (each keeps its dtype)."""
        if not entries:
            return [np.zeros(0, dtype=np.int64) for _ in range(width)]
        return [np.concatenate([e[i] for e in entries]) for i in range(width)]


@dataclass
class Population:
    """Attributes of everyone who serves during the run (preallocated to ``capacity``)."""

    capacity: int
    hired: np.ndarray = field(init=False)
    gone: np.ndarray = field(init=False)
    pppk: np.ndarray = field(init=False)
    female: np.ndarray = field(init=False)
    birth: np.ndarray = field(init=False)
    tmt: np.ndarray = field(init=False)
    home: np.ndarray = field(init=False)
    ability: np.ndarray = field(init=False)
    connections: np.ndarray = field(init=False)  # patronage: who you know, unrelated to ability
    pos: np.ndarray = field(init=False)
    pos_start: np.ndarray = field(init=False)
    retire: np.ndarray = field(init=False)
    gol: np.ndarray = field(init=False)  # PNS rank or PPPK grade index
    next_q: np.ndarray = field(init=False)  # period of the next regular promotion
    level: np.ndarray = field(init=False)
    field_: np.ndarray = field(init=False)
    grad_q: np.ndarray = field(init=False)  # period of the latest in-service graduation
    upg_day: np.ndarray = field(init=False)  # pending graduation (NO_END = none)
    upg_level: np.ndarray = field(init=False)
    upg_field: np.ndarray = field(init=False)
    sanction: np.ndarray = field(init=False)  # 0 none, 1 ringan, 2 sedang, 3 berat
    sanction_start: np.ndarray = field(init=False)
    sanction_until: np.ndarray = field(init=False)
    request_day: np.ndarray = field(init=False)  # latest usulan mutasi (NO_END = none open)
    request_units: np.ndarray = field(init=False)  # (capacity, 3) unit indices, -1 padding
    n: int = 0
    logs: Logs = field(default_factory=Logs)

    def __post_init__(self) -> None:
        c = self.capacity
        ints = (
            "birth",
            "tmt",
            "home",
            "pos",
            "pos_start",
            "retire",
            "gol",
            "next_q",
            "level",
            "field_",
            "upg_level",
            "upg_field",
            "sanction",
        )
        for name in ints:
            setattr(self, name, np.full(c, -1, dtype=np.int64))
        for name in ("hired", "gone", "pppk", "female"):
            setattr(self, name, np.zeros(c, dtype=bool))
        self.ability = np.zeros(c)
        self.connections = np.zeros(c)
        self.grad_q = np.full(c, -(10**6), dtype=np.int64)
        for name in ("upg_day", "sanction_start", "sanction_until", "request_day"):
            setattr(self, name, np.full(c, NO_END, dtype=np.int64))
        self.sanction[:] = 0
        self.request_units = np.full((c, 3), -1, dtype=np.int64)

    def allocate(self, k: int) -> np.ndarray:
        """Indices for ``k`` new people."""
        if self.n + k > self.capacity:
            raise RuntimeError(f"population capacity {self.capacity} exceeded")
        idx = np.arange(self.n, self.n + k)
        self.n += k
        return idx

    def active(self, day: int) -> np.ndarray:
        """Indices of people in service on ``day``."""
        live = self.hired[: self.n] & ~self.gone[: self.n] & (self.tmt[: self.n] <= day)
        return np.flatnonzero(live)

    def occupancy(self, n_positions: int) -> np.ndarray:
        """Current headcount (bezetting) of every position."""
        live = np.flatnonzero(self.hired[: self.n] & ~self.gone[: self.n])
        return np.bincount(self.pos[live], minlength=n_positions)

    def move(
        self, org: Organisation, persons: np.ndarray, targets: np.ndarray, day: int, kind: int
    ) -> None:
        """Move people to new posts on ``day`` and log the transfers."""
        persons = np.asarray(persons, dtype=np.int64)
        targets = np.asarray(targets, dtype=np.int64)
        if persons.size == 0:
            return
        if np.any(self.pos[persons] == targets):
            raise RuntimeError("a move must change the position")
        self.logs.transfer.append(
            (
                persons,
                np.full(len(persons), day),
                self.pos[persons].copy(),
                targets,
                np.full(len(persons), kind),
            )
        )
        self.logs.start.append((persons, np.full(len(persons), day), targets))
        self.pos[persons] = targets
        self.pos_start[persons] = day
        self.retire[persons] = retirement_day(self.birth[persons], org.pos_bup[targets])

    def sanctioned(self, persons: np.ndarray, day: int) -> np.ndarray:
        """Whether a sedang/berat sanction is in force on ``day``."""
        in_force: np.ndarray = (
            (self.sanction[persons] >= 2)
            & (self.sanction_start[persons] <= day)
            & (self.sanction_until[persons] > day)
        )
        return in_force

    def events(self, org: Organisation, upto: int) -> CareerEvents:
        """Integer-coded career events logged so far (stints closed at later starts)."""
        logs = self.logs
        ep, ed, el, ef = Logs.columns(logs.edu, 4)
        cp, cd, cc, cl = Logs.columns(logs.comp, 4)
        pp, pd_, pu, _ = Logs.columns(logs.pref, 4)
        sp, sd, spos = Logs.columns(logs.start, 3)
        keep = sd <= upto
        person, start, end, sector = stints_from_moves(
            sp[keep], sd[keep], org.pos_sector[spos[keep]]
        )
        return CareerEvents(ep, ed, el, ef, cp, cd, cc, cl, pp, pd_, pu, person, start, end, sector)
