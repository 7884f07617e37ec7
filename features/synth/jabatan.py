"""Jabatan: the rungs (jenjang) of structural and fungsional posts and the job families.

A *job family* is one line of work (Guru, Perawat, Analis Kebijakan, Pengadministrasi Umum...);
it has one position per *rung* (jenjang) in each unit that employs it. Titles follow the
KemenPAN-RB nomenclature of jabatan fungsional and PermenPANRB 41/2018 for pelaksana. Moves keep
people inside their family (a guru goes to another school); pelaksana and structural posts move
across sectors, which is where field-to-sector fit varies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    """One jenjang: its jabatan type, title suffix, entry requirements and competency levels."""

    jabatan_type: str
    suffix: str
    min_golongan: str | None
    min_education: str | None
    teknis: int  # required level of teknis_<unit sector>; 0 = no requirement
    manajerial: int = 0
    sosiokultural: int = 0
    share: float = 1.0  # share of the family's headcount in this rung
    ceiling: str = "III/d"  # highest golongan reachable while holding the rung


AHLI: tuple[Rung, ...] = (
    Rung("fungsional_ahli_pertama", " Ahli Pertama", "III/a", "S1", 2, share=0.36, ceiling="III/c"),
    Rung("fungsional_ahli_muda", " Ahli Muda", "III/c", "S1", 3, 0, 2, 0.40, "IV/a"),
    Rung("fungsional_ahli_madya", " Ahli Madya", "IV/a", "S1", 4, 2, 3, 0.22, "IV/c"),
    Rung("fungsional_ahli_utama", " Ahli Utama", "IV/d", "S2", 5, 3, 3, 0.02, "IV/e"),
)
TERAMPIL: tuple[Rung, ...] = (
    Rung("fungsional_terampil", " Terampil", "II/c", "D3", 2, share=0.45, ceiling="III/a"),
    Rung("fungsional_mahir", " Mahir", "III/a", "D3", 2, share=0.35, ceiling="III/c"),
    Rung("fungsional_penyelia", " Penyelia", "III/c", "D3", 3, 0, 2, 0.20, "III/d"),
)
# Keterampilan families open to SMA graduates (Polisi Pamong Praja, Pemadam Kebakaran).
TERAMPIL_SMA: tuple[Rung, ...] = (
    Rung("fungsional_pemula", " Pemula", "II/a", "SMA", 1, share=0.30, ceiling="II/b"),
    Rung("fungsional_terampil", " Terampil", "II/b", "SMA", 2, share=0.35, ceiling="III/a"),
    Rung("fungsional_mahir", " Mahir", "III/a", "SMA", 2, share=0.25, ceiling="III/c"),
    Rung("fungsional_penyelia", " Penyelia", "III/c", "SMA", 3, 0, 2, 0.10, "III/d"),
)


def pelaksana(min_education: str, teknis: int) -> tuple[Rung, ...]:
    """The single rung of a pelaksana family."""
    return (Rung("pelaksana", "", None, min_education, teknis, ceiling="III/d"),)


JPT_MADYA = Rung("jpt_madya", "", "IV/c", "S1", 4, 5, 4, ceiling="IV/e")
JPT_PRATAMA = Rung("jpt_pratama", "", "IV/b", "S1", 3, 4, 3, ceiling="IV/c")
ADMINISTRATOR = Rung("administrator", "", "III/d", "S1", 3, 3, 3, ceiling="IV/b")
PENGAWAS = Rung("pengawas", "", "III/b", "D3", 2, 2, 2, ceiling="IV/a")


@dataclass(frozen=True)
class Family:
    """A line of work: title, rungs, the degree fields it recruits, share of women."""

    key: str
    title: str
    rungs: tuple[Rung, ...]
    fields: tuple[str, ...]  # empty = any field
    women: float = 0.5


def _f(
    key: str, title: str, rungs: tuple[Rung, ...], fields: str = "", women: float = 0.5
) -> Family:
    return Family(key, title, rungs, tuple(fields.split()), women)


_ADMIN_FIELDS = "administrasi_publik manajemen hukum ilmu_sosial_politik ekonomi_akuntansi"
_KES = "kesehatan_masyarakat"
FAMILIES: dict[str, Family] = {
    f.key: f
    for f in (
        # pendidikan
        _f("guru", "Guru", AHLI, "pendidikan_guru", 0.63),
        _f("pengawas_sekolah", "Pengawas Sekolah", AHLI, "pendidikan_guru", 0.45),
        _f("pustakawan", "Pustakawan", TERAMPIL, "", 0.7),
        _f("adm_sekolah", "Pengadministrasi Persekolahan", pelaksana("SMA", 0), "", 0.55),
        # kesehatan
        _f("dokter", "Dokter", AHLI, "kedokteran", 0.58),
        _f("perawat", "Perawat", TERAMPIL, "keperawatan_kebidanan", 0.78),
        _f("perawat_ahli", "Perawat", AHLI, "keperawatan_kebidanan", 0.75),
        _f("bidan", "Bidan", TERAMPIL, "keperawatan_kebidanan", 1.0),
        _f("apoteker", "Apoteker", AHLI, "farmasi", 0.75),
        _f("asisten_apoteker", "Asisten Apoteker", TERAMPIL, "farmasi", 0.8),
        _f("nutrisionis", "Nutrisionis", TERAMPIL, _KES, 0.85),
        _f("sanitarian", "Sanitarian", TERAMPIL, _KES, 0.6),
        _f("epidemiolog", "Epidemiolog Kesehatan", AHLI, _KES, 0.6),
        _f("adminkes", "Administrator Kesehatan", AHLI, f"{_KES} administrasi_publik", 0.6),
        _f("pranata_lab", "Pranata Laboratorium Kesehatan", TERAMPIL, f"{_KES} farmasi", 0.75),
        # pertanian
        _f("penyuluh_pertanian", "Penyuluh Pertanian", AHLI, "pertanian peternakan", 0.35),
        _f("penyuluh_pertanian_t", "Penyuluh Pertanian", TERAMPIL, "pertanian", 0.3),
        _f("popt", "Pengendali Organisme Pengganggu Tumbuhan", AHLI, "pertanian", 0.35),
        _f("pengawas_benih", "Pengawas Benih Tanaman", TERAMPIL, "pertanian", 0.35),
        _f("medik_veteriner", "Medik Veteriner", AHLI, "peternakan", 0.5),
        _f("paramedik_veteriner", "Paramedik Veteriner", TERAMPIL, "peternakan", 0.3),
        # kelautan_perikanan
        _f("penyuluh_perikanan", "Penyuluh Perikanan", AHLI, "perikanan_kelautan", 0.35),
        _f("pengawas_perikanan", "Pengawas Perikanan", AHLI, "perikanan_kelautan", 0.3),
        _f("phpi", "Pengendali Hama dan Penyakit Ikan", TERAMPIL, "perikanan_kelautan", 0.35),
        # pekerjaan_umum
        _f("teknik_jalan", "Teknik Jalan dan Jembatan", AHLI, "teknik_sipil", 0.2),
        _f("teknik_pengairan", "Teknik Pengairan", AHLI, "teknik_sipil", 0.2),
        _f("penata_ruang", "Penata Ruang", AHLI, "teknik_sipil", 0.35),
        _f("juru_ukur", "Pengawas Lapangan Pekerjaan Umum", TERAMPIL, "teknik_sipil", 0.15),
        _f("operator_alat", "Operator Alat Berat", pelaksana("SMA", 1), "", 0.02),
        # perhubungan
        _f("penguji_kendaraan", "Penguji Kendaraan Bermotor", TERAMPIL, "teknik_lainnya", 0.15),
        _f("penguji_kendaraan_a", "Penguji Kendaraan Bermotor", AHLI, "teknik_lainnya", 0.2),
        _f("keselamatan_pelayaran", "Pengawas Keselamatan Pelayaran", AHLI, "teknik_lainnya", 0.2),
        _f("pengatur_lalin", "Pengatur Lalu Lintas", pelaksana("SMA", 1), "", 0.15),
        # lingkungan_hidup
        _f("pedal", "Pengendali Dampak Lingkungan", AHLI, f"kehutanan_lingkungan {_KES}", 0.45),
        _f("pengawas_lh", "Pengawas Lingkungan Hidup", AHLI, "kehutanan_lingkungan", 0.4),
        _f("polhut", "Polisi Kehutanan", TERAMPIL, "kehutanan_lingkungan", 0.12),
        _f("penyuluh_kehutanan", "Penyuluh Kehutanan", AHLI, "kehutanan_lingkungan", 0.3),
        _f("peh", "Pengendali Ekosistem Hutan", AHLI, "kehutanan_lingkungan", 0.35),
        # sosial
        _f("pekerja_sosial", "Pekerja Sosial", AHLI, "ilmu_sosial_politik", 0.6),
        _f("pekerja_sosial_t", "Pekerja Sosial", TERAMPIL, "ilmu_sosial_politik", 0.6),
        _f("penyuluh_sosial", "Penyuluh Sosial", AHLI, "ilmu_sosial_politik", 0.55),
        _f("pengasuh", "Pengasuh Panti", pelaksana("SMA", 1), "", 0.7),
        # kependudukan
        _f("adminduk", "Administrator Database Kependudukan", AHLI, "teknologi_informasi", 0.4),
        _f("penyuluh_kb", "Penyuluh Keluarga Berencana", AHLI, f"{_KES} ilmu_sosial_politik", 0.7),
        _f("pengelola_dukcapil", "Pengelola Data Kependudukan", pelaksana("SMA", 1), "", 0.55),
        # keuangan
        _f("analis_keuangan", "Analis Keuangan Pusat dan Daerah", AHLI, "ekonomi_akuntansi", 0.55),
        _f("penata_barang", "Penata Laksana Barang", TERAMPIL, "ekonomi_akuntansi manajemen", 0.5),
        _f(
            "pengadaan",
            "Pengelola Pengadaan Barang/Jasa",
            AHLI,
            "ekonomi_akuntansi manajemen teknik_sipil",
            0.4,
        ),
        _f(
            "penata_lapkeu", "Penata Laporan Keuangan", pelaksana("D3", 2), "ekonomi_akuntansi", 0.6
        ),
        # pendapatan
        _f("pengelola_pajak", "Pengelola Pajak Daerah", pelaksana("SMA", 1), "", 0.45),
        _f(
            "analis_pendapatan",
            "Analis Pendapatan Daerah",
            pelaksana("S1", 2),
            "ekonomi_akuntansi manajemen",
            0.5,
        ),
        # perencanaan
        _f(
            "perencana",
            "Perencana",
            AHLI,
            "statistika_matematika ekonomi_akuntansi teknik_sipil administrasi_publik",
            0.45,
        ),
        _f("statistisi", "Statistisi", AHLI, "statistika_matematika", 0.5),
        _f("peneliti", "Peneliti", AHLI, "", 0.45),
        # kepegawaian
        _f(
            "analis_sdm",
            "Analis Sumber Daya Manusia Aparatur",
            AHLI,
            "administrasi_publik manajemen hukum",
            0.6,
        ),
        _f(
            "pranata_sdm",
            "Pranata Sumber Daya Manusia Aparatur",
            TERAMPIL,
            "administrasi_publik manajemen",
            0.6,
        ),
        _f(
            "asesor_sdm",
            "Asesor Sumber Daya Manusia Aparatur",
            AHLI,
            "ilmu_sosial_politik manajemen",
            0.55,
        ),
        _f("widyaiswara", "Widyaiswara", AHLI, "", 0.45),
        # pengawasan
        _f("auditor", "Auditor", AHLI, "ekonomi_akuntansi", 0.5),
        _f("auditor_t", "Auditor", TERAMPIL, "ekonomi_akuntansi", 0.5),
        _f(
            "p2upd",
            "Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah",
            AHLI,
            "administrasi_publik hukum ekonomi_akuntansi",
            0.45,
        ),
        # komunikasi_informatika
        _f("pranata_komputer", "Pranata Komputer", AHLI, "teknologi_informasi", 0.35),
        _f("pranata_komputer_t", "Pranata Komputer", TERAMPIL, "teknologi_informasi", 0.35),
        _f("pranata_humas", "Pranata Hubungan Masyarakat", AHLI, "ilmu_sosial_politik", 0.55),
        _f("sandiman", "Sandiman", TERAMPIL, "teknologi_informasi", 0.3),
        # hukum
        _f("perancang", "Perancang Peraturan Perundang-undangan", AHLI, "hukum", 0.5),
        _f("analis_hukum", "Analis Hukum", AHLI, "hukum", 0.5),
        # pariwisata_kebudayaan
        _f("adyatama", "Adyatama Kepariwisataan dan Ekonomi Kreatif", AHLI, "pariwisata", 0.5),
        _f(
            "pamong_budaya",
            "Pamong Budaya",
            AHLI,
            "pariwisata ilmu_sosial_politik pendidikan_guru",
            0.5,
        ),
        _f("pemandu", "Pemandu Budaya", pelaksana("SMA", 1), "", 0.55),
        # perdagangan_industri
        _f("penera", "Penera", TERAMPIL, "teknik_lainnya", 0.25),
        _f("penera_ahli", "Penera", AHLI, "teknik_lainnya", 0.3),
        _f(
            "pengawas_perdagangan",
            "Pengawas Perdagangan",
            AHLI,
            "ekonomi_akuntansi manajemen",
            0.45,
        ),
        _f(
            "penyuluh_perindustrian",
            "Penyuluh Perindustrian dan Perdagangan",
            AHLI,
            "teknik_lainnya ekonomi_akuntansi",
            0.4,
        ),
        _f("pengawas_koperasi", "Pengawas Koperasi", AHLI, "ekonomi_akuntansi manajemen", 0.5),
        # ketertiban
        _f("polpp", "Polisi Pamong Praja", TERAMPIL_SMA, "", 0.2),
        _f("polpp_ahli", "Polisi Pamong Praja", AHLI, "hukum administrasi_publik", 0.3),
        _f("damkar", "Pemadam Kebakaran", TERAMPIL_SMA, "", 0.05),
        _f(
            "analis_bencana",
            "Analis Kebencanaan",
            AHLI,
            "kehutanan_lingkungan teknik_sipil ilmu_sosial_politik",
            0.35,
        ),
        # umum and generic families present in every head office
        _f("analis_kebijakan", "Analis Kebijakan", AHLI, _ADMIN_FIELDS, 0.5),
        _f("arsiparis", "Arsiparis", TERAMPIL, "", 0.65),
        _f(
            "pengelola_keuangan",
            "Pengelola Keuangan",
            pelaksana("D3", 2),
            "ekonomi_akuntansi manajemen",
            0.6,
        ),
        _f("adm_umum", "Pengadministrasi Umum", pelaksana("SMA", 0), "", 0.55),
        _f("pengelola_data", "Pengelola Data", pelaksana("SMA", 1), "", 0.5),
        _f(
            "pengelola_program",
            "Analis Program dan Kegiatan",
            pelaksana("S1", 2),
            _ADMIN_FIELDS,
            0.5,
        ),
        _f("protokol", "Pengelola Protokol", pelaksana("SMA", 1), "", 0.5),
        _f("pengemudi", "Pengemudi", pelaksana("SD", 0), "", 0.03),
    )
}

# Generic families of every head office (not of UPTD), with their weight in its staffing.
OFFICE_GENERIC: tuple[tuple[str, float], ...] = (
    ("analis_kebijakan", 0.06), ("perencana", 0.03), ("pranata_komputer", 0.02),
    ("arsiparis", 0.03), ("pengelola_keuangan", 0.07), ("adm_umum", 0.13),
    ("pengelola_data", 0.05), ("pengelola_program", 0.05), ("pengemudi", 0.02),
)  # fmt: skip
UPTD_GENERIC: tuple[tuple[str, float], ...] = (
    ("adm_umum", 0.08), ("pengelola_keuangan", 0.04), ("pengemudi", 0.01),
)  # fmt: skip
