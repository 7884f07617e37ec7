"""The HR data contract v1 (docs/data-contract.md) as code: codes, tables, columns, typed frames.

Every module that reads or writes contract tables takes names, codes and dtypes from here, so
that the contract is stated once. A *typed frame* is what the loader returns after validation:

- ids, NIPs, names, region codes and list columns: pandas ``str`` dtype (missing = NA);
- dates: ``datetime64[ns]`` (missing = NaT);
- codes: ``pd.CategoricalDtype`` with the contract's categories, ordered where the contract
  orders them (education level, golongan, rating, discipline level, potential);
- ints: ``int64`` (never missing where required), floats: ``float64``; bools: ``bool``.

List columns (``education_fields``, ``competency_requirements``) stay ``;``-separated strings in
the frame; :func:`parse_education_fields` and :func:`parse_competency_requirements` read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import pandas as pd

CONTRACT_VERSION = "1"
# Longest cell (characters) validation accepts by default; the longest real values (titles,
# requirement lists) stay far below, so a longer one is an export fault or an attack.
MAX_CELL_LENGTH = 2_000

SECTORS: tuple[str, ...] = (
    "pendidikan", "kesehatan", "pertanian", "kelautan_perikanan", "pekerjaan_umum",
    "perhubungan", "lingkungan_hidup", "sosial", "kependudukan", "keuangan", "pendapatan",
    "perencanaan", "kepegawaian", "pengawasan", "komunikasi_informatika", "hukum",
    "pariwisata_kebudayaan", "perdagangan_industri", "ketertiban", "umum",
)  # fmt: skip

# D4 and S1 are equal in the contract; they share a rank in EDUCATION_RANK.
EDUCATION_LEVELS: tuple[str, ...] = ("SD", "SMP", "SMA", "D1", "D2", "D3", "D4", "S1", "S2", "S3")
EDUCATION_RANK: dict[str, int] = {
    "SD": 0, "SMP": 1, "SMA": 2, "D1": 3, "D2": 4, "D3": 5, "D4": 6, "S1": 6, "S2": 7, "S3": 8,
}  # fmt: skip

EDUCATION_FIELDS: tuple[str, ...] = (
    "pendidikan_guru", "kedokteran", "keperawatan_kebidanan", "kesehatan_masyarakat", "farmasi",
    "pertanian", "peternakan", "perikanan_kelautan", "kehutanan_lingkungan", "teknik_sipil",
    "teknik_lainnya", "teknologi_informasi", "ekonomi_akuntansi", "manajemen",
    "administrasi_publik", "hukum", "ilmu_sosial_politik", "statistika_matematika", "pariwisata",
    "umum",
)  # fmt: skip

PNS_GOLONGAN: tuple[str, ...] = (
    "I/a", "I/b", "I/c", "I/d", "II/a", "II/b", "II/c", "II/d",
    "III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b", "IV/c", "IV/d", "IV/e",
)  # fmt: skip
PPPK_GOLONGAN: tuple[str, ...] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
    "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)  # fmt: skip
# One categorical holds both schemes; order is meaningful only within a scheme.
GOLONGAN: tuple[str, ...] = PNS_GOLONGAN + PPPK_GOLONGAN
PNS_GOLONGAN_RANK: dict[str, int] = {g: i for i, g in enumerate(PNS_GOLONGAN)}

JABATAN_TYPES: tuple[str, ...] = (
    "jpt_madya", "jpt_pratama", "administrator", "pengawas",
    "fungsional_ahli_utama", "fungsional_ahli_madya", "fungsional_ahli_muda",
    "fungsional_ahli_pertama", "fungsional_penyelia", "fungsional_mahir",
    "fungsional_terampil", "fungsional_pemula", "pelaksana",
)  # fmt: skip
JPT_TYPES: frozenset[str] = frozenset({"jpt_madya", "jpt_pratama"})

EMPLOYMENT_TYPES: tuple[str, ...] = ("PNS", "PPPK")
GENDERS: tuple[str, ...] = ("L", "P")
STATUSES: tuple[str, ...] = ("aktif", "cuti", "tugas_belajar", "diberhentikan_sementara")
DISCIPLINE_LEVELS: tuple[str, ...] = ("none", "ringan", "sedang", "berat")
POTENTIALS: tuple[str, ...] = ("rendah", "menengah", "tinggi")
# Worst first so that the ordered categorical compares the right way (sangat_baik is the max);
# RATING_VALUE maps them to the 1..5 scale the model predicts in.
RATINGS: tuple[str, ...] = ("sangat_kurang", "kurang", "butuh_perbaikan", "baik", "sangat_baik")
RATING_VALUE: dict[str, int] = {
    "sangat_baik": 5, "baik": 4, "butuh_perbaikan": 3, "kurang": 2, "sangat_kurang": 1,
}  # fmt: skip
TRANSFER_KINDS: tuple[str, ...] = ("mutasi", "promosi", "permintaan_sendiri")
COMPETENCY_LEVELS = range(1, 6)
NON_TECHNICAL_COMPETENCIES: tuple[str, ...] = ("manajerial", "sosiokultural")
COMPETENCY_CODES: tuple[str, ...] = NON_TECHNICAL_COMPETENCIES + tuple(
    f"teknis_{s}" for s in SECTORS
)


class Table(StrEnum):
    """Contract tables."""

    UNITS = "units"
    POSITIONS = "positions"
    EMPLOYEES = "employees"
    PERFORMANCE = "performance"
    TRANSFERS = "transfers"
    RANK_HISTORY = "rank_history"
    EDUCATION_HISTORY = "education_history"
    COMPETENCY_ASSESSMENTS = "competency_assessments"
    PREFERENCES = "preferences"
    FREEZE_PERIODS = "freeze_periods"


REQUIRED_TABLES: tuple[Table, ...] = (
    Table.UNITS, Table.POSITIONS, Table.EMPLOYEES, Table.PERFORMANCE, Table.TRANSFERS,
)  # fmt: skip
OPTIONAL_TABLES: tuple[Table, ...] = (
    Table.RANK_HISTORY, Table.EDUCATION_HISTORY, Table.COMPETENCY_ASSESSMENTS,
    Table.PREFERENCES, Table.FREEZE_PERIODS,
)  # fmt: skip

Kind = Literal["str", "date", "code", "int", "float", "bool", "list"]


@dataclass(frozen=True)
class Column:
    """One contract column: its kind, whether a value is required, and its codes if coded."""

    name: str
    kind: Kind
    required: bool = True
    codes: tuple[str, ...] = ()
    ordered: bool = False


def _code(
    name: str, codes: tuple[str, ...], ordered: bool = False, required: bool = True
) -> Column:
    return Column(name, "code", required=required, codes=codes, ordered=ordered)


# Column order is the order tables are written in.
COLUMNS: dict[Table, tuple[Column, ...]] = {
    Table.UNITS: (
        Column("unit_id", "str"),
        Column("name", "str"),
        _code("sector", SECTORS),
        Column("region_code", "str"),
        Column("parent_unit_id", "str", required=False),
        # BPS code of the pemda employing the unit: 2 digits for a provincial government, the
        # 4-digit kab/kota code for a kabupaten/kota government. It decides who may approve a
        # move between two units (PP 11/2017 Pasal 191-193; features/rules.yaml authorities).
        Column("instansi_code", "str", required=False),
    ),
    Table.POSITIONS: (
        Column("position_id", "str"),
        Column("unit_id", "str"),
        Column("title", "str"),
        _code("jabatan_type", JABATAN_TYPES),
        _code("min_golongan", GOLONGAN, ordered=True, required=False),
        _code("min_education_level", EDUCATION_LEVELS, ordered=True, required=False),
        Column("education_fields", "list", required=False),
        Column("competency_requirements", "list", required=False),
        Column("abk_need", "int"),
        Column("is_active", "bool", required=False),
    ),
    Table.EMPLOYEES: (
        Column("nip", "str"),
        Column("name", "str", required=False),
        Column("birth_date", "date"),
        _code("gender", GENDERS),
        _code("employment_type", EMPLOYMENT_TYPES),
        Column("tmt_cpns", "date"),
        _code("golongan", GOLONGAN, ordered=True),
        _code("education_level", EDUCATION_LEVELS, ordered=True),
        _code("education_field", EDUCATION_FIELDS),
        Column("position_id", "str"),
        Column("position_start_date", "date"),
        Column("home_region_code", "str"),
        _code("status", STATUSES),
        _code("discipline_level", DISCIPLINE_LEVELS, ordered=True),
        Column("discipline_until", "date", required=False),
        _code("potential", POTENTIALS, ordered=True, required=False),
    ),
    Table.PERFORMANCE: (
        Column("nip", "str"),
        Column("year", "int"),
        _code("rating", RATINGS, ordered=True),
        Column("score", "float", required=False),
    ),
    Table.TRANSFERS: (
        Column("transfer_id", "str"),
        Column("nip", "str"),
        Column("effective_date", "date"),
        Column("from_position_id", "str"),
        Column("to_position_id", "str"),
        _code("kind", TRANSFER_KINDS),
    ),
    Table.RANK_HISTORY: (
        Column("nip", "str"),
        _code("golongan", GOLONGAN, ordered=True),
        Column("tmt", "date"),
    ),
    Table.EDUCATION_HISTORY: (
        Column("nip", "str"),
        _code("education_level", EDUCATION_LEVELS, ordered=True),
        _code("education_field", EDUCATION_FIELDS),
        Column("graduation_date", "date"),
    ),
    Table.COMPETENCY_ASSESSMENTS: (
        Column("nip", "str"),
        Column("assessed_on", "date"),
        _code("code", COMPETENCY_CODES),
        Column("level", "int"),
    ),
    Table.PREFERENCES: (
        Column("nip", "str"),
        Column("submitted_on", "date"),
        Column("unit_id", "str"),
        Column("priority", "int"),
    ),
    Table.FREEZE_PERIODS: (
        Column("region_code", "str"),
        Column("start_date", "date"),
        Column("end_date", "date"),
        Column("reason", "str"),
    ),
}

PRIMARY_KEYS: dict[Table, tuple[str, ...]] = {
    Table.UNITS: ("unit_id",),
    Table.POSITIONS: ("position_id",),
    Table.EMPLOYEES: ("nip",),
    Table.PERFORMANCE: ("nip", "year"),
    Table.TRANSFERS: ("transfer_id",),
    Table.RANK_HISTORY: ("nip", "tmt"),
}

# (table, column) -> (referenced table, referenced column). A rejected parent cascades here.
FOREIGN_KEYS: dict[tuple[Table, str], tuple[Table, str]] = {
    (Table.UNITS, "parent_unit_id"): (Table.UNITS, "unit_id"),
    (Table.POSITIONS, "unit_id"): (Table.UNITS, "unit_id"),
    (Table.EMPLOYEES, "position_id"): (Table.POSITIONS, "position_id"),
    (Table.PERFORMANCE, "nip"): (Table.EMPLOYEES, "nip"),
    (Table.TRANSFERS, "nip"): (Table.EMPLOYEES, "nip"),
    (Table.TRANSFERS, "from_position_id"): (Table.POSITIONS, "position_id"),
    (Table.TRANSFERS, "to_position_id"): (Table.POSITIONS, "position_id"),
    (Table.RANK_HISTORY, "nip"): (Table.EMPLOYEES, "nip"),
    (Table.EDUCATION_HISTORY, "nip"): (Table.EMPLOYEES, "nip"),
    (Table.COMPETENCY_ASSESSMENTS, "nip"): (Table.EMPLOYEES, "nip"),
    (Table.PREFERENCES, "nip"): (Table.EMPLOYEES, "nip"),
    (Table.PREFERENCES, "unit_id"): (Table.UNITS, "unit_id"),
}


def column_names(table: Table) -> list[str]:
    """Contract column names of a table, in contract order."""
    return [c.name for c in COLUMNS[table]]


def dtype_of(col: Column) -> Any:
    """The pandas dtype a typed frame uses for a contract column."""
    if col.kind == "code":
        return pd.CategoricalDtype(list(col.codes), ordered=col.ordered)
    return {
        "str": "str",
        "list": "str",
        "date": "datetime64[ns]",
        "int": "int64",
        "float": "float64",
        "bool": "bool",
    }[col.kind]


def parse_education_fields(value: object) -> tuple[str, ...]:
    """``"a;b"`` -> ``("a", "b")``; missing or empty means any field (empty tuple)."""
    if not isinstance(value, str) or not value.strip():
        return ()
    return tuple(p.strip() for p in value.split(";") if p.strip())


def parse_competency_requirements(value: object) -> dict[str, int]:
    """``"manajerial:3;teknis_kesehatan:2"`` -> ``{"manajerial": 3, "teknis_kesehatan": 2}``.

    Raises ``ValueError`` on a malformed item; validation rejects such rows before anyone else
    parses them.
    """
    if not isinstance(value, str) or not value.strip():
        return {}
    out: dict[str, int] = {}
    for item in value.split(";"):
        item = item.strip()
        if not item:
            continue
        code, sep, level = item.partition(":")
        if not sep or code.strip() not in COMPETENCY_CODES or not level.strip().isdigit():
            raise ValueError(f"malformed competency requirement {item!r}")
        lvl = int(level)
        if lvl not in COMPETENCY_LEVELS:
            raise ValueError(f"competency level {lvl} outside 1..5 in {item!r}")
        out[code.strip()] = lvl
    return out


@dataclass
class Dataset:
    """A validated contract dataset: one typed frame per table (None = optional table absent).

    ``export_date`` is the manifest's ``exported_at`` date when present, else the latest date
    found in the data; it bounds "future" checks.
    """

    units: pd.DataFrame
    positions: pd.DataFrame
    employees: pd.DataFrame
    performance: pd.DataFrame
    transfers: pd.DataFrame
    rank_history: pd.DataFrame | None = None
    education_history: pd.DataFrame | None = None
    competency_assessments: pd.DataFrame | None = None
    preferences: pd.DataFrame | None = None
    freeze_periods: pd.DataFrame | None = None
    export_date: pd.Timestamp | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    snapshot_id: str = ""  # content hash of the source files, for lineage

    def table(self, name: Table | str) -> pd.DataFrame | None:
        """The frame of a table by name."""
        frame: pd.DataFrame | None = getattr(self, Table(name).value)
        return frame

    def present_tables(self) -> list[Table]:
        """Tables that are present (all required plus the optional ones provided)."""
        return [t for t in Table if self.table(t) is not None]

    def missing_optional_tables(self) -> list[Table]:
        """Optional tables that were not provided."""
        return [t for t in OPTIONAL_TABLES if self.table(t) is None]
