"""Who enters the simulation: the workforce at the start of the window and the new hires.

The starting workforce fills each post to a share of its ABK need (structural posts mostly
filled, fungsional short, pelaksana near or above need); each person's years of service are long
enough to have reached the post's minimum golongan. Hires arrive on TMT dates each year: CPNS
waves (few during the 2015-2017 moratorium) and, from 2021, PPPK; they fill vacancies of entry
rungs, which is the formasi logic, so new staff fit their posts better than the old.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.contract import JABATAN_TYPES
from features.synth import people
from features.synth.organisation import NO_END, Organisation
from features.synth.outcome import LEVEL_RANK
from features.synth.presets import Preset
from features.synth.ranks import (
    ENTRY_GOLONGAN,
    PPPK_GRADE,
    PROMOTION_PERIODS,
    RankLog,
    day_of_period,
    period_of_day,
    promote,
)
from features.synth.state import Population, retirement_day

YEAR = 365.25
# Share of TMT CPNS by year (BKN formasi waves; 2015-2017 moratorium) and of PPPK appointments.
PNS_HIRE_WEIGHT = {
    2016: 0.01,
    2017: 0.02,
    2018: 0.05,
    2019: 0.2,
    2020: 0.12,
    2021: 0.1,
    2022: 0.17,
    2023: 0.05,
    2024: 0.16,
    2025: 0.12,
}
PPPK_HIRE_WEIGHT = {2021: 0.12, 2022: 0.25, 2023: 0.22, 2024: 0.18, 2025: 0.23}
# Staffing at the window start relative to ABK need, by tier (JPT, adm., pengawas, ahli,
# keterampilan, pelaksana); rescaled so that the headcount hits its target.
START_STAFFING = np.array([0.9, 0.9, 0.88, 0.76, 0.8, 1.0])
ENTRY_TYPES = {
    JABATAN_TYPES.index(t)
    for t in ("fungsional_ahli_pertama", "fungsional_terampil", "fungsional_pemula", "pelaksana")
}


@dataclass(frozen=True)
class Hiring:
    """One TMT wave: day, number of people, PNS or PPPK."""

    day: int
    count: int
    pppk: bool


def _month_start(days: np.ndarray) -> np.ndarray:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return np.asarray(d.astype("datetime64[D]").astype(np.int64))


def start_slots(org: Organisation, target: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of the workforce at the window start, one entry per person."""
    tier = org.pos_tier
    expected = org.pos_abk * START_STAFFING[tier]
    expected = expected * np.where(tier >= 3, rng.lognormal(0.0, 0.3, org.n_positions), 1.0)
    expected *= target / expected.sum()
    counts = np.floor(expected + rng.random(org.n_positions)).astype(np.int64)
    counts = np.where(tier <= 2, np.minimum(counts, 1), counts)
    return np.repeat(np.arange(org.n_positions), counts)


class Entrants:
    """Creates people for slots: the starting workforce (``kind='start'``) or hires."""

    def __init__(self, org: Organisation, preset: Preset, pop: Population, end_day: int) -> None:
        self.org, self.preset, self.pop, self.end_day = org, preset, pop, end_day
        self.profiles = people.post_profiles(org)
        self.fields = people.preferred_fields(org)
        self.entry_level = np.full(pop.capacity, -1, dtype=np.int64)
        self.past_upg_day = np.full(pop.capacity, NO_END, dtype=np.int64)

    def create(
        self, slots: np.ndarray, day: int, kind: str, rng: np.random.Generator
    ) -> np.ndarray:
        """New people in ``slots`` entering on ``day`` (start of window or TMT); their indices."""
        org, pop = self.org, self.pop
        n = slots.size
        idx = pop.allocate(n)
        final = people.draw_final_levels(rng, self.profiles[slots])
        pppk = kind == "pppk"
        entry = people.draw_entry_levels(rng, final) if kind == "start" else final.copy()
        if kind == "pns":
            up = rng.random(n)
            final = np.where((entry == people.LV["S1"]) & (up < 0.08), people.LV["S2"], final)
            final = np.where((entry == people.LV["D3"]) & (up < 0.06), people.LV["S1"], final)
        age = people.hire_age_years(rng, entry, pppk)
        if kind == "start":
            tmt = self._start_tmt(slots, entry, age, day, rng)
        else:
            tmt = np.full(n, day, dtype=np.int64)
        birth = tmt - np.round(age * YEAR).astype(np.int64) - rng.integers(0, 180, n)
        p_fit = {"start": 0.72, "pns": 0.9, "pppk": 0.92}[kind]
        entry_field = people.draw_fields(rng, self.fields, slots, entry, p_fit)
        up_field = people.draw_upgrade_fields(rng, self.fields, slots, final, entry_field)
        pop.hired[idx] = True
        pop.pppk[idx] = pppk
        pop.female[idx] = rng.random(n) < org.pos_women[slots]
        pop.birth[idx], pop.tmt[idx] = birth, tmt
        pop.home[idx] = people.draw_home(rng, self.preset, org.pos_region[slots])
        pop.ability[idx] = rng.normal(size=n)
        pop.connections[idx] = rng.normal(size=n)
        pop.pos[idx] = slots
        pop.pos_start[idx] = tmt if kind != "start" else self._start_in_post(slots, tmt, day, rng)
        pop.retire[idx] = retirement_day(birth, org.pos_bup[slots])
        pop.level[idx], pop.field_[idx] = entry, entry_field
        self.entry_level[idx] = entry
        graduated = tmt - rng.integers(90, 730, n)
        pop.logs.edu.append((idx, graduated, entry, entry_field))
        pop.logs.start.append((idx, tmt, slots))
        self._schedule_upgrades(idx, slots, entry, final, up_field, day, kind, rng)
        pop.next_q[idx] = period_of_day(tmt) + PROMOTION_PERIODS
        if kind != "start":
            pop.gol[idx] = PPPK_GRADE[entry] if pppk else ENTRY_GOLONGAN[entry]
            pop.logs.rank.add(idx, tmt, pop.gol[idx])
        return idx

    def _start_in_post(
        self, slots: np.ndarray, tmt: np.ndarray, t0: int, rng: np.random.Generator
    ) -> np.ndarray:
        """When the starting workforce took up their post: a third of fungsional and pelaksana
        never moved; officials were appointed in the last six years (never on their TMT)."""
        structural = self.org.pos_tier[slots] <= 2
        stayed = ~structural & (rng.random(slots.size) < 0.35)
        earliest = np.where(structural, np.maximum(tmt + 365, t0 - 6 * 365), tmt)
        spread = rng.random(slots.size) * np.maximum(t0 - 30 - earliest, 0)
        return np.where(stayed, tmt, np.minimum(earliest + spread.astype(np.int64), t0 - 30))

    def _start_tmt(
        self,
        slots: np.ndarray,
        entry: np.ndarray,
        age: np.ndarray,
        t0: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """TMT CPNS of the starting workforce: long enough ago to reach the post's grade."""
        org = self.org
        steps = np.maximum(org.pos_min_gol[slots] - ENTRY_GOLONGAN[entry], 0)
        floor = steps * PROMOTION_PERIODS / 2 + 0.5
        years = floor + rng.random(slots.size) * np.maximum(33 - floor, 2)
        years = np.minimum(years, org.pos_bup[slots] - 0.3 - age)
        return _month_start(t0 - np.round(np.maximum(years, 0.1) * YEAR).astype(np.int64))

    def _schedule_upgrades(
        self,
        idx: np.ndarray,
        slots: np.ndarray,
        entry: np.ndarray,
        final: np.ndarray,
        up_field: np.ndarray,
        day: int,
        kind: str,
        rng: np.random.Generator,
    ) -> None:
        """Degrees earned in service: before the window they are history; later ones pending.

        Someone whose entry level is below the post's minimum earned the degree before the
        window (they could not hold the post otherwise)."""
        pop, org = self.pop, self.org
        tmt = pop.tmt[idx]
        upgraded = final != entry
        if kind == "start":
            below = LEVEL_RANK[entry] < org.pos_min_edu[slots]
            latest = np.where(below, day - 30, self.end_day - 30)
            lo = tmt + 2 * 365
        else:
            lo, latest = tmt + 3 * 365, tmt + 7 * 365
        feasible = upgraded & (latest > lo)
        when = lo + (rng.random(idx.size) * np.maximum(latest - lo, 0)).astype(np.int64)
        past = feasible & (when <= day)
        p = idx[past]
        pop.level[p], pop.field_[p] = final[past], up_field[past]
        pop.grad_q[p] = period_of_day(when[past])
        self.past_upg_day[p] = when[past]
        pop.logs.edu.append((p, when[past], final[past], up_field[past]))
        later = feasible & (when > day)
        q = idx[later]
        pop.upg_day[q], pop.upg_level[q], pop.upg_field[q] = (
            when[later],
            final[later],
            up_field[later],
        )

    def prewindow_ranks(self, idx: np.ndarray, t0: int) -> None:
        """Golongan history of the starting workforce from TMT CPNS to the window start:
        regular promotions every four years and penyesuaian ijazah, without delays."""
        pop, org = self.pop, self.org
        log: RankLog = pop.logs.rank
        entry = self.entry_level[idx]
        pop.gol[idx] = ENTRY_GOLONGAN[entry]
        log.add(idx, pop.tmt[idx], pop.gol[idx])
        grad_q = np.full(pop.capacity, -(10**6), dtype=np.int64)
        grad_q[idx] = period_of_day(self.past_upg_day[idx])
        level = np.zeros(pop.capacity, dtype=np.int64)
        first_q = int(period_of_day(pop.tmt[idx]).min())
        last_q = int(period_of_day(np.array([t0]))[0]) - 1
        for q in range(first_q, last_q + 1):
            qday = int(day_of_period(q))
            live = idx[pop.tmt[idx] <= qday]
            if not live.size:
                continue
            level[live] = np.where(
                self.past_upg_day[live] <= qday, pop.level[live], self.entry_level[live]
            )
            changed = promote(
                pop.gol,
                pop.next_q,
                q,
                live,
                level,
                grad_q,
                org.pos_ceiling[pop.pos[live]],
                np.zeros(live.size, dtype=bool),
                np.full(live.size, PROMOTION_PERIODS),
            )
            if changed.size:
                log.add(changed, qday, pop.gol[changed])
        fix = idx[pop.gol[idx] < org.pos_min_gol[pop.pos[idx]]]
        pop.gol[fix] = org.pos_min_gol[pop.pos[fix]]
        log.add(fix, t0 - 1, pop.gol[fix])  # kenaikan pangkat pilihan on taking the post


def hire_plan(
    years: range, end_day: int, n_pns: int, n_pppk: int, rng: np.random.Generator
) -> list[Hiring]:
    """TMT waves of the window: one CPNS and one PPPK wave a year at most, on a 1st of month."""
    plan: list[Hiring] = []
    for pppk, total, weights in ((False, n_pns, PNS_HIRE_WEIGHT), (True, n_pppk, PPPK_HIRE_WEIGHT)):
        days = {}
        for y in years:
            month = int(rng.integers(3, 8))
            d = int(np.datetime64(f"{y}-{month:02d}-01").astype("datetime64[D]").astype(np.int64))
            if d <= end_day and weights.get(y, 0.0) > 0:
                days[y] = d
        if not days or total <= 0:
            continue
        w = np.array([weights[y] for y in days])
        counts = np.floor(total * w / w.sum() + rng.random(len(days))).astype(np.int64)
        plan += [Hiring(d, int(c), pppk) for d, c in zip(days.values(), counts, strict=True) if c]
    return sorted(plan, key=lambda h: (h.day, h.pppk))


def hire_slots(
    org: Organisation, occ: np.ndarray, day: int, count: int, pppk: bool, rng: np.random.Generator
) -> np.ndarray:
    """Entry-rung posts for a wave: open vacancies first (formasi), pelaksana less often; any
    remaining hires go to entry posts in proportion to their need."""
    entry = np.isin(org.pos_type, list(ENTRY_TYPES)) & (org.pos_active_until > day)
    if pppk:
        entry &= org.pos_tier < 5
    positions = np.flatnonzero(entry)
    short = np.maximum(org.pos_abk[positions] - occ[positions], 0)
    slots = np.repeat(positions, short)
    weight = np.where(org.pos_tier[slots] == 5, 0.3, 1.0)
    keys = np.log(weight) + rng.gumbel(size=slots.size)
    chosen = slots[np.argsort(-keys)[:count]]
    if chosen.size < count:
        need = org.pos_abk[positions].astype(np.float64)
        extra = rng.choice(positions, size=count - chosen.size, p=need / need.sum())
        chosen = np.concatenate([chosen, extra])
    return chosen
