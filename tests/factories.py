"""A tiny hand-made contract dataset with known answers, reusable by every test.

Three units, seven positions (one inactive, from an older structure), six employees with
transfers, ratings, rank/education history, assessments and preferences; export 2025-12-31.

    U1 Dinas Kesehatan   kesehatan   7571   P1 administrator, P2 perawat ahli pertama
    U2 Dinas Pendidikan  pendidikan  7501   P3 kepala dinas (jpt_pratama), P4 guru ahli muda
    U3 Sekretariat       umum        7571   P5 pelaksana, P6 ahli utama, P7 old post (inactive)

    E1 PNS P  P2 -> P5 (2012-01-01) -> P1 (2021-07-01)
    E2 PNS L  P5 -> P4 (2016-01-01)
    E3 PPPK P P2 since 2022-02-01, no transfers
    E4 PNS L  P3 -> P6 (2020-01-01)
    E5 PNS P  P5 since 2020-01-01, no transfers, status cuti
    E6 PNS L  P7 -> P4 (2016-06-01) -> P3 (2024-01-02)

``make_dataset(**overrides)`` returns a typed :class:`~features.contract.Dataset` (dtypes exactly as
``features.contract.dtype_of``); override a table with rows (list of dicts), a frame, or ``None``
to drop an optional table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from features.contract import COLUMNS, OPTIONAL_TABLES, Dataset, Table, dtype_of

E1, E2, E3 = "198005122005032001", "197502202000011001", "202202123456789012"
E4, E5, E6 = "196608171992031001", "199501302020012001", "198507072010041001"
EXPORT_DATE = pd.Timestamp("2025-12-31")

UNITS = [  # one pemda, the provincial government of Gorontalo (instansi 75)
    ("U1", "Dinas Kesehatan", "kesehatan", "7571", None, "75"),
    ("U2", "Dinas Pendidikan dan Kebudayaan", "pendidikan", "7501", None, "75"),
    ("U3", "Sekretariat Daerah", "umum", "7571", None, "75"),
]
POSITIONS = [
    ("P1", "U1", "Kepala Bidang Pelayanan Kesehatan", "administrator", "III/d", "S1",
     "kedokteran;kesehatan_masyarakat", "manajerial:3;teknis_kesehatan:3", 1, True),
    ("P2", "U1", "Perawat Ahli Pertama", "fungsional_ahli_pertama", "III/a", "S1",
     "keperawatan_kebidanan", "teknis_kesehatan:2", 3, True),
    ("P3", "U2", "Kepala Dinas", "jpt_pratama", "IV/b", "S2",
     None, "manajerial:4;sosiokultural:3", 1, True),
    ("P4", "U2", "Guru Ahli Muda", "fungsional_ahli_muda", "III/c", "S1",
     "pendidikan_guru", "teknis_pendidikan:3", 2, True),
    ("P5", "U3", "Pengadministrasi Umum", "pelaksana", "II/a", "SMA", None, None, 4, True),
    ("P6", "U3", "Analis Kebijakan Ahli Utama", "fungsional_ahli_utama", "IV/d", "S2",
     "administrasi_publik;hukum", "manajerial:4", 1, True),
    ("P7", "U3", "Staf Tata Usaha (struktur lama)", "pelaksana", None, None, None, None, 0, False),
]  # fmt: skip
EMPLOYEES = [
    (E1, "Siti Rahma", "1980-05-12", "P", "PNS", "2005-03-01", "III/d", "S2",
     "kesehatan_masyarakat", "P1", "2021-07-01", "7571", "aktif", "none", None, "tinggi"),
    (E2, "Budi Santoso", "1975-02-20", "L", "PNS", "2000-01-01", "III/c", "S1",
     "pendidikan_guru", "P4", "2016-01-01", "7501", "aktif", "none", None, None),
    (E3, "Nur Aisyah", "1990-11-03", "P", "PPPK", "2022-02-01", "IX", "S1",
     "keperawatan_kebidanan", "P2", "2022-02-01", "7502", "aktif", "none", None, None),
    (E4, "Hasan Basri", "1966-08-17", "L", "PNS", "1992-03-01", "IV/d", "S2",
     "administrasi_publik", "P6", "2020-01-01", "7571", "aktif", "ringan", "2024-12-31", None),
    (E5, "Dewi Lestari", "1995-01-30", "P", "PNS", "2020-01-01", "II/b", "S1",
     "administrasi_publik", "P5", "2020-01-01", "7501", "cuti", "none", None, None),
    (E6, "Rahmat Hidayat", "1985-07-07", "L", "PNS", "2010-04-01", "IV/b", "S2",
     "manajemen", "P3", "2024-01-02", "7501", "aktif", "none", None, "menengah"),
]  # fmt: skip
TRANSFERS = [
    ("T1", E1, "2012-01-01", "P2", "P5", "mutasi"),
    ("T2", E1, "2021-07-01", "P5", "P1", "promosi"),
    ("T3", E2, "2016-01-01", "P5", "P4", "mutasi"),
    ("T4", E4, "2020-01-01", "P3", "P6", "mutasi"),
    ("T5", E6, "2016-06-01", "P7", "P4", "mutasi"),
    ("T6", E6, "2024-01-02", "P4", "P3", "promosi"),
]
PERFORMANCE = [
    (E1, 2019, "baik", 80.0), (E1, 2020, "sangat_baik", 90.0), (E1, 2021, "baik", 82.0),
    (E1, 2022, "baik", None), (E1, 2023, "sangat_baik", None), (E1, 2024, "baik", None),
    (E2, 2020, "baik", 78.0), (E2, 2021, "butuh_perbaikan", 65.0), (E2, 2022, "baik", None),
    (E2, 2023, "baik", None), (E2, 2024, "baik", None),
    (E3, 2022, "baik", None), (E3, 2023, "baik", None), (E3, 2024, "sangat_baik", None),
    (E4, 2018, "baik", 84.0), (E4, 2019, "baik", 85.0), (E4, 2020, "sangat_baik", 91.0),
    (E4, 2021, "sangat_baik", 92.0), (E4, 2022, "baik", None), (E4, 2023, "baik", None),
    (E4, 2024, "baik", None),
    (E5, 2021, "baik", 76.0), (E5, 2022, "kurang", None), (E5, 2023, "baik", None),
    (E5, 2024, "baik", None),
    (E6, 2019, "baik", 81.0), (E6, 2020, "baik", 83.0), (E6, 2021, "sangat_baik", 90.0),
    (E6, 2022, "sangat_baik", None), (E6, 2023, "baik", None), (E6, 2024, "sangat_baik", None),
]  # fmt: skip
RANK_HISTORY = [
    (E1, "III/a", "2005-03-01"), (E1, "III/b", "2009-04-01"), (E1, "III/c", "2013-04-01"),
    (E1, "III/d", "2019-04-01"),
    (E2, "III/a", "2000-01-01"), (E2, "III/b", "2006-04-01"), (E2, "III/c", "2014-04-01"),
    (E3, "IX", "2022-02-01"),
    (E4, "III/a", "1992-03-01"), (E4, "IV/a", "2008-04-01"), (E4, "IV/d", "2018-04-01"),
    (E5, "II/a", "2020-01-01"), (E5, "II/b", "2024-04-01"),
    (E6, "III/a", "2010-04-01"), (E6, "III/c", "2016-04-01"), (E6, "IV/a", "2020-04-01"),
    (E6, "IV/b", "2024-04-01"),
]  # fmt: skip
EDUCATION_HISTORY = [
    (E1, "S1", "keperawatan_kebidanan", "2004-08-01"),
    (E1, "S2", "kesehatan_masyarakat", "2018-09-01"),
    (E2, "S1", "pendidikan_guru", "1998-08-01"),
    (E3, "S1", "keperawatan_kebidanan", "2013-08-01"),
    (E4, "S1", "administrasi_publik", "1990-07-01"),
    (E4, "S2", "administrasi_publik", "2005-07-01"),
    (E5, "SMA", "umum", "2013-06-01"), (E5, "S1", "administrasi_publik", "2024-09-01"),
    (E6, "S1", "manajemen", "2008-08-01"), (E6, "S2", "manajemen", "2015-08-01"),
]  # fmt: skip
COMPETENCY_ASSESSMENTS = [
    (E1, "2019-06-01", "manajerial", 2), (E1, "2023-06-01", "manajerial", 3),
    (E1, "2020-02-01", "teknis_kesehatan", 4),
    (E4, "2019-01-10", "manajerial", 4), (E4, "2019-01-10", "sosiokultural", 3),
    (E6, "2023-11-01", "manajerial", 3), (E6, "2023-11-01", "sosiokultural", 2),
    (E6, "2018-03-01", "teknis_pendidikan", 3),
]  # fmt: skip
PREFERENCES = [
    (E1, "2020-10-01", "U1", 1), (E1, "2024-03-01", "U2", 2),
    (E6, "2023-05-01", "U2", 1), (E5, "2023-02-01", "U1", 3),
]  # fmt: skip
FREEZE_PERIODS = [("7571", "2024-03-01", "2024-12-31", "pilkada")]

ROWS: dict[Table, list[tuple[Any, ...]]] = {
    Table.UNITS: UNITS,
    Table.POSITIONS: POSITIONS,
    Table.EMPLOYEES: EMPLOYEES,
    Table.PERFORMANCE: PERFORMANCE,
    Table.TRANSFERS: TRANSFERS,
    Table.RANK_HISTORY: RANK_HISTORY,
    Table.EDUCATION_HISTORY: EDUCATION_HISTORY,
    Table.COMPETENCY_ASSESSMENTS: COMPETENCY_ASSESSMENTS,
    Table.PREFERENCES: PREFERENCES,
    Table.FREEZE_PERIODS: FREEZE_PERIODS,
}


def typed_frame(table: Table | str, rows: Any) -> pd.DataFrame:
    """A typed contract frame from tuples (contract column order), dicts or a frame."""
    table = Table(table)
    names = [c.name for c in COLUMNS[table]]
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    if not isinstance(rows, pd.DataFrame) and rows and not isinstance(rows[0], dict):
        frame = pd.DataFrame(rows, columns=names)
    frame = frame.reindex(columns=names)
    out = {}
    for col in COLUMNS[table]:
        values = frame[col.name]
        if col.kind == "date":
            out[col.name] = pd.to_datetime(values).astype("datetime64[ns]")
        elif col.kind == "bool":
            out[col.name] = values.fillna(True).astype("bool")
        else:
            out[col.name] = values.astype(dtype_of(col))
    return pd.DataFrame(out).reset_index(drop=True)


def make_dataset(**overrides: Any) -> Dataset:
    """The tiny dataset; ``table=rows|frame|None`` replaces a table (None drops an optional one).

    ``export_date=...`` overrides the export date.
    """
    export_date = pd.Timestamp(overrides.pop("export_date", EXPORT_DATE))
    unknown = set(overrides) - {t.value for t in Table}
    if unknown:
        raise ValueError(f"make_dataset: unknown tables {sorted(unknown)}")
    tables: dict[str, pd.DataFrame | None] = {}
    for table, rows in ROWS.items():
        value = overrides.get(table.value, rows)
        if value is None and table not in OPTIONAL_TABLES:
            raise ValueError(f"make_dataset: required table {table.value} cannot be dropped")
        tables[table.value] = None if value is None else typed_frame(table, value)
    return Dataset(
        **tables,  # type: ignore[arg-type]
        export_date=export_date,
        manifest={
            "contract_version": "1",
            "source": "tests.factories",
            "exported_at": str(export_date.date()),
        },
        snapshot_id="factory",
    )


def write_dataset(dataset: Dataset, out_dir: Path) -> Path:
    """Write a dataset as a contract directory of CSV files (plus manifest.json)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for table in dataset.present_tables():
        frame = dataset.table(table)
        assert frame is not None
        text = frame.copy()
        for col in COLUMNS[table]:
            if col.kind == "date":
                text[col.name] = frame[col.name].dt.strftime("%Y-%m-%d")
            elif col.kind == "bool":
                text[col.name] = frame[col.name].map({True: "true", False: "false"})
        text.to_csv(out_dir / f"{table.value}.csv", index=False)
    (out_dir / "manifest.json").write_text(json.dumps(dataset.manifest))
    return out_dir
