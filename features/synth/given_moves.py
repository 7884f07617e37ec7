"""Moves given to a continuation (e.g. a plan's accepted assignments): checked row by row.

A row is ``nip, to_position_id, effective_date``. It is rejected, with its reason, when a value
is missing or unreadable, the date is outside the first continued year, the NIP is not an
employee at the source export, the post is unknown or not active on the date, the same person
has two moves on one day, the person is no longer in service on the date (BUP), or the move
would not change the post. Every rejected row is reported: nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from features.synth.organisation import Organisation
from features.synth.state import MUTASI, PROMOSI, retirement_day

COLUMNS = ("nip", "to_position_id", "effective_date")
REJECTED_COLUMNS = ("row", *COLUMNS, "reason")
_SHOWN = 5


class MoveError(ValueError):
    """Given moves that cannot be executed; ``rejected`` lists every bad row with its reason."""

    def __init__(self, message: str, rejected: pd.DataFrame) -> None:
        super().__init__(message)
        self.rejected = rejected


@dataclass(frozen=True)
class GivenMoves:
    """Checked moves as arrays (person, target post, day number, transfer kind), by day."""

    person: np.ndarray
    target: np.ndarray
    day: np.ndarray
    kind: np.ndarray

    def on(self, day: int) -> GivenMoves:
        """The moves effective on ``day``."""
        at = self.day == day
        return GivenMoves(self.person[at], self.target[at], self.day[at], self.kind[at])

    @property
    def days(self) -> list[int]:
        """Distinct effective days, in order."""
        return [int(d) for d in np.unique(self.day)]


@dataclass(frozen=True)
class World:
    """What the checks read: who is employed where, and the posts."""

    nips: pd.Index  # NIP of each person index
    pos: np.ndarray  # current post per person
    birth: np.ndarray
    retire: np.ndarray
    org: Organisation


def check_moves(moves: pd.DataFrame, world: World, year: int) -> GivenMoves:
    """Checked moves of ``year``; raises :class:`MoveError` naming every rejected row."""
    if not isinstance(moves, pd.DataFrame):
        raise MoveError(f"moves: expected a DataFrame, got {type(moves).__name__}", _empty())
    missing = [c for c in COLUMNS if c not in moves.columns]
    if missing:
        raise MoveError(f"moves: missing column(s) {missing}; has {list(moves.columns)}", _empty())
    n = len(moves)
    reason = np.full(n, "", dtype=object)
    text = {c: moves[c].astype("object").where(moves[c].notna(), None) for c in COLUMNS}
    nip = pd.Series([None if v is None else str(v).strip() for v in text["nip"]], dtype=object)
    post = pd.Series(
        [None if v is None else str(v).strip() for v in text["to_position_id"]], dtype=object
    )
    when = pd.to_datetime(moves["effective_date"], errors="coerce", format="mixed")
    for col, values in (("nip", nip), ("to_position_id", post)):
        _reject(reason, values.isna() | (values == ""), f"missing {col}")
    _reject(reason, moves["effective_date"].isna(), "missing effective_date")
    _reject(reason, when.isna(), "effective_date is not a date")
    in_year = (when.dt.year == year).fillna(False).to_numpy(dtype=bool)
    _reject(reason, ~in_year, f"effective_date is not in {year}, the first continued year")
    person = world.nips.get_indexer(pd.Index(nip.fillna("")))
    _reject(reason, person < 0, "nip is not an employee at the source export")
    position_ids = pd.Index(world.org.positions["position_id"].astype(str))
    target = position_ids.get_indexer(pd.Index(post.fillna("")))
    _reject(reason, target < 0, "to_position_id is not a known position")
    day = np.where(when.isna(), 0, when.to_numpy(dtype="datetime64[D]").astype(np.int64))
    active_until = world.org.pos_active_until[np.maximum(target, 0)]
    _reject(reason, (target >= 0) & (active_until <= day), "to_position_id is not active")
    twice = pd.DataFrame({"p": person, "d": day}).duplicated(keep=False).to_numpy()
    _reject(reason, twice & (person >= 0), "two moves of this nip on the same day")
    kind = _sequence(reason, person, target, day, world)
    bad = reason != ""
    if bad.any():
        rejected = pd.DataFrame(
            {
                "row": np.flatnonzero(bad) + 1,
                "nip": nip[bad].to_numpy(),
                "to_position_id": post[bad].to_numpy(),
                "effective_date": np.where(
                    when[bad].notna(),
                    when[bad].dt.strftime("%Y-%m-%d"),
                    text["effective_date"][bad].astype(object),
                ),
                "reason": reason[bad],
            },
            columns=list(REJECTED_COLUMNS),
        )
        raise MoveError(_message(rejected, n), rejected)
    order = np.lexsort((person, day))
    return GivenMoves(person[order], target[order], day[order], kind[order])


def _sequence(
    reason: np.ndarray, person: np.ndarray, target: np.ndarray, day: np.ndarray, world: World
) -> np.ndarray:
    """In date order, each move of a person from where the previous one put them: in service
    on the day (BUP of the post then held) and a change of post. Returns the transfer kind."""
    org = world.org
    kind = np.full(len(person), MUTASI, dtype=np.int64)
    pos = dict[int, int]()
    retire = dict[int, int]()
    for i in np.lexsort((np.arange(len(person)), day)):
        p, t = int(person[i]), int(target[i])
        if reason[i]:
            continue
        current = pos.get(p, int(world.pos[p]))
        leaves = retire.get(p, int(world.retire[p]))
        if leaves <= day[i]:
            on = np.datetime64(leaves, "D").astype(date)
            reason[i] = f"not in service on the date (retires {on.isoformat()})"
        elif current == t:
            reason[i] = "the employee already holds to_position_id"
        else:
            higher = org.pos_tier[t] < org.pos_tier[current] or (
                org.pos_min_gol[t] > org.pos_min_gol[current]
            )
            kind[i] = PROMOSI if higher else MUTASI
            pos[p] = t
            bup = org.pos_bup[np.array([t])]
            retire[p] = int(retirement_day(world.birth[np.array([p])], bup)[0])
    return kind


def _reject(reason: np.ndarray, mask: object, why: str) -> None:
    """Record ``why`` for the rows in ``mask`` that have no reason yet."""
    hit = np.asarray(mask, dtype=bool) & (reason == "")
    reason[hit] = why


def _message(rejected: pd.DataFrame, total: int) -> str:
    rows = [
        f"row {r.row} (nip {r.nip}, to {r.to_position_id}, {r.effective_date}): {r.reason}"
        for r in rejected.head(_SHOWN).itertuples(index=False)
    ]
    more = f"; and {len(rejected) - _SHOWN} more" if len(rejected) > _SHOWN else ""
    return f"moves: {len(rejected)} of {total} rows rejected: " + "; ".join(rows) + more


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(REJECTED_COLUMNS))
