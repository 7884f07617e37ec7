"""Plausible Indonesian names with academic titles (gelar), flavoured by region.

Names are personal data in a real export; the contract makes them optional, and a few are left
empty here on purpose.
"""

from __future__ import annotations

import numpy as np

from features.contract import EDUCATION_FIELDS, EDUCATION_LEVELS


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MALE = _words(
    "Ahmad Muhammad Rahmat Abdul Hendra Irwan Fadli Rizal Syahrul Agus Budi Dedi Eko Yusuf Hasan"
    " Arif Taufik Sofyan Ismail Ridwan Andi Fauzan Wahyu Zulkifli Darmawan Hamdan Iskandar"
)
FEMALE = _words(
    "Siti Nurul Sri Dewi Fitri Rahmawati Yuliana Nurhayati Wulan Ratna Rina Indah Putri Aisyah"
    " Fatimah Hasnah Marlina Suryani Ayu Novita Kartika Lestari Wahyuni Hartati Sulastri"
)
SURNAMES: dict[str, tuple[str, ...]] = {
    "gorontalo": _words(
        "Pakaya Hulopi Katili Mooduto Lamato Daud Polapa Tangahu Gobel Biya Hippy Datau Ointu"
    ),
    "sulawesi_barat": _words(
        "Masdar Baharuddin Tammauni Suhardi Syarif Ambo Tahir Lambe Rante Palullungan Sulaiman"
    ),
    "binjai": _words(
        "Siregar Nasution Lubis Harahap Sinaga Ginting Sembiring Tarigan Pohan Hasibuan Daulay"
    ),
    "bengkulu": _words(
        "Rozali Mersyah Hidayat Syahputra Effendi Zulkarnain Rasyid Amin Saputra Gunawan Pratama"
    ),
    "jambi": _words(
        "Zola Haris Fachrori Syarif Hasan Rasyid Syahbana Kurniawan Saputra Yusuf Anwar Ramli"
    ),
}
_S1 = {
    "pendidikan_guru": "S.Pd.",
    "keperawatan_kebidanan": "S.Kep.",
    "kesehatan_masyarakat": "S.KM.",
    "farmasi": "S.Farm.",
    "pertanian": "S.P.",
    "peternakan": "S.Pt.",
    "perikanan_kelautan": "S.Pi.",
    "kehutanan_lingkungan": "S.Hut.",
    "teknik_sipil": "S.T.",
    "teknik_lainnya": "S.T.",
    "teknologi_informasi": "S.Kom.",
    "ekonomi_akuntansi": "S.E.",
    "manajemen": "S.E.",
    "administrasi_publik": "S.IP.",
    "hukum": "S.H.",
    "ilmu_sosial_politik": "S.Sos.",
    "statistika_matematika": "S.Si.",
    "pariwisata": "S.Par.",
    "kedokteran": "S.Ked.",
}
_S2 = {
    "pendidikan_guru": "M.Pd.",
    "kesehatan_masyarakat": "M.Kes.",
    "keperawatan_kebidanan": "M.Kep.",
    "teknik_sipil": "M.T.",
    "teknik_lainnya": "M.T.",
    "ekonomi_akuntansi": "M.Si.",
    "manajemen": "M.M.",
    "administrasi_publik": "M.AP.",
    "hukum": "M.H.",
}


def _title(level: str, field: str) -> tuple[str, str]:
    """(prefix, suffix) gelar of a degree."""
    if field == "kedokteran" and EDUCATION_LEVELS.index(level) >= EDUCATION_LEVELS.index("S1"):
        return "dr. ", ", M.Kes." if level in ("S2", "S3") else ""
    if level in ("D3", "D4"):
        return "", ", A.Md." if level == "D3" else ", S.Tr."
    if level == "S1":
        return "", ", " + _S1.get(field, "S.Sos.")
    if level == "S2":
        return "", ", " + _S2.get(field, "M.Si.")
    if level == "S3":
        return "Dr. ", ", " + _S2.get(field, "M.Si.")
    return "", ""


def make_names(
    rng: np.random.Generator,
    preset_key: str,
    female: np.ndarray,
    level: np.ndarray,
    field: np.ndarray,
) -> np.ndarray:
    """One name per person (object array; about 3% left missing)."""
    surnames = SURNAMES.get(preset_key, SURNAMES["gorontalo"])
    first_m = rng.choice(len(MALE), female.size)
    first_f = rng.choice(len(FEMALE), female.size)
    last = rng.choice(len(surnames), female.size)
    out = np.empty(female.size, dtype=object)
    for i in range(female.size):
        first = FEMALE[first_f[i]] if female[i] else MALE[first_m[i]]
        prefix, suffix = _title(EDUCATION_LEVELS[level[i]], EDUCATION_FIELDS[field[i]])
        out[i] = f"{prefix}{first} {surnames[last[i]]}{suffix}"
    out[rng.random(female.size) < 0.03] = None
    return out
