"""Sectors of a pemda: head offices, field offices (UPTD), headcount shares and job families.

A provincial government runs SMA/SMK, regional hospitals, Samsat, forest management units and
provincial roads (UU 23/2014 annex); a kota runs SD/SMP, puskesmas and kecamatan.
"""

from __future__ import annotations

from dataclasses import dataclass

from features.contract import SECTORS
from features.synth.jabatan import FAMILIES


@dataclass(frozen=True)
class UptdKind:
    """Field offices of a sector: name pattern (``{n}`` counter, ``{region}`` place), size."""

    pattern: str
    size: int
    families: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class SectorProfile:
    """A sector: head offices, share of the pemda's headcount, field offices, families."""

    sector: str
    offices: tuple[str, ...]
    weight: float
    office_share: float  # share of the sector's headcount in head offices when it has UPTDs
    families: tuple[tuple[str, float], ...]  # sector families in head offices
    uptd: UptdKind | None = None


def _p(
    sector: str,
    offices: str,
    weight: float,
    families: tuple[tuple[str, float], ...],
    uptd: UptdKind | None = None,
    office_share: float = 1.0,
) -> SectorProfile:
    return SectorProfile(sector, tuple(offices.split("|")), weight, office_share, families, uptd)


_SCHOOL_FAMILIES = (("guru", 0.80), ("pustakawan", 0.03), ("adm_sekolah", 0.08))
_HOSPITAL_FAMILIES = (
    ("dokter", 0.10), ("perawat", 0.26), ("perawat_ahli", 0.08), ("bidan", 0.10),
    ("apoteker", 0.03), ("asisten_apoteker", 0.04), ("nutrisionis", 0.03),
    ("pranata_lab", 0.05), ("sanitarian", 0.02), ("adminkes", 0.03),
)  # fmt: skip

# Provincial government (UU 23/2014: SMA/SMK, regional hospitals, Samsat, KPH, provincial roads).
PROVINCE_PROFILES: tuple[SectorProfile, ...] = (
    _p("pendidikan", "Dinas Pendidikan dan Kebudayaan", 0.37,
       (("pengawas_sekolah", 0.25), ("analis_kebijakan", 0.05)),
       UptdKind("SMA Negeri {n} {region}", 34, _SCHOOL_FAMILIES), 0.07),
    _p("kesehatan", "Dinas Kesehatan", 0.17,
       (("epidemiolog", 0.10), ("adminkes", 0.15), ("sanitarian", 0.08), ("nutrisionis", 0.06),
        ("apoteker", 0.05)),
       UptdKind("RSUD Regional {region}", 120, _HOSPITAL_FAMILIES), 0.20),
    _p("pertanian", "Dinas Pertanian", 0.04,
       (("popt", 0.12), ("pengawas_benih", 0.08), ("medik_veteriner", 0.08),
        ("penyuluh_pertanian", 0.12)),
       UptdKind("UPTD Balai Penyuluhan Pertanian {region}", 14,
                (("penyuluh_pertanian", 0.45), ("penyuluh_pertanian_t", 0.25),
                 ("paramedik_veteriner", 0.10))), 0.45),
    _p("kelautan_perikanan", "Dinas Kelautan dan Perikanan", 0.025,
       (("pengawas_perikanan", 0.20), ("phpi", 0.10), ("penyuluh_perikanan", 0.15)),
       UptdKind("UPTD Pelabuhan Perikanan {region}", 14,
                (("penyuluh_perikanan", 0.35), ("pengawas_perikanan", 0.25))), 0.55),
    _p("pekerjaan_umum", "Dinas Pekerjaan Umum dan Penataan Ruang", 0.04,
       (("teknik_jalan", 0.18), ("teknik_pengairan", 0.12), ("penata_ruang", 0.08),
        ("pengadaan", 0.05)),
       UptdKind("UPTD Pengelolaan Jalan dan Jembatan Wilayah {region}", 16,
                (("teknik_jalan", 0.25), ("juru_ukur", 0.25), ("operator_alat", 0.25))), 0.55),
    _p("perhubungan", "Dinas Perhubungan", 0.025,
       (("keselamatan_pelayaran", 0.15), ("penguji_kendaraan_a", 0.10), ("pengatur_lalin", 0.15)),
       UptdKind("UPTD Pengujian Kendaraan Bermotor {region}", 12,
                (("penguji_kendaraan", 0.45), ("pengatur_lalin", 0.25))), 0.55),
    _p("lingkungan_hidup", "Dinas Lingkungan Hidup dan Kehutanan", 0.03,
       (("pedal", 0.18), ("pengawas_lh", 0.12), ("peh", 0.10)),
       UptdKind("UPTD Kesatuan Pengelolaan Hutan {region}", 14,
                (("polhut", 0.40), ("penyuluh_kehutanan", 0.25), ("peh", 0.10))), 0.45),
    _p("sosial", "Dinas Sosial", 0.02,
       (("pekerja_sosial", 0.25), ("penyuluh_sosial", 0.15)),
       UptdKind("UPTD Panti Sosial {region}", 14,
                (("pekerja_sosial_t", 0.30), ("pengasuh", 0.40), ("pekerja_sosial", 0.10))), 0.6),
    _p("kependudukan",
       "Dinas Pemberdayaan Masyarakat, Desa, Kependudukan dan Pencatatan Sipil"
       "|Dinas Pemberdayaan Perempuan, Perlindungan Anak dan Keluarga Berencana", 0.02,
       (("adminduk", 0.20), ("penyuluh_kb", 0.25), ("pengelola_dukcapil", 0.15))),
    _p("keuangan", "Badan Keuangan dan Aset Daerah", 0.03,
       (("analis_keuangan", 0.25), ("penata_barang", 0.10), ("pengadaan", 0.05),
        ("penata_lapkeu", 0.15))),
    _p("pendapatan", "Badan Pendapatan Daerah", 0.04,
       (("analis_pendapatan", 0.25), ("pengelola_pajak", 0.20)),
       UptdKind("UPTD Samsat {region}", 14,
                (("pengelola_pajak", 0.50), ("analis_pendapatan", 0.15))), 0.4),
    _p("perencanaan", "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah", 0.015,
       (("perencana", 0.45), ("statistisi", 0.10), ("peneliti", 0.08))),
    _p("kepegawaian", "Badan Kepegawaian Daerah|Badan Pengembangan Sumber Daya Manusia", 0.015,
       (("analis_sdm", 0.30), ("pranata_sdm", 0.20), ("asesor_sdm", 0.06), ("widyaiswara", 0.08))),
    _p("pengawasan", "Inspektorat Daerah", 0.015,
       (("auditor", 0.35), ("auditor_t", 0.10), ("p2upd", 0.25))),
    _p("komunikasi_informatika", "Dinas Komunikasi, Informatika dan Statistik", 0.015,
       (("pranata_komputer", 0.20), ("pranata_komputer_t", 0.10), ("pranata_humas", 0.15),
        ("statistisi", 0.06), ("sandiman", 0.05))),
    _p("hukum", "Biro Hukum", 0.008, (("perancang", 0.30), ("analis_hukum", 0.30))),
    _p("pariwisata_kebudayaan", "Dinas Pariwisata", 0.015,
       (("adyatama", 0.25), ("pamong_budaya", 0.20)),
       UptdKind("UPTD Taman Budaya dan Museum {region}", 10,
                (("pamong_budaya", 0.35), ("pemandu", 0.30))), 0.6),
    _p("perdagangan_industri",
       "Dinas Perindustrian dan Perdagangan|Dinas Koperasi, Usaha Kecil dan Menengah", 0.025,
       (("pengawas_perdagangan", 0.15), ("penyuluh_perindustrian", 0.12),
        ("pengawas_koperasi", 0.12), ("penera", 0.10), ("penera_ahli", 0.05))),
    _p("ketertiban",
       "Satuan Polisi Pamong Praja|Badan Kesatuan Bangsa dan Politik"
       "|Badan Penanggulangan Bencana Daerah", 0.035,
       (("polpp", 0.40), ("polpp_ahli", 0.06), ("damkar", 0.10), ("analis_bencana", 0.08))),
    _p("umum",
       "Sekretariat Daerah|Sekretariat DPRD|Biro Umum|Biro Pemerintahan dan Kesejahteraan Rakyat"
       "|Biro Perekonomian dan Administrasi Pembangunan|Biro Organisasi", 0.07,
       (("protokol", 0.08), ("pengelola_program", 0.10))),
)  # fmt: skip

# A kota runs SD/SMP and puskesmas, kecamatan and kelurahan; no Samsat or KPH.
_KOTA_UPTD: dict[str, UptdKind] = {
    "pendidikan": UptdKind("SD Negeri {n} {region}", 18, _SCHOOL_FAMILIES),
    "kesehatan": UptdKind(
        "UPTD Puskesmas {region} {n}", 30,
        (("dokter", 0.12), ("perawat", 0.30), ("bidan", 0.22), ("nutrisionis", 0.05),
         ("sanitarian", 0.05), ("asisten_apoteker", 0.05), ("pranata_lab", 0.05)),
    ),
}  # fmt: skip


def profiles_for(level: str) -> tuple[SectorProfile, ...]:
    """Sector profiles of a provincial government or a kota."""
    if level == "provinsi":
        return PROVINCE_PROFILES
    out = []
    for p in PROVINCE_PROFILES:
        uptd = _KOTA_UPTD.get(p.sector)
        share = {"pendidikan": 0.06, "kesehatan": 0.25}.get(p.sector, 1.0)
        weight = {"pendidikan": 0.44, "kesehatan": 0.16}.get(p.sector, p.weight)
        offices = tuple(o.replace("Biro ", "Bagian ") for o in p.offices)
        if p.sector == "umum":
            offices = (
                "Sekretariat Daerah",
                "Sekretariat DPRD",
                "Bagian Umum",
                "Bagian Tata Pemerintahan",
            )
        out.append(SectorProfile(p.sector, offices, weight, share, p.families, uptd))
    return tuple(out)


def check_profiles() -> None:
    """Internal consistency: every family referenced exists, every sector has a profile."""
    for level in ("provinsi", "kota"):
        profiles = profiles_for(level)
        missing = set(SECTORS) - {p.sector for p in profiles}
        if missing:
            raise ValueError(f"sector profiles ({level}): sectors without one: {sorted(missing)}")
        for p in profiles:
            refs = [k for k, _ in p.families] + [k for k, _ in (p.uptd.families if p.uptd else ())]
            unknown = [k for k in refs if k not in FAMILIES]
            if unknown:
                raise ValueError(
                    f"sector profiles: sector {p.sector} refers to unknown families {unknown}"
                )
