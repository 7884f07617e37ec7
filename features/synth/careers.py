"""The year-by-year simulation of a pemda's ASN careers over the ten years up to the export day.

Each year runs its dated events in order: CPNS/PPPK TMT waves, rank periods (1 April, 1 October),
transfer batches, the SKP draw (state as of 1 July), and in 2022 the restructuring that abolishes
the bidang's Kepala Seksi posts. Before each event, people who reached their BUP retire and
degrees due by that day are awarded. Everything is vectorised over people; loops run over years,
events and (in the policy) over vacancies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

import numpy as np

from features.contract import COMPETENCY_CODES
from features.synth import yearly
from features.synth.career_log import CareerHistory
from features.synth.entrants import Entrants, Hiring, hire_plan, hire_slots, start_slots
from features.synth.organisation import NO_END, Organisation
from features.synth.outcome import OutcomeContext, StructuralModel
from features.synth.policy import PolicyParams, TransferPolicy
from features.synth.presets import Preset, day_number, distance_matrix
from features.synth.ranks import PROMOTION_PERIODS, day_of_period, period_of_day, promote
from features.synth.state import MUTASI, Population
from features.taxonomy import load_taxonomy

WINDOW_YEARS = 10
START_HEADCOUNT = 0.86  # workforce at the window start, relative to the export headcount
EXPORT_MARGIN = 1.035  # hire slightly more than needed; the excess leaves for other reasons
RESTRUCTURING = date(2022, 1, 3)  # penyederhanaan birokrasi: Kepala Seksi posts abolished
BATCH_WINDOWS = ((33, 90), (152, 212), (274, 334))  # day-of-year ranges of the three batches

Progress = Callable[[int, int], None]


def requirement_arrays(requirements: list[dict[str, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Competency requirements as padded (positions, k) arrays of code index and level."""
    width = max((len(r) for r in requirements), default=0) or 1
    codes = np.full((len(requirements), width), -1, dtype=np.int64)
    levels = np.zeros((len(requirements), width), dtype=np.int64)
    for i, req in enumerate(requirements):
        for k, (code, level) in enumerate(req.items()):
            codes[i, k] = COMPETENCY_CODES.index(code)
            levels[i, k] = level
    return codes, levels


@dataclass
class SimulationResult:
    """The population after the run, who is exported, and the snapshot fields."""

    pop: Population
    org: Organisation
    survivors: np.ndarray  # person indices in service at export, sorted
    snapshot: dict[str, np.ndarray]
    start_day: int
    end_day: int
    restructure_day: int
    freeze: list[tuple[str, date, date, str]]


class Simulation:
    """Runs the careers of one pemda; see the module docstring for the order of events."""

    def __init__(
        self,
        preset: Preset,
        org: Organisation,
        n_employees: int,
        end_date: date,
        restructure_day: int,
        rng: np.random.Generator,
        model: StructuralModel,
        policy: PolicyParams | None = None,
    ) -> None:
        self.preset, self.org, self.n, self.rng, self.model = preset, org, n_employees, rng, model
        self.end_day = day_number(end_date)
        self.years = range(end_date.year - WINDOW_YEARS + 1, end_date.year + 1)
        self.start_day = day_number(date(self.years[0], 1, 1))
        self.restructure_day = restructure_day
        self.set_freeze(date(self.years[0], 1, 1), end_date)
        self.fit = load_taxonomy().matrix
        capacity = int(n_employees * 1.6) + 200
        self.pop = Population(capacity)
        self.entrants = Entrants(org, preset, self.pop, self.end_day)
        self.policy = TransferPolicy(
            org, self.pop, self.fit, policy or PolicyParams(), preset.region_index(preset.seat), rng
        )
        self.req_codes, self.req_levels = requirement_arrays(org.pos_requirements)
        self.region_km = distance_matrix(preset.all_regions())

    def set_freeze(self, start: date, end: date) -> None:
        """Freeze periods overlapping [start, end] (exported, and read by :meth:`frozen`)."""
        self.freeze = self.preset.freeze_periods(start, end)
        codes = [r.code for r in self.preset.all_regions()]
        self._freeze_idx = [
            (codes.index(c), day_number(s), day_number(e)) for c, s, e, _ in self.freeze
        ]

    def frozen(self, day: int) -> np.ndarray:
        """Regions (all_regions order) in a freeze period on ``day``."""
        out = np.zeros(len(self.preset.all_regions()), dtype=bool)
        for region, start, end in self._freeze_idx:
            if start <= day <= end:
                out[region] = True
        return out

    def run(self, progress: Progress | None = None) -> SimulationResult:
        """Simulate every year of the window and pick the people in service at export."""
        start = self.entrants.create(
            start_slots(self.org, int(self.n * START_HEADCOUNT), self.rng),
            self.start_day,
            "start",
            self.rng,
        )
        self.entrants.prewindow_ranks(start, self.start_day)
        self.hires = self._plan_hires(start)
        for k, year in enumerate(self.years):
            self._run_year(year)
            if progress is not None:
                progress(k + 1, len(self.years))
        return self.finish()

    def finish(self) -> SimulationResult:
        """Retirements due by the export day, the other exits, and the export snapshot."""
        self._advance(self.end_day)
        survivors = self._survivors()
        history = CareerHistory(self.pop.events(self.org, self.end_day), len(self.org.units))
        snapshot = yearly.export_snapshot(
            self.pop, self.org, history, survivors, self.end_day, self.rng
        )
        return SimulationResult(
            self.pop,
            self.org,
            survivors,
            snapshot,
            self.start_day,
            self.end_day,
            self.restructure_day,
            self.freeze,
        )

    def _plan_hires(self, start: np.ndarray) -> list[Hiring]:
        """TMT waves that bring the headcount at export to a little above the target: PPPK are
        17-22% of it (from 2021), CPNS replace the rest of those who retire."""
        leaving = int((self.pop.retire[start] <= self.end_day).sum())
        pppk = round(self.n * self.rng.uniform(0.17, 0.22)) if self.years[-1] >= 2021 else 0
        total = max(int(np.ceil(self.n * EXPORT_MARGIN)) - (start.size - leaving), 0)
        pns = max(total - pppk, int(0.04 * self.n))
        return hire_plan(self.years, self.end_day, pns, pppk, self.rng)

    def _survivors(self, day: int | None = None) -> np.ndarray:
        """People in service at export (or on ``day``); beyond the target headcount the excess
        leaves (other exits: resignation, death, transfer out of the pemda)."""
        day = self.end_day if day is None else day
        survivors = self.pop.active(day)
        if survivors.size > self.n:
            drop = self.rng.choice(survivors, survivors.size - self.n, replace=False)
            self.pop.gone[drop] = True
            survivors = self.pop.active(day)
        return survivors

    def _run_year(self, year: int) -> None:
        first = day_number(date(year, 1, 2))
        last = min(day_number(date(year, 12, 28)), self.end_day)
        if first > self.end_day:
            return
        history = CareerHistory(self.pop.events(self.org, first), len(self.org.units))
        yearly.sanctions(self.pop, first, last, self.rng)
        yearly.assessments(self.pop, self.org, history, first, last, self.rng)
        yearly.preferences(self.pop, self.org, self.fit, first, last, self.rng)
        # (day, order on that day, handler): waves first, the restructuring last.
        events: list[tuple[int, int, Callable[[int], object]]] = []
        events += [
            (h.day, 0, partial(self._hire, wave=h))
            for h in self.hires
            if first - 1 <= h.day <= last
        ]
        events += [
            (int(day_of_period(q)), 1, partial(self._ranks, q=q)) for q in (2 * year, 2 * year + 1)
        ]
        batches = self._batch_days(year, first, last)
        pns_live = self.pop.active(first)
        target = round(
            self.rng.uniform(0.085, 0.115) * (~self.pop.pppk[pns_live]).sum() / max(len(batches), 1)
        )
        events += [(d, 2, partial(self._batch, target=target)) for d in batches]
        if day_number(date(year, 12, 31)) <= self.end_day:
            events.append((day_number(date(year, 7, 1)), 3, partial(self._skp, year=year)))
        if first <= self.restructure_day <= last:
            events.append((self.restructure_day, 4, self._restructure))
        for day, _, handle in sorted(events, key=lambda e: (e[0], e[1])):
            if day <= self.end_day:
                self._advance(day)
                handle(day)

    def _batch(self, day: int, target: int) -> None:
        self.policy.batch(day, self.frozen(day), target)

    def _batch_days(self, year: int, first: int, last: int) -> list[int]:
        """Up to three SK days; a day frozen everywhere moves before or after the freeze."""
        jan1 = day_number(date(year, 1, 1))
        days = set()
        all_regions = np.ones(len(self.preset.regions), dtype=bool)
        for lo, hi in BATCH_WINDOWS:
            d = jan1 + int(self.rng.integers(lo, hi))
            step = -1
            while first <= d <= last and self.frozen(d)[: len(all_regions)].all():
                d += step
                if d < first:
                    d, step = jan1 + hi, 1
            if first <= d <= last:
                days.add(d)
        return sorted(days)

    def _advance(self, day: int) -> None:
        """Retirements and graduations due by ``day``."""
        pop = self.pop
        n = pop.n
        out = np.flatnonzero(pop.hired[:n] & ~pop.gone[:n] & (pop.retire[:n] <= day))
        pop.gone[out] = True
        due = np.flatnonzero(pop.hired[:n] & ~pop.gone[:n] & (pop.upg_day[:n] <= day))
        if due.size:
            pop.level[due], pop.field_[due] = pop.upg_level[due], pop.upg_field[due]
            pop.grad_q[due] = period_of_day(pop.upg_day[due])
            pop.logs.edu.append(
                (due, pop.upg_day[due].copy(), pop.upg_level[due].copy(), pop.upg_field[due].copy())
            )
            pop.upg_day[due] = NO_END

    def _hire(self, day: int, wave: Hiring) -> None:
        occ = self.pop.occupancy(self.org.n_positions)
        slots = hire_slots(self.org, occ, day, wave.count, wave.pppk, self.rng)
        self.entrants.create(slots, day, "pppk" if wave.pppk else "pns", self.rng)

    def _ranks(self, day: int, q: int) -> None:
        pop = self.pop
        live = pop.active(day)
        live = live[~pop.pppk[live]]
        interval = np.where(
            self.rng.random(live.size) < 0.85, PROMOTION_PERIODS, PROMOTION_PERIODS + 2
        )
        changed = promote(
            pop.gol,
            pop.next_q,
            q,
            live,
            pop.level,
            pop.grad_q,
            self.org.pos_ceiling[pop.pos[live]],
            pop.sanctioned(live, day),
            interval,
        )
        pop.logs.rank.add(changed, day, pop.gol[changed])

    def _skp(self, day: int, year: int) -> None:
        """Draw the year's SKP of everyone in service on 1 July from the outcome model."""
        pop = self.pop
        persons = pop.active(day)
        positions = pop.pos[persons]
        ctx = self.context(CareerHistory(pop.events(self.org, day), len(self.org.units)))
        index = self.model.index(ctx.inputs(persons, positions, day))
        realised = index + self.model.noise_sd * self.skp_noise(persons, year)
        pop.logs.skp.append((persons, np.full(persons.size, year), positions, index, realised))

    def skp_noise(self, persons: np.ndarray, year: int) -> np.ndarray:
        """Standard normal noise of the year's SKP of ``persons``."""
        noise: np.ndarray = self.rng.normal(0.0, 1.0, persons.size)
        return noise

    def context(self, history: CareerHistory) -> OutcomeContext:
        """The outcome model's view of this population."""
        org = self.org
        return OutcomeContext(
            history=history,
            ability=self.pop.ability,
            home=self.pop.home,
            pos_unit=org.pos_unit,
            pos_sector=org.pos_sector,
            pos_region=org.pos_region,
            pos_min_edu=org.pos_min_edu,
            req_codes=self.req_codes,
            req_levels=self.req_levels,
            region_km=self.region_km,
            fit_matrix=self.fit,
        )

    def _restructure(self, day: int) -> None:
        """Holders of abolished posts take the successor post (penyetaraan jabatan)."""
        pop, org = self.pop, self.org
        live = pop.active(day)
        old = live[org.pos_active_until[pop.pos[live]] <= day]
        pop.move(org, old, org.pos_successor[pop.pos[old]], day, MUTASI)
