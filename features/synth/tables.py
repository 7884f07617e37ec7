"""From a finished simulation to contract tables and the oracle's own tables.

Only people in service on the export day are exported, in every table: the history of those who
retired or left would otherwise dangle (a transfer or an SKP row of an NIP that is not in
``employees``). Positions and units are exported whole, including abolished posts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.contract import (
    COMPETENCY_CODES,
    DISCIPLINE_LEVELS,
    EDUCATION_FIELDS,
    EDUCATION_LEVELS,
    PNS_GOLONGAN,
    POTENTIALS,
    PPPK_GOLONGAN,
    SECTORS,
    STATUSES,
    TRANSFER_KINDS,
    Table,
    column_names,
)
from features.synth.career_log import stints_from_moves
from features.synth.careers import SimulationResult
from features.synth.names import make_names
from features.synth.organisation import NO_END
from features.synth.outcome import StructuralModel
from features.synth.people import make_nips
from features.synth.presets import Preset
from features.synth.state import Logs

SCORE_LAST_YEAR = 2021  # PermenPANRB 6/2022: from 2022 only the predikat is kept


def dates(days: np.ndarray) -> pd.Series:
    """Day numbers as datetime64 (NaT for the open-ended sentinel)."""
    days = np.asarray(days, dtype=np.int64)
    open_ended = days >= NO_END
    stamps = np.where(open_ended, 0, days).astype("datetime64[D]").astype("datetime64[ns]")
    return pd.Series(stamps).where(~open_ended)


def codes(names: tuple[str, ...], idx: np.ndarray) -> np.ndarray:
    """Code names of integer indices."""
    return np.asarray(names, dtype=object)[np.asarray(idx, dtype=np.int64)]


def golongan_codes(grade: np.ndarray, pppk: np.ndarray) -> np.ndarray:
    """Golongan codes in each person's scheme (PNS I/a..IV/e, PPPK I..XVII)."""
    return np.where(
        pppk,
        codes(PPPK_GOLONGAN, np.where(pppk, grade, 0)),
        codes(PNS_GOLONGAN, np.where(pppk, 0, grade)),
    )


def exported_transfers(person: np.ndarray, day: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Rows of the transfer log that are exported (people kept), in export order (by day)."""
    k = keep[person]
    order = np.lexsort((person[k], day[k]))
    rows: np.ndarray = np.flatnonzero(k)[order]
    return rows


@dataclass
class Export:
    """Contract tables (by Table) and oracle tables (by file stem)."""

    tables: dict[Table, pd.DataFrame]
    oracle: dict[str, pd.DataFrame]


class _Exporter:
    """Builds the tables of one result; ``nip`` maps person index to NIP (None if not exported)."""

    def __init__(
        self,
        result: SimulationResult,
        preset: Preset,
        model: StructuralModel,
        rng: np.random.Generator,
    ) -> None:
        self.r, self.preset, self.model, self.rng = result, preset, model, rng
        pop, s = result.pop, result.survivors
        self.nip = np.full(pop.capacity, None, dtype=object)
        self.nip[s] = self.draw_nips(s)
        self.keep = np.zeros(pop.capacity, dtype=bool)
        self.keep[s] = True
        self.position_ids = result.org.positions["position_id"].to_numpy()
        self.unit_ids = result.org.units["unit_id"].to_numpy()
        self.region_codes = np.array([r.code for r in preset.all_regions()], dtype=object)

    def draw_nips(self, persons: np.ndarray) -> np.ndarray:
        """NIPs of ``persons`` (a continuation keeps the ones already given)."""
        pop = self.r.pop
        return make_nips(
            self.rng, pop.birth[persons], pop.tmt[persons], pop.female[persons], pop.pppk[persons]
        )

    def draw_names(self, persons: np.ndarray) -> np.ndarray:
        """Names of ``persons`` (a continuation keeps the ones already given)."""
        pop = self.r.pop
        return make_names(
            self.rng, self.preset.key, pop.female[persons], pop.level[persons], pop.field_[persons]
        )

    def transfer_ids(self, rows: np.ndarray) -> list[str]:
        """Ids of transfer log ``rows`` (in export order): T0000001, T0000002, ..."""
        return [f"T{i + 1:07d}" for i in range(rows.size)]

    def frame(
        self, table: Table, columns: dict[str, object], sort: list[str] | None = None
    ) -> pd.DataFrame:
        out = pd.DataFrame(columns, columns=column_names(table))
        return out.sort_values(sort, kind="stable", ignore_index=True) if sort else out

    def employees(self) -> pd.DataFrame:
        pop, s, snap = self.r.pop, self.r.survivors, self.r.snapshot
        potential = snap["potential"]
        return self.frame(
            Table.EMPLOYEES,
            {
                "nip": self.nip[s],
                "name": self.draw_names(s),
                "birth_date": dates(pop.birth[s]),
                "gender": np.where(pop.female[s], "P", "L"),
                "employment_type": np.where(pop.pppk[s], "PPPK", "PNS"),
                "tmt_cpns": dates(pop.tmt[s]),
                "golongan": golongan_codes(pop.gol[s], pop.pppk[s]),
                "education_level": codes(EDUCATION_LEVELS, pop.level[s]),
                "education_field": codes(EDUCATION_FIELDS, pop.field_[s]),
                "position_id": self.position_ids[pop.pos[s]],
                "position_start_date": dates(pop.pos_start[s]),
                "home_region_code": self.region_codes[pop.home[s]],
                "status": codes(STATUSES, snap["status"]),
                "discipline_level": codes(DISCIPLINE_LEVELS, snap["discipline"]),
                "discipline_until": dates(snap["discipline_until"]),
                "potential": pd.Series(codes(POTENTIALS, np.maximum(potential, 0))).where(
                    potential >= 0
                ),
            },
        )

    def performance(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The performance table and the oracle's noise-free index of each SKP."""
        person, year, pos, index, realised = Logs.columns(self.r.pop.logs.skp, 5)
        k = self.keep[person]
        nip, year, realised = self.nip[person[k]], year[k].astype(np.int64), realised[k]
        rating = self.model.rating_code(realised)
        score = np.where(year <= SCORE_LAST_YEAR, self.model.score(realised), np.nan)
        table = self.frame(
            Table.PERFORMANCE,
            {"nip": nip, "year": year, "rating": rating, "score": score},
            ["nip", "year"],
        )
        skp = pd.DataFrame(
            {
                "nip": nip,
                "year": year,
                "position_id": self.position_ids[pos[k]],
                "index": index[k],
                "rating": rating,
            }
        )
        return table, skp

    def transfers(self) -> pd.DataFrame:
        person, day, src, dst, kind = Logs.columns(self.r.pop.logs.transfer, 5)
        pick = exported_transfers(person, day, self.keep)
        return self.frame(
            Table.TRANSFERS,
            {
                "transfer_id": self.transfer_ids(pick),
                "nip": self.nip[person[pick]],
                "effective_date": dates(day[pick]),
                "from_position_id": self.position_ids[src[pick]],
                "to_position_id": self.position_ids[dst[pick]],
                "kind": codes(TRANSFER_KINDS, kind[pick]),
            },
        )

    def rank_history(self) -> pd.DataFrame:
        person, day, grade = self.r.pop.logs.rank.arrays()
        k = self.keep[person]
        pppk = self.r.pop.pppk[person[k]]
        out = self.frame(
            Table.RANK_HISTORY,
            {
                "nip": self.nip[person[k]],
                "golongan": golongan_codes(grade[k], pppk),
                "tmt": dates(day[k]),
            },
        )
        out = out.drop_duplicates(["nip", "tmt"], keep="last")
        return out.sort_values(["nip", "tmt"], kind="stable", ignore_index=True)

    def education(self) -> pd.DataFrame:
        person, day, level, field = Logs.columns(self.r.pop.logs.edu, 4)
        k = self.keep[person] & (day <= self.r.end_day)
        return self.frame(
            Table.EDUCATION_HISTORY,
            {
                "nip": self.nip[person[k]],
                "education_level": codes(EDUCATION_LEVELS, level[k]),
                "education_field": codes(EDUCATION_FIELDS, field[k]),
                "graduation_date": dates(day[k]),
            },
            ["nip", "graduation_date"],
        )

    def competencies(self) -> pd.DataFrame:
        person, day, code, level = Logs.columns(self.r.pop.logs.comp, 4)
        k = self.keep[person] & (day <= self.r.end_day)
        return self.frame(
            Table.COMPETENCY_ASSESSMENTS,
            {
                "nip": self.nip[person[k]],
                "assessed_on": dates(day[k]),
                "code": codes(COMPETENCY_CODES, code[k]),
                "level": level[k].astype(np.int64),
            },
            ["nip", "assessed_on", "code"],
        )

    def preferences(self) -> pd.DataFrame:
        person, day, unit, priority = Logs.columns(self.r.pop.logs.pref, 4)
        k = self.keep[person] & (day <= self.r.end_day)
        return self.frame(
            Table.PREFERENCES,
            {
                "nip": self.nip[person[k]],
                "submitted_on": dates(day[k]),
                "unit_id": self.unit_ids[unit[k]],
                "priority": priority[k].astype(np.int64),
            },
            ["nip", "submitted_on", "priority"],
        )

    def freeze_periods(self) -> pd.DataFrame:
        rows = [(c, pd.Timestamp(a), pd.Timestamp(b), why) for c, a, b, why in self.r.freeze]
        return pd.DataFrame(rows, columns=column_names(Table.FREEZE_PERIODS))

    def stints(self) -> pd.DataFrame:
        """Who held which post when (the oracle's source of sector experience)."""
        person, day, pos = Logs.columns(self.r.pop.logs.start, 3)
        k = self.keep[person]
        p, start, end, post = stints_from_moves(person[k], day[k], pos[k])
        return pd.DataFrame(
            {
                "nip": self.nip[p],
                "start": dates(start),
                "end": dates(end),
                "position_id": self.position_ids[post],
                "sector": codes(SECTORS, self.r.org.pos_sector[post]),
            }
        )


def build_export(
    result: SimulationResult,
    preset: Preset,
    model: StructuralModel,
    rng: np.random.Generator,
    exporter: _Exporter | None = None,
) -> Export:
    """Contract and oracle tables of the people in service at export (``exporter``: one that
    keeps earlier identities, for a continuation)."""
    ex = exporter or _Exporter(result, preset, model, rng)
    org, s = result.org, result.survivors
    performance, skp = ex.performance()
    education, competencies, preferences = ex.education(), ex.competencies(), ex.preferences()
    tables = {
        Table.UNITS: org.units.assign(instansi_code=preset.instansi_code),
        Table.POSITIONS: org.positions,
        Table.EMPLOYEES: ex.employees(),
        Table.PERFORMANCE: performance,
        Table.TRANSFERS: ex.transfers(),
        Table.RANK_HISTORY: ex.rank_history(),
        Table.EDUCATION_HISTORY: education,
        Table.COMPETENCY_ASSESSMENTS: competencies,
        Table.PREFERENCES: preferences,
        Table.FREEZE_PERIODS: ex.freeze_periods(),
    }
    regions = preset.all_regions()
    oracle = {
        "people": pd.DataFrame(
            {
                "nip": ex.nip[s],
                "ability": result.pop.ability[s],
                "home_region_code": ex.region_codes[result.pop.home[s]],
            }
        ),
        "regions": pd.DataFrame(
            {
                "region_code": ex.region_codes,
                "lat": [r.lat for r in regions],
                "lon": [r.lon for r in regions],
            }
        ),
        "units": org.units[["unit_id", "sector", "region_code"]],
        "positions": org.positions[
            ["position_id", "unit_id", "min_education_level", "competency_requirements"]
        ],
        "education": education.rename(columns={"graduation_date": "day"}),
        "competencies": competencies.rename(columns={"assessed_on": "day"}),
        "preferences": preferences[["nip", "submitted_on", "unit_id"]].rename(
            columns={"submitted_on": "day"}
        ),
        "stints": ex.stints(),
        "skp": skp,
    }
    return Export(tables, oracle)
