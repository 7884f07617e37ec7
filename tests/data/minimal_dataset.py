"""A minimal valid contract dataset of all 10 tables, for tests to break one cell at a time.

``valid_tables()`` returns fresh rows (plain text, as in a CSV) that pass every rule;
``write_dataset`` writes them as CSV or Parquet. Report row numbers are 1-based: the i-th
dict of a table (0-based) is data row ``i + 1``.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd

Rows = list[dict[str, str]]
Tables = dict[str, Rows]
EXPORTED_AT = "2025-01-31"

_UNITS: Rows = [  # one pemda: the provincial government of Gorontalo (instansi 75)
    {"unit_id": "U1", "name": "Sekretariat Daerah", "sector": "umum", "region_code": "7571",
     "parent_unit_id": "", "instansi_code": "75"},
    {"unit_id": "U2", "name": "Dinas Kesehatan", "sector": "kesehatan", "region_code": "7571",
     "parent_unit_id": "U1", "instansi_code": "75"},
    {"unit_id": "U3", "name": "Dinas Pendidikan", "sector": "pendidikan", "region_code": "7502",
     "parent_unit_id": "U1", "instansi_code": "75"},
]  # fmt: skip

_POSITIONS: Rows = [
    {"position_id": "P1", "unit_id": "U1", "title": "Kepala Bagian Umum",
     "jabatan_type": "administrator", "min_golongan": "III/d", "min_education_level": "S1",
     "education_fields": "administrasi_publik;manajemen",
     "competency_requirements": "manajerial:3;sosiokultural:2", "abk_need": "1",
     "is_active": "true"},
    {"position_id": "P2", "unit_id": "U2", "title": "Perawat Ahli Pertama",
     "jabatan_type": "fungsional_ahli_pertama", "min_golongan": "III/a",
     "min_education_level": "S1", "education_fields": "keperawatan_kebidanan",
     "competency_requirements": "teknis_kesehatan:2", "abk_need": "4", "is_active": "true"},
    {"position_id": "P3", "unit_id": "U3", "title": "Guru Ahli Muda",
     "jabatan_type": "fungsional_ahli_muda", "min_golongan": "III/c", "min_education_level": "S1",
     "education_fields": "pendidikan_guru", "competency_requirements": "", "abk_need": "10",
     "is_active": "true"},
    {"position_id": "P4", "unit_id": "U2", "title": "Pengelola Data (struktur lama)",
     "jabatan_type": "pelaksana", "min_golongan": "", "min_education_level": "",
     "education_fields": "", "competency_requirements": "", "abk_need": "0",
     "is_active": "false"},
]  # fmt: skip

# PNS NIPs encode birth date, TMT CPNS year-month and gender; the PPPK one does not.
_EMPLOYEES: Rows = [
    {"nip": "198503122010011001", "name": "Andi", "birth_date": "1985-03-12", "gender": "L",
     "employment_type": "PNS", "tmt_cpns": "2010-01-01", "golongan": "III/c",
     "education_level": "S1", "education_field": "administrasi_publik", "position_id": "P1",
     "position_start_date": "2021-02-01", "home_region_code": "7571", "status": "aktif",
     "discipline_level": "none", "discipline_until": "", "potential": "tinggi"},
    {"nip": "199007252015032002", "name": "Sri", "birth_date": "1990-07-25", "gender": "P",
     "employment_type": "PNS", "tmt_cpns": "2015-03-01", "golongan": "III/a",
     "education_level": "S1", "education_field": "keperawatan_kebidanan", "position_id": "P2",
     "position_start_date": "2019-01-15", "home_region_code": "7571", "status": "aktif",
     "discipline_level": "ringan", "discipline_until": "2025-06-30", "potential": "menengah"},
    {"nip": "202204000000000123", "name": "Rina", "birth_date": "1992-11-02", "gender": "P",
     "employment_type": "PPPK", "tmt_cpns": "2022-04-01", "golongan": "IX",
     "education_level": "S1", "education_field": "pendidikan_guru", "position_id": "P3",
     "position_start_date": "2022-04-01", "home_region_code": "7502", "status": "aktif",
     "discipline_level": "none", "discipline_until": "", "potential": ""},
    {"nip": "197805052003121004", "name": "", "birth_date": "1978-05-05", "gender": "L",
     "employment_type": "PNS", "tmt_cpns": "2003-12-01", "golongan": "IV/a",
     "education_level": "S2", "education_field": "manajemen", "position_id": "P3",
     "position_start_date": "2018-07-01", "home_region_code": "7502", "status": "cuti",
     "discipline_level": "none", "discipline_until": "", "potential": "menengah"},
]  # fmt: skip

_NIP = [e["nip"] for e in _EMPLOYEES]

_PERFORMANCE: Rows = [
    {"nip": _NIP[0], "year": "2022", "rating": "baik", "score": "82.5"},
    {"nip": _NIP[0], "year": "2023", "rating": "sangat_baik", "score": "91"},
    {"nip": _NIP[1], "year": "2023", "rating": "baik", "score": ""},
    {"nip": _NIP[2], "year": "2023", "rating": "baik", "score": "80"},
    {"nip": _NIP[3], "year": "2023", "rating": "butuh_perbaikan", "score": "70"},
]

_TRANSFERS: Rows = [
    {"transfer_id": "T1", "nip": _NIP[0], "effective_date": "2021-02-01",
     "from_position_id": "P4", "to_position_id": "P1", "kind": "mutasi"},
    {"transfer_id": "T2", "nip": _NIP[1], "effective_date": "2019-01-15",
     "from_position_id": "P4", "to_position_id": "P2", "kind": "promosi"},
]  # fmt: skip

_OPTIONAL: Tables = {
    "rank_history": [
        {"nip": _NIP[0], "golongan": "III/b", "tmt": "2016-04-01"},
        {"nip": _NIP[0], "golongan": "III/c", "tmt": "2020-04-01"},
        {"nip": _NIP[1], "golongan": "III/a", "tmt": "2015-03-01"},
    ],
    "education_history": [
        {"nip": _NIP[0], "education_level": "S1", "education_field": "administrasi_publik",
         "graduation_date": "2008-08-30"},
        {"nip": _NIP[3], "education_level": "S2", "education_field": "manajemen",
         "graduation_date": "2012-09-01"},
    ],
    "competency_assessments": [
        {"nip": _NIP[0], "assessed_on": "2023-05-10", "code": "manajerial", "level": "3"},
        {"nip": _NIP[1], "assessed_on": "2023-05-10", "code": "teknis_kesehatan", "level": "2"},
    ],
    "preferences": [
        {"nip": _NIP[1], "submitted_on": "2024-08-01", "unit_id": "U3", "priority": "1"},
        {"nip": _NIP[1], "submitted_on": "2024-08-01", "unit_id": "U1", "priority": "2"},
    ],
    "freeze_periods": [
        {"region_code": "7571", "start_date": "2024-05-27", "end_date": "2025-02-20",
         "reason": "pilkada"},
    ],
}  # fmt: skip

_TABLES: Tables = {
    "units": _UNITS,
    "positions": _POSITIONS,
    "employees": _EMPLOYEES,
    "performance": _PERFORMANCE,
    "transfers": _TRANSFERS,
    **_OPTIONAL,
}


def valid_tables() -> Tables:
    """A fresh copy of the valid rows (edit freely)."""
    return copy.deepcopy(_TABLES)


def set_cell(tables: Tables, table: str, index: int, column: str, value: str) -> Tables:
    """Set one cell (``index`` is 0-based, i.e. report row ``index + 1``) and return tables."""
    tables[table][index][column] = value
    return tables


def write_dataset(
    out_dir: Path,
    tables: Tables | None = None,
    *,
    fmt: str = "csv",
    manifest: dict[str, Any] | None = None,
    omit: tuple[str, ...] = (),
) -> Path:
    """Write a dataset directory (all tables unless omitted) and its manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = valid_tables() if tables is None else tables
    for name, rows in tables.items():
        if name in omit:
            continue
        if fmt == "csv":
            _write_csv(out_dir / f"{name}.csv", rows)
        else:
            frame = pd.DataFrame(rows, dtype="str").replace("", None)
            frame.to_parquet(out_dir / f"{name}.parquet", index=False)
    if manifest is None:
        manifest = {"contract_version": "1", "source": "tests", "exported_at": EXPORTED_AT}
    if manifest:
        (out_dir / "manifest.json").write_text(json.dumps(manifest))
    return out_dir


def _write_csv(path: Path, rows: Rows) -> None:
    fieldnames = list(rows[0]) if rows else []
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
