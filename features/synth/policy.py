"""The historical transfer policy: how this pemda actually decided moves. Deliberately NOT optimal.

Each batch (SK mutasi / pelantikan day) runs four steps over the PNS who may move (aktif, 2+ years
in post, no sedang/berat sanction, region not frozen, more than a year to retirement):

1. vacant structural posts are filled, each by the best of a candidate pool on a score led by
   seniority (golongan, years of service) and connections (patronage), with a preference for
   people already working or living in the post's region, a little weight on the candidate's
   ability and only a weak weight on the field fit;
2. fungsional who meet the next jenjang's grade move up a rung in their unit when that rung
   has a vacancy (promosi);
3. some open usulan mutasi are honoured (permintaan sendiri);
4. ordered rotations (mutasi) top the batch up to this year's volume: long tenure, surplus posts
   and connections make a move likelier; the target favours vacancies, the same region, the
   home region and the capital for the well connected, and only weakly the field fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.synth.organisation import CLASS_PELAKSANA, FIRST_FAMILY_CLASS, NO_END, Organisation
from features.synth.outcome import LEVEL_RANK
from features.synth.state import MUTASI, PERMINTAAN_SENDIRI, PROMOSI, Population

YEAR = 365.25


@dataclass(frozen=True)
class PolicyParams:
    """Weights of the historical policy (docs/generator.md)."""

    min_tenure_days: int = 730
    seniority_golongan: float = 0.35
    seniority_years: float = 0.06
    patronage: float = 0.9
    ability: float = 0.25
    same_region: float = 0.6
    home_region: float = 0.4
    field_fit: float = 0.3
    jenjang_rate: float = 0.3  # a year, of those who qualify for a next rung with a vacancy
    request_rate: float = 0.12  # a batch, of open requests
    request_days: int = 730  # a request stays open this long
    candidates_per_mover: int = 12


# Who may fill a vacant structural post, by its tier: the tier below, and the same tier (rotation).
FEEDER_TIERS: dict[int, tuple[int, ...]] = {0: (0, 1), 1: (1, 2, 3), 2: (2, 3, 4, 5)}


class TransferPolicy:
    """Chooses and applies the moves of one batch."""

    def __init__(
        self,
        org: Organisation,
        pop: Population,
        fit_matrix: np.ndarray,
        params: PolicyParams,
        seat_region: int,
        rng: np.random.Generator,
    ) -> None:
        self.org, self.pop, self.fit, self.p, self.rng = org, pop, fit_matrix, params, rng
        self.pos_in_capital = org.pos_region == seat_region
        self.by_class = {
            int(c): np.flatnonzero(org.pos_class == c) for c in np.unique(org.pos_class)
        }
        order = np.lexsort((org.pos_class, org.pos_unit))
        unit, cls = org.pos_unit[order], org.pos_class[order]
        breaks = np.flatnonzero((np.diff(unit) != 0) | (np.diff(cls) != 0)) + 1
        self.by_unit_class = {
            (int(org.pos_unit[c[0]]), int(org.pos_class[c[0]])): c for c in np.split(order, breaks)
        }

    def eligible(self, day: int, frozen: np.ndarray) -> np.ndarray:
        """PNS who may be moved on ``day``."""
        pop, org = self.pop, self.org
        live = pop.active(day)
        ok = ~pop.pppk[live]
        ok &= day - pop.pos_start[live] >= self.p.min_tenure_days
        ok &= ~pop.sanctioned(live, day)
        ok &= ~frozen[org.pos_region[pop.pos[live]]]
        ok &= pop.retire[live] - day > 365
        movable: np.ndarray = live[ok]
        return movable

    def batch(self, day: int, frozen: np.ndarray, target: int) -> dict[str, int]:
        """Run one batch on ``day``; ``target`` is the number of moves this batch aims for."""
        org = self.org
        open_pos = (org.pos_active_until > day) & ~frozen[org.pos_region]
        pool = self.eligible(day, frozen)
        moved = np.zeros(self.pop.capacity, dtype=bool)
        counts = {"structural": self._structural(day, pool, open_pos, moved)}
        counts["jenjang"] = self._jenjang(day, pool, open_pos, moved)
        counts["request"] = self._requests(day, pool, open_pos, moved)
        done = sum(counts.values())
        counts["mutasi"] = self._mutasi(day, pool, open_pos, moved, max(target - done, 0))
        return counts

    def _meets(self, persons: np.ndarray, positions: np.ndarray) -> np.ndarray:
        org, pop = self.org, self.pop
        meets: np.ndarray = (pop.gol[persons] >= org.pos_min_gol[positions]) & (
            LEVEL_RANK[pop.level[persons]] >= org.pos_min_edu[positions]
        )
        return meets

    def _structural(
        self, day: int, pool: np.ndarray, open_pos: np.ndarray, moved: np.ndarray
    ) -> int:
        org, pop, p = self.org, self.pop, self.p
        occ = pop.occupancy(org.n_positions)
        vacant = np.flatnonzero(open_pos & (org.pos_tier <= 2) & (occ == 0))
        if vacant.size == 0 or pool.size == 0:
            return 0
        years = (day - pop.tmt[pool]) / YEAR
        base = (
            p.seniority_golongan * pop.gol[pool]
            + p.seniority_years * years
            + p.patronage * pop.connections[pool]
            + p.ability * pop.ability[pool]
            + self.rng.gumbel(size=pool.size)
        )
        tier = org.pos_tier[pop.pos[pool]]
        region = org.pos_region[pop.pos[pool]]
        home = pop.home[pool]
        field = pop.field_[pool]
        # Each vacancy looks only at its feeder tiers' rows (in pool order, so argmax breaks
        # ties as over the whole pool): judging the whole pool per vacancy made a
        # 1,000,000-employee province quadratic.
        feeds = {t: np.flatnonzero(np.isin(tier, feeders)) for t, feeders in FEEDER_TIERS.items()}
        n = 0
        for v in self.rng.permutation(vacant):
            idx = feeds[int(org.pos_tier[v])]
            idx = idx[~moved[pool[idx]]]
            idx = idx[self._meets(pool[idx], np.full(idx.size, v))]
            if idx.size == 0:
                continue
            score = (
                base[idx]
                + p.same_region * (region[idx] == org.pos_region[v])
                + p.home_region * (home[idx] == org.pos_region[v])
                + p.field_fit * self.fit[field[idx], org.pos_sector[v]]
            )
            best = idx[int(np.argmax(score))]
            person = pool[best]
            kind = PROMOSI if tier[best] > org.pos_tier[v] else MUTASI
            pop.move(org, np.array([person]), np.array([v]), day, kind)
            moved[person] = True
            n += 1
        return n

    def _jenjang(self, day: int, pool: np.ndarray, open_pos: np.ndarray, moved: np.ndarray) -> int:
        org, pop = self.org, self.pop
        nxt = org.pos_next_rung[pop.pos[pool]]
        ok = (nxt >= 0) & ~moved[pool]
        occ = pop.occupancy(org.n_positions)
        # Since PermenPANRB 13/2019 a higher jenjang needs a formasi: a vacancy at that rung.
        ok[ok] &= (
            open_pos[nxt[ok]]
            & self._meets(pool[ok], nxt[ok])
            & (occ[nxt[ok]] < org.pos_abk[nxt[ok]])
        )
        ok &= self.rng.random(pool.size) < self.p.jenjang_rate / 3
        persons = pool[ok]
        pop.move(org, persons, nxt[ok], day, PROMOSI)
        moved[persons] = True
        return int(persons.size)

    def _requests(self, day: int, pool: np.ndarray, open_pos: np.ndarray, moved: np.ndarray) -> int:
        org, pop = self.org, self.pop
        expired = pop.request_day < day - self.p.request_days
        pop.request_day[expired] = NO_END
        open_req = pool[(pop.request_day[pool] <= day) & ~moved[pool]]
        open_req = open_req[self.rng.random(open_req.size) < self.p.request_rate]
        occ = pop.occupancy(org.n_positions)
        n = 0
        for person in open_req:
            cls = int(org.pos_class[pop.pos[person]])
            for unit in pop.request_units[person]:
                options = self.by_unit_class.get((int(unit), cls), np.zeros(0, dtype=np.int64))
                options = options[open_pos[options] & (options != pop.pos[person])]
                options = options[self._meets(np.full(options.size, person), options)]
                if options.size == 0:
                    continue
                target = options[int(np.argmax(org.pos_abk[options] - occ[options]))]
                pop.move(org, np.array([person]), np.array([target]), day, PERMINTAAN_SENDIRI)
                occ[target] += 1
                pop.request_day[person] = NO_END
                moved[person] = True
                n += 1
                break
        return n

    def _mutasi(
        self, day: int, pool: np.ndarray, open_pos: np.ndarray, moved: np.ndarray, target: int
    ) -> int:
        org, pop, p = self.org, self.pop, self.p
        cls = org.pos_class[pop.pos[pool]]
        can = ~moved[pool] & ((cls == CLASS_PELAKSANA) | (cls >= FIRST_FAMILY_CLASS))
        cand = pool[can]
        if target <= 0 or cand.size == 0:
            return 0
        occ = pop.occupancy(org.n_positions)
        cur = pop.pos[cand]
        logit = (
            0.25 * np.minimum((day - pop.pos_start[cand]) / YEAR, 8)
            + 0.7 * (occ[cur] > org.pos_abk[cur])
            + 0.3 * (pop.home[cand] != org.pos_region[cur])
            + 0.2 * pop.connections[cand]
        )
        keys = logit + self.rng.gumbel(size=cand.size)
        movers = cand[np.argsort(-keys)[: min(target, cand.size)]]
        n = 0
        for c in np.unique(org.pos_class[pop.pos[movers]]):
            group = movers[org.pos_class[pop.pos[movers]] == c]
            options = self.by_class[int(c)]
            options = options[open_pos[options]]
            if options.size < 2:
                continue
            weight = np.maximum(org.pos_abk[options] - occ[options], 0) + 0.25
            pick = self.rng.choice(
                options.size, size=(group.size, p.candidates_per_mover), p=weight / weight.sum()
            )
            tgt = options[pick]
            g = group[:, None]
            score = (
                0.9 * (org.pos_abk[tgt] > occ[tgt])
                + p.same_region * (org.pos_region[tgt] == org.pos_region[pop.pos[g]])
                + p.home_region * (org.pos_region[tgt] == pop.home[g])
                + p.field_fit * self.fit[pop.field_[g], org.pos_sector[tgt]]
                + 0.5 * pop.connections[g] * self.pos_in_capital[tgt]
                + self.rng.gumbel(size=tgt.shape)
            )
            valid = (tgt != pop.pos[g]) & self._meets(np.broadcast_to(g, tgt.shape), tgt)
            score = np.where(valid, score, -np.inf)
            best = np.argmax(score, axis=1)
            ok = np.isfinite(score[np.arange(group.size), best])
            chosen = tgt[np.arange(group.size), best]
            pop.move(org, group[ok], chosen[ok], day, MUTASI)
            moved[group[ok]] = True
            n += int(ok.sum())
        return n
