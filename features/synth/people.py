"""Who the employees are: education, degree fields, gender, age at hire, home region, NIP.

People are drawn *for a post*: the post's rung sets the education mix (a guru has a teacher's
degree, a pelaksana often only SMA) and, with probability ``p_fit``, the degree field comes from
the fields that fit the post; otherwise it is drawn from the population of degree fields (the
"wrong room" placements that make fit vary). The mixes are tuned so that the PNS snapshot at export
matches BKN's 2023 education statistics (docs/generator.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.contract import EDUCATION_FIELDS, EDUCATION_LEVELS, JABATAN_TYPES
from features.synth.organisation import Organisation
from features.synth.presets import Preset
from features.taxonomy import load_taxonomy

LV = {name: i for i, name in enumerate(EDUCATION_LEVELS)}
FIELD = {name: i for i, name in enumerate(EDUCATION_FIELDS)}
UMUM = FIELD["umum"]


def _mix(**shares: float) -> np.ndarray:
    row = np.zeros(len(EDUCATION_LEVELS))
    for name, share in shares.items():
        row[LV[name]] = share
    normalised: np.ndarray = row / row.sum()
    return normalised


# Education mix (final level) of the people in a post, by the post's profile.
LEVEL_MIX: dict[str, np.ndarray] = {
    "pelaksana_SD": _mix(SD=0.35, SMP=0.3, SMA=0.35),
    "pelaksana_SMA": _mix(
        SD=0.004, SMP=0.008, SMA=0.43, D1=0.02, D2=0.015, D3=0.08, D4=0.02, S1=0.4, S2=0.02
    ),
    "pelaksana_D3": _mix(D3=0.42, D4=0.06, S1=0.47, S2=0.05),
    "pelaksana_S1": _mix(S1=0.86, S2=0.14),
    "terampil_SMA": _mix(SMA=0.55, D1=0.02, D3=0.12, S1=0.29, S2=0.02),
    "terampil_D3": _mix(SMA=0.04, D1=0.02, D2=0.03, D3=0.45, D4=0.05, S1=0.39, S2=0.02),
    "ahli": _mix(D4=0.03, S1=0.805, S2=0.145, S3=0.02),
    "ahli_madya": _mix(S1=0.55, S2=0.4, S3=0.05),
    "ahli_utama": _mix(S2=0.55, S3=0.45),
    "pengawas": _mix(D3=0.05, D4=0.04, S1=0.7, S2=0.21),
    "administrator": _mix(S1=0.4, S2=0.57, S3=0.03),
    "jpt": _mix(S1=0.12, S2=0.76, S3=0.12),
}
PROFILES = tuple(LEVEL_MIX)
MIX_MATRIX = np.vstack([LEVEL_MIX[p] for p in PROFILES])

# Entry level of someone whose final level is the key: (entry level, probability) pairs; the
# rest entered with the final level and never upgraded.
ENTRY_OF_FINAL: dict[str, tuple[tuple[str, float], ...]] = {
    "S3": (("S2", 0.6), ("S1", 0.3)),
    "S2": (("S1", 0.85), ("D4", 0.03)),
    "S1": (("SMA", 0.14), ("D3", 0.12)),
    "D4": (("D3", 0.5),),
    "D3": (("SMA", 0.12),),
}
HIRE_AGE_BASE = np.array([19, 19, 19, 20, 21, 21, 22, 22, 25, 29], dtype=np.float64)

# Degree fields of the population, for placements that ignore fit.
POPULATION_FIELDS: dict[str, float] = {
    "pendidikan_guru": 0.2, "administrasi_publik": 0.12, "ekonomi_akuntansi": 0.1,
    "manajemen": 0.08, "hukum": 0.06, "ilmu_sosial_politik": 0.06, "pertanian": 0.05,
    "kesehatan_masyarakat": 0.04, "keperawatan_kebidanan": 0.04, "teknologi_informasi": 0.04,
    "teknik_sipil": 0.03, "teknik_lainnya": 0.02, "kehutanan_lingkungan": 0.02,
    "perikanan_kelautan": 0.02, "statistika_matematika": 0.02, "farmasi": 0.01,
    "kedokteran": 0.005, "peternakan": 0.01, "pariwisata": 0.01,
}  # fmt: skip
_POP_IDX = np.array([FIELD[f] for f in POPULATION_FIELDS])
_POP_P = np.array(list(POPULATION_FIELDS.values())) / sum(POPULATION_FIELDS.values())
_ADMIN_IDX = np.array([FIELD["administrasi_publik"], FIELD["manajemen"], FIELD["hukum"]])
_ADMIN_P = np.array([0.4, 0.35, 0.25])


def post_profiles(org: Organisation) -> np.ndarray:
    """Index into PROFILES of each position's education-mix profile."""
    out = np.empty(org.n_positions, dtype=np.int64)
    min_edu_name = {i: lv for lv, i in (("SD", 0), ("SMP", 1), ("SMA", 2), ("D3", 5), ("S1", 6))}
    for k in range(org.n_positions):
        jt = JABATAN_TYPES[org.pos_type[k]]
        tier = org.pos_tier[k]
        if tier == 0:
            key = "jpt"
        elif tier in (1, 2):
            key = jt
        elif tier == 3:
            key = {
                "fungsional_ahli_utama": "ahli_utama",
                "fungsional_ahli_madya": "ahli_madya",
            }.get(jt, "ahli")
        elif tier == 4:
            key = "terampil_SMA" if org.pos_min_edu[k] <= 2 else "terampil_D3"
        else:
            key = "pelaksana_" + min_edu_name.get(int(org.pos_min_edu[k]), "SMA")
        out[k] = PROFILES.index(key)
    return out


def preferred_fields(org: Organisation) -> tuple[np.ndarray, np.ndarray]:
    """Per position, padded field indices that fit it and their count: its own list, or the
    fields with core/related fit to its sector when it accepts any field."""
    taxonomy = load_taxonomy()
    related = taxonomy.levels["related"]
    lists = []
    for k in range(org.n_positions):
        own = org.pos_fields[k]
        if own:
            lists.append([FIELD[f] for f in own])
        else:
            col = taxonomy.matrix[:, org.pos_sector[k]]
            lists.append(
                [i for i in range(len(EDUCATION_FIELDS)) if col[i] >= related and i != UMUM]
            )
    width = max(len(x) for x in lists)
    table = np.full((len(lists), width), UMUM, dtype=np.int64)
    for k, x in enumerate(lists):
        table[k, : len(x)] = x
    return table, np.array([len(x) for x in lists])


def draw_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a row-stochastic matrix."""
    u = rng.random(len(probs))
    drawn: np.ndarray = np.minimum(
        (u[:, None] > np.cumsum(probs, axis=1)).sum(axis=1), probs.shape[1] - 1
    )
    return drawn


def draw_final_levels(rng: np.random.Generator, profiles: np.ndarray) -> np.ndarray:
    """Final (highest) education level index of people in posts of the given profiles."""
    return draw_categorical(rng, MIX_MATRIX[profiles])


def draw_entry_levels(rng: np.random.Generator, final: np.ndarray) -> np.ndarray:
    """Level at hire: lower than the final one for people who upgraded while in service."""
    entry = final.copy()
    u = rng.random(len(final))
    for fin, options in ENTRY_OF_FINAL.items():
        acc = 0.0
        for lv, p in options:
            pick = (final == LV[fin]) & (u >= acc) & (u < acc + p)
            entry[pick] = LV[lv]
            acc += p
    return entry


def draw_fields(
    rng: np.random.Generator,
    fields_table: tuple[np.ndarray, np.ndarray],
    positions: np.ndarray,
    levels: np.ndarray,
    p_fit: float,
) -> np.ndarray:
    """Degree field for each person: one that fits the post with probability ``p_fit``."""
    table, count = fields_table
    pick = np.minimum(
        (rng.random(len(positions)) * count[positions]).astype(np.int64), count[positions] - 1
    )
    fitting = table[positions, pick]
    random_field = rng.choice(_POP_IDX, size=len(positions), p=_POP_P)
    out = np.where(rng.random(len(positions)) < p_fit, fitting, random_field)
    return np.where(levels <= LV["SMA"], UMUM, out)


def draw_upgrade_fields(
    rng: np.random.Generator,
    fields_table: tuple[np.ndarray, np.ndarray],
    positions: np.ndarray,
    levels: np.ndarray,
    previous: np.ndarray,
) -> np.ndarray:
    """Field of a degree earned in service: often the same field or a public-administration /
    management / law programme, else one that fits the current post."""
    fitting = draw_fields(rng, fields_table, positions, levels, 1.0)
    admin = rng.choice(_ADMIN_IDX, size=len(positions), p=_ADMIN_P)
    u = rng.random(len(positions))
    same = (u < 0.4) & (previous != UMUM)
    out = np.where(same, previous, np.where(u < 0.75, admin, fitting))
    return np.where(levels <= LV["SMA"], UMUM, out)


def hire_age_years(rng: np.random.Generator, entry: np.ndarray, pppk: bool) -> np.ndarray:
    """Age at hire: young graduates for CPNS, older former honorer for PPPK."""
    if pppk:
        return np.minimum(24 + rng.gamma(3.0, 4.0, len(entry)), 55.0)
    ages: np.ndarray = HIRE_AGE_BASE[entry] + np.minimum(rng.gamma(2.0, 2.2, len(entry)), 14.0)
    return ages


def draw_home(rng: np.random.Generator, preset: Preset, unit_region: np.ndarray) -> np.ndarray:
    """Home region index: mostly the region of the first post, else anywhere by population
    (the capital weighs more: many grew up or settled there)."""
    regions = preset.all_regions()
    weights = np.array([r.weight * (1.5 if r.code == preset.seat else 1.0) for r in regions])
    elsewhere = rng.choice(len(regions), size=len(unit_region), p=weights / weights.sum())
    return np.where(rng.random(len(unit_region)) < 0.62, unit_region, elsewhere)


def _digits(days: np.ndarray, fmt: str) -> np.ndarray:
    """Day numbers formatted as digits (``%Y%m%d`` or ``%Y%m``)."""
    return np.asarray(
        pd.to_datetime(np.asarray(days, dtype=np.int64), unit="D").strftime(fmt), dtype=str
    )


def make_nips(
    rng: np.random.Generator,
    birth: np.ndarray,
    tmt: np.ndarray,
    female: np.ndarray,
    pppk: np.ndarray,
) -> np.ndarray:
    """Unique 18-digit numbers: PNS NIPs encode birth date, TMT CPNS month, gender and a serial;
    PPPK numbers are random digits without that meaning."""
    n = len(birth)
    prefix = np.char.add(
        np.char.add(_digits(birth, "%Y%m%d"), _digits(tmt, "%Y%m")), np.where(female, "2", "1")
    )
    order = rng.permutation(n)
    frame = pd.DataFrame({"prefix": prefix[order], "base": rng.integers(1, 400, n)})
    base = frame.groupby("prefix", sort=False)["base"].transform("first").to_numpy()
    serial = np.empty(n, dtype=np.int64)
    serial[order] = base + frame.groupby("prefix", sort=False).cumcount().to_numpy()
    nips = np.char.add(prefix, np.char.zfill(serial.astype(str), 3)).astype(object)
    taken = set(nips[~pppk].tolist())
    for i in np.flatnonzero(pppk):
        number = _random_number(rng)
        while number in taken:
            number = _random_number(rng)
        taken.add(number)
        nips[i] = number
    return nips


def _random_number(rng: np.random.Generator) -> str:
    return str(rng.integers(1, 10)) + "".join(map(str, rng.integers(0, 10, 17)))
