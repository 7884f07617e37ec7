"""The oracle: ground truth of a synthetic dataset, read from its ``_oracle/`` directory.

``truth(nips, position_ids, as_of)`` is the noise-free expected rating (1..5) of each
(person, post) pair as of a date: the structural outcome model evaluated with the person's
education, competencies, sector experience, home region and preferences as of that date. The
oracle reads only ``_oracle/`` (written by the generator next to the contract tables), so it
keeps working on a corrupted copy of the tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.contract import (
    COMPETENCY_CODES,
    EDUCATION_FIELDS,
    EDUCATION_LEVELS,
    EDUCATION_RANK,
    SECTORS,
    parse_competency_requirements,
)
from features.synth.career_log import OPEN_END, CareerEvents, CareerHistory
from features.synth.careers import requirement_arrays
from features.synth.outcome import OutcomeContext, StructuralModel
from features.synth.presets import Region, distance_matrix
from features.taxonomy import load_taxonomy

ORACLE_DIR = "_oracle"
MODEL_FILE = "model.json"

DateLike = date | pd.Timestamp | str | np.datetime64


def day_numbers(values: object, n: int) -> np.ndarray:
    """Dates (scalar or one per pair) as day numbers, broadcast to ``n``."""
    stamps = pd.to_datetime(pd.Series(np.broadcast_to(np.asarray(values, dtype=object), (n,))))
    if stamps.isna().any():
        raise ValueError("as_of: missing or unparseable date")
    return stamps.to_numpy(dtype="datetime64[D]").astype(np.int64)


def _days(series: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(series)
    out = stamps.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.where(stamps.isna().to_numpy(), OPEN_END, out)


def _index_of(values: pd.Series, labels: pd.Index, what: str) -> np.ndarray:
    idx = labels.get_indexer(pd.Index(values))
    if (idx < 0).any():
        raise ValueError(f"oracle data: {what} {values[idx < 0].iloc[0]!r} is not known")
    return np.asarray(idx, dtype=np.int64)


def read_model(data_dir: Path | str) -> tuple[StructuralModel, dict[str, Any]]:
    """The structural model of a synthetic dataset and the rest of ``_oracle/model.json``."""
    root = Path(data_dir) / ORACLE_DIR
    if not (root / MODEL_FILE).is_file():
        raise FileNotFoundError(f"{root}: no oracle here (not a synthetic dataset?)")
    meta: dict[str, Any] = json.loads((root / MODEL_FILE).read_text(encoding="utf-8"))
    coef = dict(meta["model"])
    coef["thresholds"] = tuple(coef["thresholds"])
    return StructuralModel(**coef), meta


class Oracle:
    """Noise-free expected outcomes of (employee, position) pairs in a synthetic dataset."""

    def __init__(
        self, model: StructuralModel, context: OutcomeContext, nips: pd.Index, positions: pd.Index
    ) -> None:
        self.model = model
        self.context = context
        self.nips = nips
        self.positions = positions

    @classmethod
    def load(cls, data_dir: Path | str) -> Oracle:
        """Read ``<data_dir>/_oracle/``; a clear error if it is missing or incomplete."""
        root = Path(data_dir) / ORACLE_DIR
        model, _ = read_model(data_dir)

        def read(name: str) -> pd.DataFrame:
            path = root / f"{name}.parquet"
            if not path.is_file():
                raise FileNotFoundError(f"{path}: missing oracle table")
            return pd.read_parquet(path)

        people, regions, units, positions = (
            read("people"),
            read("regions"),
            read("units"),
            read("positions"),
        )
        nips = pd.Index(people["nip"].astype(str))
        unit_index = pd.Index(units["unit_id"].astype(str))
        region_index = pd.Index(regions["region_code"].astype(str))
        pos_index = pd.Index(positions["position_id"].astype(str))
        pos_unit = _index_of(positions["unit_id"].astype(str), unit_index, "unit_id")
        unit_sector = np.array([SECTORS.index(s) for s in units["sector"]], dtype=np.int64)
        unit_region = _index_of(units["region_code"].astype(str), region_index, "region_code")
        min_edu = (
            positions["min_education_level"]
            .map(EDUCATION_RANK)
            .fillna(-1)
            .astype(np.int64)
            .to_numpy()
        )
        req_codes, req_levels = requirement_arrays(
            [parse_competency_requirements(v) for v in positions["competency_requirements"]]
        )
        edu, comp, pref, stints = (
            read("education"),
            read("competencies"),
            read("preferences"),
            read("stints"),
        )
        events = CareerEvents(
            edu_person=_index_of(edu["nip"].astype(str), nips, "nip"),
            edu_day=_days(edu["day"]),
            edu_level=np.array(
                [EDUCATION_LEVELS.index(v) for v in edu["education_level"]], dtype=np.int64
            ),
            edu_field=np.array(
                [EDUCATION_FIELDS.index(v) for v in edu["education_field"]], dtype=np.int64
            ),
            comp_person=_index_of(comp["nip"].astype(str), nips, "nip"),
            comp_day=_days(comp["day"]),
            comp_code=np.array([COMPETENCY_CODES.index(v) for v in comp["code"]], dtype=np.int64),
            comp_level=comp["level"].to_numpy(dtype=np.int64),
            pref_person=_index_of(pref["nip"].astype(str), nips, "nip"),
            pref_day=_days(pref["day"]),
            pref_unit=_index_of(pref["unit_id"].astype(str), unit_index, "unit_id"),
            stint_person=_index_of(stints["nip"].astype(str), nips, "nip"),
            stint_start=_days(stints["start"]),
            stint_end=_days(stints["end"]),
            stint_sector=np.array([SECTORS.index(v) for v in stints["sector"]], dtype=np.int64),
        )
        region_list = tuple(
            Region(str(c), str(c), float(a), float(b), 1.0)
            for c, a, b in regions[["region_code", "lat", "lon"]].itertuples(index=False)
        )
        context = OutcomeContext(
            history=CareerHistory(events, len(unit_index)),
            ability=people["ability"].to_numpy(dtype=np.float64),
            home=_index_of(
                people["home_region_code"].astype(str), region_index, "home_region_code"
            ),
            pos_unit=pos_unit,
            pos_sector=unit_sector[pos_unit],
            pos_region=unit_region[pos_unit],
            pos_min_edu=min_edu,
            req_codes=req_codes,
            req_levels=req_levels,
            region_km=distance_matrix(region_list),
            fit_matrix=load_taxonomy().matrix,
        )
        return cls(model, context, nips, pos_index)

    def _pairs(
        self, nips: Sequence[str], position_ids: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        nip_arr = pd.Index(np.asarray(nips, dtype=object).astype(str))
        pos_arr = pd.Index(np.asarray(position_ids, dtype=object).astype(str))
        if len(nip_arr) != len(pos_arr):
            raise ValueError(f"oracle: {len(nip_arr)} nips but {len(pos_arr)} position_ids")
        persons = self.nips.get_indexer(nip_arr)
        positions = self.positions.get_indexer(pos_arr)
        if (persons < 0).any():
            raise KeyError(f"oracle: unknown nip {nip_arr[persons < 0][0]!r}")
        if (positions < 0).any():
            raise KeyError(f"oracle: unknown position_id {pos_arr[positions < 0][0]!r}")
        return persons, positions

    def truth_index(
        self, nips: Sequence[str], position_ids: Sequence[str], as_of: DateLike | Sequence[DateLike]
    ) -> np.ndarray:
        """Noise-free latent performance index of each (nip, position) pair as of ``as_of``."""
        persons, positions = self._pairs(nips, position_ids)
        days = day_numbers(as_of, persons.size)
        return self.model.index(self.context.inputs(persons, positions, days))

    def truth(
        self, nips: Sequence[str], position_ids: Sequence[str], as_of: DateLike | Sequence[DateLike]
    ) -> np.ndarray:
        """Noise-free expected rating (1..5) of each (nip, position) pair as of ``as_of``."""
        return self.model.expected_rating(self.truth_index(nips, position_ids, as_of))
