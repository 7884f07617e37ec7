"""Provinces and kota the generator can simulate: regions, coordinates and election calendars.

A preset is one pemda (a provincial government or a kota). Its units sit in ``regions``; employees
may also live in ``home_only`` regions (commuters from neighbouring kabupaten). Region codes are
BPS kab/kota codes (Master File Desa), checked against public copies of the BPS code list; see
docs/generator.md for sources. Coordinates are the approximate seat of each kab/kota government,
good enough for a distance-from-home term.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Region:
    """A kab/kota: BPS code, name, seat coordinates, and a population weight for sizing."""

    code: str
    name: str
    lat: float
    lon: float
    weight: float


@dataclass(frozen=True)
class ElectionCycle:
    """One pilkada serentak wave: candidate registration and the usual inauguration date."""

    year: int
    registration: date
    inauguration: date

    def freeze(self) -> tuple[date, date]:
        """UU 10/2016 Pasal 71: no replacement of officials from 6 months before registration
        until the elected head takes office (we use the wave's common inauguration date)."""
        reg = self.registration
        start = date(reg.year - (reg.month <= 6), (reg.month - 7) % 12 + 1, min(reg.day, 28))
        return start, self.inauguration


# Waves of pilkada serentak (KPU schedules); inaugurations varied by region, these are typical.
ELECTION_CYCLES: dict[int, ElectionCycle] = {
    2015: ElectionCycle(2015, date(2015, 7, 26), date(2016, 2, 17)),
    2017: ElectionCycle(2017, date(2016, 9, 21), date(2017, 5, 22)),
    2018: ElectionCycle(2018, date(2018, 1, 8), date(2018, 9, 20)),
    2020: ElectionCycle(2020, date(2020, 9, 4), date(2021, 2, 26)),
    2024: ElectionCycle(2024, date(2024, 8, 27), date(2025, 2, 20)),
}


@dataclass(frozen=True)
class Preset:
    """One pemda to simulate."""

    key: str
    pemda: str
    level: str  # "provinsi" or "kota"
    seat: str  # region code of the capital, where the head offices are
    regions: tuple[Region, ...]
    home_only: tuple[Region, ...]
    head_elections: tuple[int, ...]  # pilkada waves electing the head of this pemda
    subdistricts: tuple[str, ...] = ()  # kecamatan of a kota (units of the umum sector)

    @property
    def instansi_code(self) -> str:
        """BPS code of this pemda: 2 digits for a provincial government, else its kab/kota."""
        return self.seat[:2] if self.level == "provinsi" else self.seat

    def all_regions(self) -> tuple[Region, ...]:
        """Unit regions first, then home-only regions."""
        return self.regions + self.home_only

    def region_index(self, code: str) -> int:
        """Position of a region code in :meth:`all_regions`."""
        return [r.code for r in self.all_regions()].index(code)

    def freeze_periods(self, start: date, end: date) -> list[tuple[str, date, date, str]]:
        """(region_code, start, end, reason) rows overlapping [start, end].

        The head of this pemda is who may not replace officials, so each wave electing that head
        freezes every region where the pemda has units.
        """
        rows: list[tuple[str, date, date, str]] = []
        for year in self.head_elections:
            f_start, f_end = ELECTION_CYCLES[year].freeze()
            if f_end < start or f_start > end:
                continue
            rows.extend((r.code, f_start, f_end, "pilkada") for r in self.regions)
        return rows


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between coordinate arrays (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def distance_matrix(regions: tuple[Region, ...]) -> np.ndarray:
    """Pairwise haversine distances (km) between regions, in the given order."""
    lat = np.array([r.lat for r in regions])
    lon = np.array([r.lon for r in regions])
    return haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


_GORONTALO = Preset(
    key="gorontalo",
    pemda="Pemerintah Provinsi Gorontalo",
    level="provinsi",
    seat="7571",
    regions=(
        Region("7501", "Kabupaten Boalemo", 0.703, 122.357, 0.13),
        Region("7502", "Kabupaten Gorontalo", 0.628, 122.968, 0.32),
        Region("7503", "Kabupaten Pohuwato", 0.540, 121.930, 0.13),
        Region("7504", "Kabupaten Bone Bolango", 0.507, 123.278, 0.13),
        Region("7505", "Kabupaten Gorontalo Utara", 0.870, 122.870, 0.10),
        Region("7571", "Kota Gorontalo", 0.544, 123.059, 0.19),
    ),
    home_only=(),
    head_elections=(2017, 2024),
)

_SULAWESI_BARAT = Preset(
    key="sulawesi_barat",
    pemda="Pemerintah Provinsi Sulawesi Barat",
    level="provinsi",
    seat="7604",
    regions=(
        Region("7601", "Kabupaten Majene", -3.541, 118.970, 0.11),
        Region("7602", "Kabupaten Polewali Mandar", -3.414, 119.339, 0.33),
        Region("7603", "Kabupaten Mamasa", -2.944, 119.372, 0.11),
        Region("7604", "Kabupaten Mamuju", -2.675, 118.889, 0.21),
        Region("7605", "Kabupaten Pasangkayu", -1.173, 119.367, 0.14),
        Region("7606", "Kabupaten Mamuju Tengah", -2.050, 119.290, 0.10),
    ),
    home_only=(),
    head_elections=(2017, 2024),
)

_BINJAI = Preset(
    key="binjai",
    pemda="Pemerintah Kota Binjai",
    level="kota",
    seat="1276",
    regions=(Region("1276", "Kota Binjai", 3.600, 98.485, 1.0),),
    home_only=(
        Region("1275", "Kota Medan", 3.595, 98.672, 0.35),
        Region("1213", "Kabupaten Langkat", 3.760, 98.447, 0.40),
        Region("1212", "Kabupaten Deli Serdang", 3.533, 98.870, 0.25),
    ),
    head_elections=(2015, 2020, 2024),
    subdistricts=("Binjai Kota", "Binjai Utara", "Binjai Timur", "Binjai Selatan", "Binjai Barat"),
)

_BENGKULU = Preset(
    key="bengkulu",
    pemda="Pemerintah Provinsi Bengkulu",
    level="provinsi",
    seat="1771",
    regions=(
        Region("1701", "Kabupaten Bengkulu Selatan", -4.437, 102.894, 0.08),
        Region("1702", "Kabupaten Rejang Lebong", -3.466, 102.526, 0.13),
        Region("1703", "Kabupaten Bengkulu Utara", -3.433, 102.261, 0.14),
        Region("1704", "Kabupaten Kaur", -4.780, 103.360, 0.06),
        Region("1705", "Kabupaten Seluma", -4.068, 102.550, 0.10),
        Region("1706", "Kabupaten Mukomuko", -2.580, 101.110, 0.09),
        Region("1707", "Kabupaten Lebong", -3.180, 102.230, 0.06),
        Region("1708", "Kabupaten Kepahiang", -3.640, 102.580, 0.07),
        Region("1709", "Kabupaten Bengkulu Tengah", -3.700, 102.390, 0.06),
        Region("1771", "Kota Bengkulu", -3.796, 102.259, 0.21),
    ),
    home_only=(),
    head_elections=(2015, 2020, 2024),
)

_JAMBI = Preset(
    key="jambi",
    pemda="Pemerintah Provinsi Jambi",
    level="provinsi",
    seat="1571",
    regions=(
        Region("1501", "Kabupaten Kerinci", -2.010, 101.340, 0.07),
        Region("1502", "Kabupaten Merangin", -2.080, 102.260, 0.11),
        Region("1503", "Kabupaten Sarolangun", -2.300, 102.700, 0.08),
        Region("1504", "Kabupaten Batang Hari", -1.700, 103.270, 0.08),
        Region("1505", "Kabupaten Muaro Jambi", -1.520, 103.620, 0.11),
        Region("1506", "Kabupaten Tanjung Jabung Timur", -1.130, 103.830, 0.06),
        Region("1507", "Kabupaten Tanjung Jabung Barat", -0.820, 103.460, 0.09),
        Region("1508", "Kabupaten Tebo", -1.490, 102.440, 0.10),
        Region("1509", "Kabupaten Bungo", -1.500, 102.120, 0.10),
        Region("1571", "Kota Jambi", -1.610, 103.610, 0.17),
        Region("1572", "Kota Sungai Penuh", -2.060, 101.390, 0.03),
    ),
    home_only=(),
    head_elections=(2015, 2020, 2024),
)

PRESETS: dict[str, Preset] = {
    p.key: p for p in (_GORONTALO, _SULAWESI_BARAT, _BINJAI, _BENGKULU, _JAMBI)
}
ALIASES: dict[str, str] = {"mamuju": "sulawesi_barat", "sulbar": "sulawesi_barat"}


def get_preset(name: str) -> Preset:
    """A preset by key or alias; a clear error lists the known ones."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in PRESETS:
        known = ", ".join(sorted([*PRESETS, *ALIASES]))
        raise ValueError(f"unknown preset {name!r}; known presets: {known}")
    return PRESETS[key]


def day_number(d: date) -> int:
    """Days since 1970-01-01 (the integer day scale the simulation works in)."""
    return (d - date(1970, 1, 1)).days
