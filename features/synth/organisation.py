"""Units (unit kerja) and positions (jabatan) of a simulated pemda, sized to its headcount.

Head offices of all 20 sectors sit in the capital; field offices (UPTD: schools, hospitals,
Samsat, forest management units...) are spread over the regions by population. Each unit gets
structural posts by its size and one position per rung of each job family it employs, with an
ABK headcount. Pengawas posts of the bidang ("Kepala Seksi") belong to the structure before the
2021-2022 penyederhanaan birokrasi: they exist until the restructuring date and are exported with
``is_active = false``; their holders then move to a fungsional post of the same unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.contract import (
    EDUCATION_FIELDS,
    EDUCATION_RANK,
    JABATAN_TYPES,
    PNS_GOLONGAN_RANK,
    SECTORS,
    Table,
    column_names,
)
from features.synth.jabatan import (
    ADMINISTRATOR,
    FAMILIES,
    JPT_MADYA,
    JPT_PRATAMA,
    OFFICE_GENERIC,
    PENGAWAS,
    UPTD_GENERIC,
    Rung,
)
from features.synth.presets import Preset
from features.synth.sectors import SectorProfile, check_profiles, profiles_for
from features.taxonomy import load_taxonomy

ABK_RATIO = 1.06  # total ABK need over the headcount at export: pemda are short overall
NO_END = np.iinfo(np.int64).max // 4

# Move classes: pelaksana share one class (they move across families); structural tiers one each.
CLASS_PELAKSANA, CLASS_JPT, CLASS_ADMIN, CLASS_PENGAWAS = 0, 1, 2, 3
FIRST_FAMILY_CLASS = 4
TIER_OF_TYPE: dict[str, int] = {
    "jpt_madya": 0, "jpt_pratama": 0, "administrator": 1, "pengawas": 2,
    "fungsional_ahli_utama": 3, "fungsional_ahli_madya": 3, "fungsional_ahli_muda": 3,
    "fungsional_ahli_pertama": 3, "fungsional_penyelia": 4, "fungsional_mahir": 4,
    "fungsional_terampil": 4, "fungsional_pemula": 4, "pelaksana": 5,
}  # fmt: skip
BUP_OF_TYPE: dict[str, int] = {"jpt_madya": 60, "jpt_pratama": 60, "fungsional_ahli_madya": 60,
                               "fungsional_ahli_utama": 65}  # fmt: skip
BIDANG = ("Perencanaan dan Program", "Pelayanan", "Pengembangan", "Pengendalian dan Evaluasi")


@dataclass
class _Unit:
    name: str
    sector: str
    region: str
    parent: int | None
    kind: str  # office, biro, bagian, uptd, kecamatan
    staff: float
    families: tuple[tuple[str, float], ...]


@dataclass
class _Post:
    unit: int
    title: str
    rung: Rung
    family: str | None
    rung_index: int
    abk: int
    old: bool = False


@dataclass
class Organisation:
    """Units and positions as contract frames plus the arrays the simulation indexes by number."""

    units: pd.DataFrame
    positions: pd.DataFrame
    unit_sector: np.ndarray
    unit_region: np.ndarray  # index into preset.all_regions()
    pos_unit: np.ndarray
    pos_sector: np.ndarray
    pos_region: np.ndarray
    pos_type: np.ndarray  # index into JABATAN_TYPES
    pos_tier: np.ndarray  # 0 JPT, 1 administrator, 2 pengawas, 3 ahli, 4 keterampilan, 5 pelaksana
    pos_class: np.ndarray  # move class (see CLASS_*)
    pos_min_gol: np.ndarray  # PNS golongan rank, -1 = none
    pos_min_edu: np.ndarray  # education rank, -1 = none
    pos_ceiling: np.ndarray  # highest PNS golongan rank reachable in the post
    pos_bup: np.ndarray
    pos_abk: np.ndarray  # ABK need while the post exists (old posts: 1 until restructuring)
    pos_active_until: np.ndarray  # day number; NO_END for current posts
    pos_next_rung: np.ndarray  # same unit and family, next jenjang; -1 = none
    pos_successor: np.ndarray  # where the holder of an old post goes at restructuring; -1 = none
    pos_women: np.ndarray  # share of women in the family
    pos_fields: list[tuple[str, ...]] = field(default_factory=list)
    pos_requirements: list[dict[str, int]] = field(default_factory=list)

    @property
    def n_positions(self) -> int:
        """Number of positions, old ones included."""
        return len(self.pos_unit)


def _short(region_name: str) -> str:
    return region_name.replace("Kabupaten ", "").replace("Kota ", "")


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder integers summing to ``total`` in proportion to ``weights``."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    quota = total * weights / weights.sum()
    base: np.ndarray = np.floor(quota).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:rest]] += 1
    return base


def _sector_units(
    profile: SectorProfile, staff: float, first: int, preset: Preset, rng: np.random.Generator
) -> list[_Unit]:
    """Head offices and field offices of one sector; ``first`` is the index its first head
    office will have, the parent of its field offices."""
    uptd = profile.uptd
    n_uptd = 0 if uptd is None else round(staff * (1 - profile.office_share) / uptd.size)
    office_staff = staff if n_uptd == 0 else staff * profile.office_share
    units: list[_Unit] = []
    shares = rng.uniform(0.8, 1.2, len(profile.offices))
    shares /= shares.sum()
    for name, share in zip(profile.offices, shares, strict=True):
        kind = (
            "biro"
            if name.startswith("Biro ")
            else "bagian"
            if name.startswith("Bagian ")
            else "office"
        )
        units.append(
            _Unit(name, profile.sector, preset.seat, None, kind, office_staff * share,
                  profile.families + OFFICE_GENERIC)
        )  # fmt: skip
    if uptd is not None and n_uptd > 0:
        weights = np.array([r.weight for r in preset.regions])
        per_region = _allocate(n_uptd, weights)
        sizes = rng.uniform(0.75, 1.25, n_uptd)
        sizes *= staff * (1 - profile.office_share) / sizes.sum()
        k = 0
        for region, count in zip(preset.regions, per_region, strict=True):
            for n in range(1, int(count) + 1):
                name = uptd.pattern.format(n=n, region=_short(region.name))
                units.append(
                    _Unit(name, profile.sector, region.code, first, "uptd", float(sizes[k]),
                          uptd.families + UPTD_GENERIC)
                )  # fmt: skip
                k += 1
    return units


def _kecamatan_units(preset: Preset, staff: float) -> list[_Unit]:
    families = (("adm_umum", 0.45), ("pengelola_data", 0.2), ("analis_kebijakan", 0.15),
                ("pengelola_program", 0.1), ("pengelola_keuangan", 0.1))  # fmt: skip
    each = staff / max(len(preset.subdistricts), 1)
    return [
        _Unit(f"Kecamatan {s}", "umum", preset.seat, None, "kecamatan", each, families)
        for s in preset.subdistricts
    ]


def _structural(unit: _Unit, index: int, preset: Preset) -> list[_Post]:
    """Structural posts of a unit, by its kind and size (old Kepala Seksi included)."""
    name, staff = unit.name, unit.staff
    posts: list[_Post] = []

    def add(title: str, rung: Rung, old: bool = False) -> None:
        posts.append(_Post(index, title, rung, None, 0, 1, old))

    if unit.kind == "office":
        if name == "Sekretariat Daerah":
            add("Sekretaris Daerah", JPT_MADYA if preset.level == "provinsi" else JPT_PRATAMA)
            return posts
        head = {"Sekretariat DPRD": "Sekretaris DPRD", "Inspektorat Daerah": "Inspektur"}
        add(head.get(name, f"Kepala {name}"), JPT_PRATAMA)
        if staff >= 12:
            add(f"Sekretaris {name}", ADMINISTRATOR)
        n_bidang = int(np.clip(round(staff / 30), 1, 4))
        for b in BIDANG[:n_bidang]:
            if name == "Inspektorat Daerah":
                add(f"Inspektur Pembantu {b}", ADMINISTRATOR)
            else:
                add(f"Kepala Bidang {b}", ADMINISTRATOR)
            add(f"Kepala Seksi {b}", PENGAWAS, old=True)
        add("Kepala Subbagian Umum dan Kepegawaian", PENGAWAS)
        if staff >= 40:
            add("Kepala Subbagian Keuangan dan Aset", PENGAWAS)
    elif unit.kind in ("biro", "bagian"):
        add(f"Kepala {name}", JPT_PRATAMA if unit.kind == "biro" else ADMINISTRATOR)
        n_bagian = int(np.clip(round(staff / 25), 1, 3))
        sub = "Bagian" if unit.kind == "biro" else "Subbagian"
        for b in BIDANG[:n_bagian]:
            add(f"Kepala {sub} {b}", ADMINISTRATOR if unit.kind == "biro" else PENGAWAS)
            if unit.kind == "biro":
                add(f"Kepala Subbagian {b}", PENGAWAS, old=True)
    elif unit.kind == "kecamatan":
        add(f"Camat {name.removeprefix('Kecamatan ')}", ADMINISTRATOR)
        add(f"Sekretaris {name}", ADMINISTRATOR)
        add("Kepala Seksi Pemerintahan", PENGAWAS)
        add("Kepala Seksi Ketenteraman dan Ketertiban Umum", PENGAWAS)
    else:  # uptd
        if staff >= 80:
            add(f"Direktur {name}", ADMINISTRATOR)
            add("Kepala Bidang Pelayanan", ADMINISTRATOR)
            add("Kepala Subbagian Tata Usaha", PENGAWAS)
        elif unit.sector == "pendidikan":
            add(f"Kepala Tata Usaha {name}", PENGAWAS)
        else:
            add(f"Kepala {name}", PENGAWAS)
    return posts


def _family_posts(unit: _Unit, index: int, n_structural: int) -> list[_Post]:
    """One post per (family, rung) with ABK need from the unit's remaining headcount."""
    remaining = max(round(unit.staff) - n_structural, 1)
    keys, rungs, quotas = [], [], []
    for key, weight in unit.families:
        fam = FAMILIES[key]
        for r, rung in enumerate(fam.rungs):
            keys.append(key)
            rungs.append(r)
            quotas.append(weight * rung.share)
    abk = _allocate(remaining, np.asarray(quotas))
    posts = []
    for key, r, need in zip(keys, rungs, abk, strict=True):
        if need <= 0:
            continue
        fam = FAMILIES[key]
        rung = fam.rungs[r]
        posts.append(_Post(index, fam.title + rung.suffix, rung, key, r, int(need)))
    return posts


def _units(preset: Preset, n_employees: int, rng: np.random.Generator) -> list[_Unit]:
    profiles = profiles_for(preset.level)
    total = n_employees * ABK_RATIO
    weights = np.array([p.weight for p in profiles])
    weights /= weights.sum()
    units: list[_Unit] = []
    for profile, w in zip(profiles, weights, strict=True):
        staff = total * w
        if profile.sector == "umum" and preset.subdistricts:
            units += _kecamatan_units(preset, staff * 0.35)
            staff *= 0.65
        units += _sector_units(profile, staff, len(units), preset, rng)
    setda = next(i for i, u in enumerate(units) if u.name == "Sekretariat Daerah")
    for u in units:
        if u.kind in ("biro", "bagian"):
            u.parent = setda
    return units


def _requirements(rung: Rung, sector: str) -> dict[str, int]:
    req = {"manajerial": rung.manajerial, "sosiokultural": rung.sosiokultural}
    req[f"teknis_{sector}"] = rung.teknis
    return {k: v for k, v in req.items() if v > 0}


def build_organisation(
    preset: Preset, n_employees: int, restructure_day: int, rng: np.random.Generator
) -> Organisation:
    """Units and positions for a pemda of ``n_employees`` (headcount at export)."""
    check_profiles()
    taxonomy = load_taxonomy()
    units = _units(preset, n_employees, rng)
    posts: list[_Post] = []
    for i, unit in enumerate(units):
        structural = _structural(unit, i, preset)
        posts += structural + _family_posts(unit, i, sum(not p.old for p in structural))
    region_codes = [r.code for r in preset.all_regions()]
    unit_ids = [f"U{i + 1:05d}" for i in range(len(units))]
    units_frame = pd.DataFrame(
        {
            "unit_id": unit_ids,
            "name": [u.name for u in units],
            "sector": [u.sector for u in units],
            "region_code": [u.region for u in units],
            "parent_unit_id": [unit_ids[u.parent] if u.parent is not None else None for u in units],
        },
        columns=column_names(Table.UNITS),
    )
    n = len(posts)
    pos_unit = np.array([p.unit for p in posts], dtype=np.int64)
    unit_sector = np.array([SECTORS.index(u.sector) for u in units], dtype=np.int64)
    unit_region = np.array([region_codes.index(u.region) for u in units], dtype=np.int64)
    family_classes: dict[tuple[str, int], int] = {}
    pos_class = np.empty(n, dtype=np.int64)
    for k, p in enumerate(posts):
        tier = TIER_OF_TYPE[p.rung.jabatan_type]
        if tier < 3:
            pos_class[k] = CLASS_JPT + tier
        elif tier == 5:
            pos_class[k] = CLASS_PELAKSANA
        else:
            key = (p.family or "", p.rung_index)
            pos_class[k] = family_classes.setdefault(key, FIRST_FAMILY_CLASS + len(family_classes))
    fields: list[tuple[str, ...]] = []
    requirements: list[dict[str, int]] = []
    for p in posts:
        sector = units[p.unit].sector
        if p.family is None:
            fit = taxonomy.matrix[:, SECTORS.index(sector)] >= taxonomy.levels["related"]
            fields.append(tuple(f for f, ok in zip(EDUCATION_FIELDS, fit, strict=True) if ok))
        else:
            fields.append(FAMILIES[p.family].fields)
        requirements.append(_requirements(p.rung, sector))
    # Old posts exist until the restructuring; without one in the window they are still current.
    active_until = np.where([p.old for p in posts], min(restructure_day, NO_END), NO_END)
    active_until = active_until.astype(np.int64)
    next_rung = np.full(n, -1, dtype=np.int64)
    successor = np.full(n, -1, dtype=np.int64)
    by_key = {(p.unit, p.family, p.rung_index): k for k, p in enumerate(posts) if p.family}
    for k, p in enumerate(posts):
        if p.family is not None:
            next_rung[k] = by_key.get((p.unit, p.family, p.rung_index + 1), -1)
    for k, p in enumerate(posts):
        if p.old:
            successor[k] = _successor(posts, k)
    positions = pd.DataFrame(
        {
            "position_id": [f"J{k + 1:06d}" for k in range(n)],
            "unit_id": [unit_ids[p.unit] for p in posts],
            "title": [p.title for p in posts],
            "jabatan_type": [p.rung.jabatan_type for p in posts],
            "min_golongan": [p.rung.min_golongan for p in posts],
            "min_education_level": [p.rung.min_education for p in posts],
            "education_fields": [";".join(f) if f else None for f in fields],
            "competency_requirements": [
                ";".join(f"{c}:{lv}" for c, lv in r.items()) if r else None for r in requirements
            ],
            "abk_need": np.where(active_until < NO_END, 0, [p.abk for p in posts]),
            "is_active": active_until >= NO_END,
        },
        columns=column_names(Table.POSITIONS),
    )
    return Organisation(
        units=units_frame,
        positions=positions,
        unit_sector=unit_sector,
        unit_region=unit_region,
        pos_unit=pos_unit,
        pos_sector=unit_sector[pos_unit],
        pos_region=unit_region[pos_unit],
        pos_type=np.array([JABATAN_TYPES.index(p.rung.jabatan_type) for p in posts]),
        pos_tier=np.array([TIER_OF_TYPE[p.rung.jabatan_type] for p in posts]),
        pos_class=pos_class,
        pos_min_gol=np.array(
            [PNS_GOLONGAN_RANK[p.rung.min_golongan] if p.rung.min_golongan else -1 for p in posts]
        ),
        pos_min_edu=np.array(
            [EDUCATION_RANK[p.rung.min_education] if p.rung.min_education else -1 for p in posts]
        ),
        pos_ceiling=np.array([PNS_GOLONGAN_RANK[p.rung.ceiling] for p in posts]),
        pos_bup=np.array([BUP_OF_TYPE.get(p.rung.jabatan_type, 58) for p in posts]),
        pos_abk=np.array([p.abk for p in posts], dtype=np.int64),
        pos_active_until=active_until,
        pos_next_rung=next_rung,
        pos_successor=successor,
        pos_women=np.array([FAMILIES[p.family].women if p.family else 0.28 for p in posts]),
        pos_fields=fields,
        pos_requirements=requirements,
    )


def _successor(posts: list[_Post], k: int) -> int:
    """A current post for the holder of an abolished pengawas post: an ahli muda post of the same
    unit if it has one (penyetaraan jabatan), else another current post of the unit, else the
    first current non-structural post of the pemda."""
    unit = posts[k].unit
    same = [j for j, p in enumerate(posts) if p.unit == unit and not p.old and p.family]
    muda = [j for j in same if posts[j].rung.jabatan_type == "fungsional_ahli_muda"]
    if muda:
        return muda[0]
    if same:
        return same[0]
    return next(j for j, p in enumerate(posts) if not p.old and p.family)
