"""Blocking: which vacancies are judged together, and which employees each block considers.

Every active vacancy (an active post whose ABK need is above its headcount at the date, as in
:func:`serving.domain.recommend.vacancies`) falls into one block per

- candidate area (``scope``): the vacancy's province (default), its kab/kota, or everywhere;
- target region, jabatan type, minimum golongan and minimum education: the fields the
  eligibility rules judge a post by (:data:`features.eligibility_checks.JUDGED_TARGET_FIELDS`).

Posts of one block are judged alike for every employee (the rules read nothing else, apart from
``same_position``, which the scorer checks per post), so the rule engine runs once per block
over the employees of the block's area, and pairs are formed only with the eligible ones. A
national run with ``scope="province"`` thus never pairs a vacancy with another province's
employees; ``scope="all"`` is exact but pairs every vacancy with every employee.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from features.eligibility_checks import JUDGED_TARGET_FIELDS
from serving.state import AsOfView, ServingState

Scope = Literal["province", "region", "all"]
SCOPES: tuple[Scope, ...] = ("province", "region", "all")
VACANCY_COLUMNS: tuple[str, ...] = (
    "position_id",
    "block_id",
    "area",
    "target_region_code",
    "target_unit_id",
    "target_instansi_code",
)


def area_of(region_codes: pd.Series | np.ndarray, scope: Scope) -> np.ndarray:
    """The candidate area of region codes: province (2 digits), region (4) or one for all."""
    codes = pd.Series(np.asarray(region_codes, dtype=object)).astype("str").fillna("")
    if scope == "province":
        return np.asarray(codes.str.slice(0, 2).to_numpy(dtype=object))
    if scope == "region":
        return np.asarray(codes.to_numpy(dtype=object))
    if scope == "all":
        return np.full(len(codes), "*", dtype=object)
    raise ValueError(f"scope must be one of {list(SCOPES)}, got {scope!r}")


def instansi_of_units(state: ServingState) -> pd.Series:
    """Employing pemda per unit id ("" where the data has no instansi_code)."""
    units = state.units
    if "instansi_code" not in units.columns:
        return pd.Series("", index=units.index, dtype=object)
    return units["instansi_code"].astype(object).where(units["instansi_code"].notna(), "")


def open_vacancies(
    state: ServingState, view: AsOfView, position_ids: list[str] | None = None
) -> np.ndarray:
    """Ids of active posts with a shortage at the view's date (optionally only ``position_ids``)."""
    open_posts = state.active_positions & (view.position_shortage > 0)
    ids = state.position_code.to_numpy()[open_posts].astype(object)
    if position_ids is None:
        return np.asarray(ids, dtype=object)
    unknown = sorted(set(position_ids) - set(ids))
    if unknown:
        raise ValueError(
            f"positions {unknown[:5]} are not open vacancies on {view.as_of.date()} "
            f"(inactive, unknown or without a shortage) in snapshot {state.snapshot_id}"
        )
    return np.asarray([p for p in ids if p in set(position_ids)], dtype=object)


def vacancy_blocks(state: ServingState, ids: np.ndarray, scope: Scope) -> pd.DataFrame:
    """One row per vacancy with its block id (blocks numbered in order of first vacancy)."""
    targets = [state.targets[str(p)] for p in ids]
    frame = pd.DataFrame(
        {name: [getattr(t, name) for t in targets] for name in JUDGED_TARGET_FIELDS},
        dtype=object,
    )
    frame.insert(0, "position_id", pd.Series(ids, dtype=object))
    frame["area"] = area_of(frame["region_code"], scope)
    key = frame[["area", *JUDGED_TARGET_FIELDS]].fillna("-").astype("str").agg("|".join, axis=1)
    frame["block_id"] = pd.factorize(key)[0].astype(np.int64)
    instansi = instansi_of_units(state)
    frame["target_unit_id"] = [t.unit_id for t in targets]
    frame["target_instansi_code"] = instansi.reindex(frame["target_unit_id"]).to_numpy()
    frame = frame.rename(columns={"region_code": "target_region_code"})
    return frame[list(VACANCY_COLUMNS)]


def area_rows(view: AsOfView, area: str, scope: Scope) -> np.ndarray:
    """Snapshot rows of the employees whose current unit lies in ``area``."""
    if scope == "all":
        return np.arange(len(view.state))
    return np.flatnonzero(area_of(view.state["region_code"], scope) == area)
