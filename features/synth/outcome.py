"""THE structural outcome model: how well a person performs (SKP) in a post, and why.

For person i in post p in year y (state as of 1 July of y, see docs/generator.md):

    index = ability_i                                   latent, N(0, 1), fixed per person
          + FIELD       * fit(field_i, sector_p)        taxonomy fit in [0, 1]
          + LEVEL_GAP   * min(gap_ip, 3)                education ranks below the post minimum
          + OVERQUAL    * [rank_i - min_p >= 3]         heavily over-qualified
          + COMPETENCY  * mean shortfall vs the post's competency requirements (levels)
          + EXPERIENCE  * log1p(years served in sector_p)
          + AWAY        * [unit region != home region]
          + DISTANCE    * min(km(home, unit region), 300) / 100
          + PREFERENCE  * [person asked for the unit in an usulan mutasi]
    realised = index + noise,  noise ~ N(0, NOISE_SD^2)

The rating is the band of the realised index between fixed thresholds; the score (nilai SKP,
reported before 2022) is a monotone piecewise-linear map of it whose cut points are the
PP 46/2011 bands (91 sangat baik, 76 baik, 61 cukup, 51 kurang). The noise-free expected rating
on the 1..5 scale is ``1 + sum_k Phi((index - t_k) / NOISE_SD)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import ndtr

from features.contract import EDUCATION_LEVELS, EDUCATION_RANK, RATINGS
from features.synth.career_log import CareerHistory

# Education rank of each EDUCATION_LEVELS index (D4 and S1 share a rank).
LEVEL_RANK = np.array([EDUCATION_RANK[lv] for lv in EDUCATION_LEVELS])
MAX_KM = 300.0


@dataclass(frozen=True)
class StructuralModel:
    """Coefficients of the outcome model (documented in docs/generator.md)."""

    field: float = 1.2
    level_gap: float = -0.5
    overqualified: float = -0.2
    competency: float = -0.45
    experience: float = 0.25
    away: float = -0.35
    distance: float = -0.1
    preference: float = 0.3
    noise_sd: float = 0.6
    # Bands of the realised index: below t1 sangat_kurang, ..., above t4 sangat_baik.
    thresholds: tuple[float, float, float, float] = (-2.75, -1.85, -0.95, 2.15)

    def index(self, x: OutcomeInputs) -> np.ndarray:
        """Noise-free latent performance index."""
        gap = np.where(x.min_rank >= 0, np.clip(x.min_rank - x.edu_rank, 0, 3), 0)
        over = (x.min_rank >= 0) & (x.edu_rank - x.min_rank >= 3)
        return np.asarray(
            x.ability
            + self.field * x.fit
            + self.level_gap * gap
            + self.overqualified * over
            + self.competency * x.competency_shortfall
            + self.experience * np.log1p(x.sector_years)
            + self.away * x.away
            + self.distance * np.minimum(x.km, MAX_KM) / 100.0
            + self.preference * x.asked,
            dtype=np.float64,
        )

    def rating_value(self, realised: np.ndarray) -> np.ndarray:
        """Rating on the 1..5 scale (RATING_VALUE) of realised indices."""
        return 1 + np.searchsorted(np.asarray(self.thresholds), realised, side="right")

    def rating_code(self, realised: np.ndarray) -> np.ndarray:
        """Contract rating codes of realised indices."""
        codes: np.ndarray = np.asarray(RATINGS, dtype=object)[self.rating_value(realised) - 1]
        return codes

    def score(self, realised: np.ndarray) -> np.ndarray:
        """Nilai SKP (0..100, two decimals), monotone in the realised index."""
        t1, t2, t3, t4 = self.thresholds
        xs = (t1 - 2.0, t1, t2, t3, t4, t4 + 1.5)
        ys = (20.0, 50.5, 60.5, 75.5, 90.5, 100.0)
        scores: np.ndarray = np.round(np.interp(realised, xs, ys), 2)
        return scores

    def expected_rating(self, index: np.ndarray) -> np.ndarray:
        """E[rating value] over the noise, given noise-free indices."""
        z = (np.asarray(index)[..., None] - np.asarray(self.thresholds)) / self.noise_sd
        return np.asarray(1.0 + ndtr(z).sum(axis=-1))

    def to_dict(self) -> dict[str, object]:
        """Coefficients for the oracle's model.json."""
        return asdict(self)


@dataclass
class OutcomeInputs:
    """Terms of the model for a batch of (person, post, day) triples."""

    ability: np.ndarray
    fit: np.ndarray
    edu_rank: np.ndarray
    min_rank: np.ndarray
    competency_shortfall: np.ndarray
    sector_years: np.ndarray
    away: np.ndarray
    km: np.ndarray
    asked: np.ndarray


@dataclass
class OutcomeContext:
    """Everything the model reads: people, posts, regions and the career history."""

    history: CareerHistory
    ability: np.ndarray  # per person
    home: np.ndarray  # per person, region index
    pos_unit: np.ndarray
    pos_sector: np.ndarray
    pos_region: np.ndarray
    pos_min_edu: np.ndarray  # education rank, -1 = none
    req_codes: np.ndarray  # (positions, k) competency code index, -1 = padding
    req_levels: np.ndarray  # (positions, k)
    region_km: np.ndarray  # (regions, regions)
    fit_matrix: np.ndarray  # (fields, sectors)

    def inputs(
        self, persons: np.ndarray, positions: np.ndarray, day: np.ndarray | int
    ) -> OutcomeInputs:
        """Model terms for each (person, position) pair as of ``day`` (scalar or per pair)."""
        persons = np.asarray(persons, dtype=np.int64)
        positions = np.asarray(positions, dtype=np.int64)
        days = np.broadcast_to(np.asarray(day, dtype=np.int64), persons.shape)
        level, field = self.history.education(persons, days)
        sector = self.pos_sector[positions]
        fit = np.where(field >= 0, self.fit_matrix[np.maximum(field, 0), sector], 0.0)
        edu_rank = np.where(level >= 0, LEVEL_RANK[np.maximum(level, 0)], 0)
        shortfall = np.zeros(len(persons))
        n_req = np.zeros(len(persons))
        for k in range(self.req_codes.shape[1]):
            code = self.req_codes[positions, k]
            has = code >= 0
            if not has.any():
                continue
            held = self.history.competency(persons[has], code[has], days[has])
            shortfall[has] += np.maximum(self.req_levels[positions[has], k] - held, 0)
            n_req[has] += 1
        region = self.pos_region[positions]
        home = self.home[persons]
        return OutcomeInputs(
            ability=self.ability[persons],
            fit=fit,
            edu_rank=edu_rank,
            min_rank=self.pos_min_edu[positions],
            competency_shortfall=np.divide(
                shortfall, n_req, out=np.zeros_like(shortfall), where=n_req > 0
            ),
            sector_years=self.history.sector_years(persons, sector, days),
            away=(region != home).astype(np.float64),
            km=self.region_km[home, region],
            asked=self.history.asked_for(persons, self.pos_unit[positions], days).astype(
                np.float64
            ),
        )
