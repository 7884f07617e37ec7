"""Yearly side events of a career: disciplinary sanctions, competency assessments, usulan mutasi;
and the snapshot fields at export (status, current sanction, talent potential).

Competency levels are what the assessments record and change only when someone is assessed, so
the assessment table *is* the truth the outcome model reads (an unassessed competency counts at
its default level, see timeline.DEFAULT_LEVEL).
"""

from __future__ import annotations

import numpy as np

from features.contract import COMPETENCY_CODES, EDUCATION_LEVELS, SECTORS
from features.synth.career_log import CareerHistory
from features.synth.organisation import NO_END, Organisation
from features.synth.state import Population

YEAR = 365.25
MANAJERIAL = COMPETENCY_CODES.index("manajerial")
SOSIOKULTURAL = COMPETENCY_CODES.index("sosiokultural")
TEKNIS = np.array([COMPETENCY_CODES.index(f"teknis_{s}") for s in SECTORS])
# Levels from which people typically go on tugas belajar (to S1, S2, S3).
STUDYING_FROM = [EDUCATION_LEVELS.index(lv) for lv in ("D3", "S1", "S2")]


def _days_in(rng: np.random.Generator, n: int, first: int, last: int) -> np.ndarray:
    return first + rng.integers(0, max(last - first, 0) + 1, n)


def sanctions(pop: Population, first: int, last: int, rng: np.random.Generator) -> None:
    """Hukuman disiplin of the year (PP 94/2021): rare, likelier for weak performers."""
    live = pop.active(first)
    live = live[~pop.pppk[live]]
    p = 0.006 * np.exp(-0.6 * pop.ability[live])
    hit = live[rng.random(live.size) < p]
    day = _days_in(rng, hit.size, first, last)
    level = rng.choice([1, 2, 3], size=hit.size, p=[0.55, 0.3, 0.15])
    length = np.select([level == 1, level == 2], [182, 365], rng.integers(365, 3 * 365, hit.size))
    pop.sanction[hit], pop.sanction_start[hit], pop.sanction_until[hit] = level, day, day + length


def assessments(
    pop: Population,
    org: Organisation,
    history: CareerHistory,
    first: int,
    last: int,
    rng: np.random.Generator,
) -> None:
    """Assessment-centre results of the year for manajerial, sosiokultural and the technical
    competency of the current sector. Officials and recent movers are assessed more often."""
    live = pop.active(first)
    tier = org.pos_tier[pop.pos[live]]
    recent = first - pop.pos_start[live] < 365
    p = 0.12 + 0.35 * (tier <= 2) + 0.3 * recent
    who = live[rng.random(live.size) < p]
    if who.size == 0:
        return
    day = np.maximum(_days_in(rng, who.size, first, last), pop.tmt[who] + 1)
    keep = day <= last
    who, day = who[keep], day[keep]
    sector = org.pos_sector[pop.pos[who]]
    tier = org.pos_tier[pop.pos[who]]
    served = (day - pop.tmt[who]) / YEAR
    in_sector = history.sector_years(who, sector, day)
    ability = pop.ability[who]
    noise = rng.normal(0.0, 0.5, (3, who.size))
    manajerial = 1.5 + 0.35 * ability + 0.6 * (tier <= 1) + 0.3 * (tier == 2) + 0.03 * served
    sosiokultural = 2.1 + 0.3 * ability + 0.025 * served
    teknis = 1.2 + 0.6 * np.log1p(in_sector) + 0.3 * ability
    levels = np.clip(np.rint(np.vstack([manajerial, sosiokultural, teknis]) + noise), 1, 5)
    codes = np.vstack(
        [np.full(who.size, MANAJERIAL), np.full(who.size, SOSIOKULTURAL), TEKNIS[sector]]
    )
    for k in range(3):
        pop.logs.comp.append((who, day, codes[k], levels[k].astype(np.int64)))


def preferences(
    pop: Population,
    org: Organisation,
    fit: np.ndarray,
    first: int,
    last: int,
    rng: np.random.Generator,
) -> None:
    """Usulan mutasi: PNS working away from home ask more often; they list up to three units
    that employ their kind of post, leaning to their home region and to units they fit."""
    live = pop.active(first)
    live = live[~pop.pppk[live]]
    away = pop.home[live] != org.pos_region[pop.pos[live]]
    who = live[rng.random(live.size) < 0.03 + 0.08 * away]
    if who.size == 0:
        return
    day = _days_in(rng, who.size, first, last)
    cls = org.pos_class[pop.pos[who]]
    for c in np.unique(cls):
        group, gday = who[cls == c], day[cls == c]
        units = np.unique(org.pos_unit[org.pos_class == c])
        if units.size < 2:
            continue
        weight = np.exp(2.0 * fit[pop.field_[group][:, None], org.unit_sector[units][None, :]])
        weight *= 1.0 + 3.0 * (org.unit_region[units][None, :] == pop.home[group][:, None])
        weight *= units[None, :] != org.pos_unit[pop.pos[group]][:, None]
        keys = np.log(weight + 1e-300) + rng.gumbel(size=weight.shape)
        k = min(3, units.size - 1)
        part = np.argpartition(-keys, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(
            part, np.argsort(-np.take_along_axis(keys, part, axis=1), axis=1), axis=1
        )
        n_listed = rng.integers(1, k + 1, group.size)
        for priority in range(k):
            listed = n_listed > priority
            pop.logs.pref.append(
                (
                    group[listed],
                    gday[listed],
                    units[top[listed, priority]],
                    np.full(int(listed.sum()), priority + 1),
                )
            )
        pop.request_day[group] = gday
        pop.request_units[group] = -1
        for priority in range(k):
            listed = n_listed > priority
            pop.request_units[group[listed], priority] = units[top[listed, priority]]


def export_snapshot(
    pop: Population,
    org: Organisation,
    history: CareerHistory,
    persons: np.ndarray,
    end_day: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Status, current sanction and talent potential of ``persons`` on the export day."""
    n = persons.size
    level = pop.sanction[persons]
    in_force = (
        (level > 0)
        & (pop.sanction_start[persons] <= end_day)
        & (pop.sanction_until[persons] > end_day)
    )
    discipline = np.where(in_force, level, 0)
    until = np.where(in_force, pop.sanction_until[persons], NO_END)
    status = np.zeros(n, dtype=np.int64)  # aktif
    age = (end_day - pop.birth[persons]) / YEAR
    study = ~pop.pppk[persons] & (age < 45) & np.isin(pop.level[persons], STUDYING_FROM)
    status[study & (rng.random(n) < 0.02)] = 2  # tugas_belajar
    leave = rng.random(n) < np.where(pop.female[persons], 0.025, 0.006)
    status[leave & (status == 0)] = 1  # cuti
    status[(discipline == 3) & (rng.random(n) < 0.35)] = 3  # diberhentikan_sementara
    held = history.competency(persons, np.full(n, MANAJERIAL), np.full(n, end_day))
    talent = 0.6 * pop.ability[persons] + 0.25 * (held - 2) + rng.normal(0.0, 0.6, n)
    mapped = ~pop.pppk[persons] & (rng.random(n) < 0.7)
    potential = np.full(n, -1, dtype=np.int64)
    if mapped.any():
        lo, hi = np.quantile(talent[mapped], [0.25, 0.75])
        potential[mapped] = np.where(talent[mapped] < lo, 0, np.where(talent[mapped] > hi, 2, 1))
    return {
        "status": status,
        "discipline": discipline,
        "discipline_until": until,
        "potential": potential,
    }
