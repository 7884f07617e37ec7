"""The simulation carried on from a saved state: more calendar years of the same pemda.

:class:`ContinuedSimulation` is the generator's :class:`~features.synth.careers.Simulation` with
the people restored from ``_oracle/state/`` instead of drawn, its window extended, and three
changes: each continued year hires to replace who retires (CPNS and PPPK waves) and ends with
the other exits; in a year with given moves those moves are executed on their days instead of
the historical policy's batches; and SKP noise is keyed by person and year (:func:`skp_noise`),
so that the same person gets the same luck in every continuation of one source, whatever was
decided: policies compared on one province differ by their decisions, not by their draws.

:class:`ContinuedExporter` writes the tables as the generator does, except that people already
exported keep their NIP and name and transfers keep their id; new people and moves get new ones.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from features.synth.careers import Progress, Simulation, SimulationResult
from features.synth.entrants import Entrants, Hiring
from features.synth.given_moves import GivenMoves
from features.synth.outcome import StructuralModel
from features.synth.people import _random_number, make_nips
from features.synth.persist import SavedState
from features.synth.policy import PolicyParams, TransferPolicy
from features.synth.presets import Preset, day_number
from features.synth.state import Logs
from features.synth.tables import _Exporter

HIRE_MARGIN = 1.015  # hire a little above the headcount; the excess leaves at the year's end
PPPK_SHARE = (0.3, 0.45)  # of a year's hires (recent formasi split CPNS and PPPK)
_NEW_PERSON = np.uint64(1 << 62)  # noise key of someone without a NIP yet (above any NIP)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def day_to_date(day: int) -> date:
    """The date of a day number."""
    result: date = np.datetime64(int(day), "D").astype(date)
    return result


def _splitmix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a well-mixed 64-bit hash of each value."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        out: np.ndarray = z ^ (z >> np.uint64(31))
        return out


def skp_noise(keys: np.ndarray, year: int, seed: int) -> np.ndarray:
    """Standard normal draws keyed by (person key, year, seed): a counter-based generator, so
    the draw of one person does not depend on who else is drawn (Box-Muller on two hashes)."""
    with np.errstate(over="ignore"):
        salt = _splitmix(np.array([seed * 1_000_003 + year], dtype=np.uint64))[0]
        first = _splitmix(np.asarray(keys, dtype=np.uint64) ^ salt)
        second = _splitmix(first ^ _GOLDEN)
    scale = 2.0**-53
    u1 = ((first >> np.uint64(11)).astype(np.float64) + 0.5) * scale
    u2 = (second >> np.uint64(11)).astype(np.float64) * scale
    noise: np.ndarray = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return noise


class ContinuedSimulation(Simulation):
    """More years of a saved simulation; see the module docstring."""

    def __init__(
        self,
        preset: Preset,
        saved: SavedState,
        years: int,
        rng: np.random.Generator,
        model: StructuralModel,
        policy: PolicyParams,
        given: GivenMoves | None,
        noise_seed: int,
    ) -> None:
        meta = saved.meta
        self.source_end = day_to_date(meta["end_day"])
        end = date(self.source_end.year + years, 12, 31)
        n = int(meta["target_headcount"])
        super().__init__(
            preset, saved.org, n, end, int(meta["restructure_day"]), rng, model, policy
        )
        self.pop = saved.pop
        self.entrants = Entrants(saved.org, preset, self.pop, self.end_day)
        seat = preset.region_index(preset.seat)
        self.policy = TransferPolicy(saved.org, self.pop, self.fit, policy, seat, rng)
        self.years = range(self.source_end.year + 1, end.year + 1)
        self.start_day = int(meta["window_start_day"])
        self.set_freeze(day_to_date(self.start_day), end)
        self.given = given
        self.noise_seed = noise_seed
        known = np.full(self.pop.capacity, -1, dtype=np.int64)
        known[: saved.nips.size] = [int(v) for v in saved.nips]
        self._noise_key = known

    def run(self, progress: Progress | None = None) -> SimulationResult:
        """Every continued year, then the export snapshot."""
        for k, year in enumerate(self.years):
            self.hires = self._year_hires(year)
            self._run_year(year)
            if year < self.years[-1]:
                dec31 = day_number(date(year, 12, 31))
                self._advance(dec31)
                self._survivors(dec31)
            if progress is not None:
                progress(k + 1, len(self.years))
        return self.finish()

    def _given_year(self, year: int) -> bool:
        return self.given is not None and year == self.years[0]

    def _year_hires(self, year: int) -> list[Hiring]:
        """A CPNS and a PPPK wave that replace who retires this year, plus a small margin."""
        live = self.pop.active(day_number(date(year, 1, 1)))
        leaving = int((self.pop.retire[live] <= day_number(date(year, 12, 31))).sum())
        total = max(int(np.ceil(self.n * HIRE_MARGIN)) - (live.size - leaving), 0)
        pppk = round(total * self.rng.uniform(*PPPK_SHARE))
        waves = []
        for count, is_pppk in ((total - pppk, False), (pppk, True)):
            month = int(self.rng.integers(3, 8))
            if count > 0:
                waves.append(Hiring(day_number(date(year, month, 1)), count, is_pppk))
        return sorted(waves, key=lambda h: (h.day, h.pppk))

    def _run_year(self, year: int) -> None:
        if self._given_year(year):
            assert self.given is not None
            # Moves on 1-2 January come before the year's assessments and requests are drawn:
            # the mover starts the year in the new post, as a plan effective 1 January means.
            for day in self.given.days:
                if day <= day_number(date(year, 1, 2)):
                    self._advance(day)
                    self._execute(day)
        super()._run_year(year)

    def _batch_days(self, year: int, first: int, last: int) -> list[int]:
        if self._given_year(year):
            assert self.given is not None
            return [d for d in self.given.days if d > day_number(date(year, 1, 2))]
        return super()._batch_days(year, first, last)

    def _batch(self, day: int, target: int) -> None:
        if self._given_year(day_to_date(day).year):
            self._execute(day)
        else:
            super()._batch(day, target)

    def _execute(self, day: int) -> None:
        """The given moves effective on ``day``."""
        assert self.given is not None
        moves = self.given.on(day)
        if self.pop.gone[moves.person].any():
            raise RuntimeError(f"a given move on {day_to_date(day)} names someone who has left")
        for kind in np.unique(moves.kind):
            at = moves.kind == kind
            self.pop.move(self.org, moves.person[at], moves.target[at], day, int(kind))

    def skp_noise(self, persons: np.ndarray, year: int) -> np.ndarray:
        keys = self._noise_key[persons]
        keys = np.where(keys >= 0, keys, _NEW_PERSON.astype(np.int64) + persons)
        return skp_noise(keys.astype(np.uint64), year, self.noise_seed)


class ContinuedExporter(_Exporter):
    """The generator's exporter, keeping the NIPs, names and transfer ids already given."""

    def __init__(
        self,
        result: SimulationResult,
        preset: Preset,
        model: StructuralModel,
        rng: np.random.Generator,
        saved: SavedState,
    ) -> None:
        self.saved = saved
        self.n_known = saved.nips.size
        super().__init__(result, preset, model, rng)
        person, day = Logs.columns(self.r.pop.logs.transfer, 2)
        restored = saved.transfer_ids.size
        ids = np.empty(person.size, dtype=np.int64)
        ids[:restored] = saved.transfer_ids
        new = np.arange(restored, person.size)
        order = new[np.lexsort((person[new], day[new]))]
        start = int(saved.transfer_ids.max(initial=0)) + 1
        ids[order] = start + np.arange(order.size)
        self.all_transfer_ids = ids

    def draw_nips(self, persons: np.ndarray) -> np.ndarray:
        out = np.empty(persons.size, dtype=object)
        old = persons < self.n_known
        out[old] = self.saved.nips[persons[old]]
        new = persons[~old]
        pop = self.r.pop
        drawn = make_nips(self.rng, pop.birth[new], pop.tmt[new], pop.female[new], pop.pppk[new])
        taken = set(self.saved.nips.tolist())
        for i, nip in enumerate(drawn):
            while nip in taken:
                nip = _random_number(self.rng)
            taken.add(nip)
            drawn[i] = nip
        out[~old] = drawn
        return out

    def draw_names(self, persons: np.ndarray) -> np.ndarray:
        out = np.empty(persons.size, dtype=object)
        old = persons < self.n_known
        out[old] = self.saved.names[persons[old]]
        out[~old] = super().draw_names(persons[~old])
        return out

    def transfer_ids(self, rows: np.ndarray) -> list[str]:
        return [f"T{i:07d}" for i in self.all_transfer_ids[rows]]
