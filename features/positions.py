"""The position side of a pair: requirements and staffing of target posts as numpy arrays.

A :class:`PositionSide` holds K positions (the whole positions table, or one inline post that is
not in the dataset, e.g. a new post described in a request). Matrices are K x codes so that the
pair function can look up a candidate's field or competency by integer index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from features.codes import FeatureInputError, category_codes, id_codes, lookup_codes
from features.contract import (
    COMPETENCY_CODES,
    COMPETENCY_LEVELS,
    EDUCATION_FIELDS,
    EDUCATION_LEVELS,
    EDUCATION_RANK,
    JABATAN_TYPES,
    PNS_GOLONGAN_RANK,
    Dataset,
)
from features.dated_index import take
from features.history import LEVEL_RANK, EmployeeHistory

# Batas usia pensiun by jabatan type (PP 11/2017 Pasal 239): 58 unless listed.
DEFAULT_BUP = 58.0
BUP_BY_JABATAN: dict[str, float] = {
    "jpt_madya": 60.0,
    "jpt_pratama": 60.0,
    "fungsional_ahli_madya": 60.0,
    "fungsional_ahli_utama": 65.0,
}
INLINE_ABK_NEED = 1  # what serving assumes for a new post whose request omits abk_need


@dataclass(frozen=True)
class PositionSide:
    """K target positions; ``position`` is -1 for an inline post (nobody holds it yet)."""

    position: np.ndarray
    unit: np.ndarray
    sector: np.ndarray
    region: np.ndarray
    jabatan: np.ndarray
    bup: np.ndarray
    min_golongan_rank: np.ndarray
    min_education_rank: np.ndarray
    any_field: np.ndarray
    field_ok: np.ndarray  # (K, fields + 1): the extra last column is "field unknown" (False)
    requirement: np.ndarray  # (K, competency codes) required level, 0 = not required
    abk_need: np.ndarray
    unit_need: np.ndarray  # total abk_need of the target unit's positions

    def __len__(self) -> int:
        return len(self.position)

    def take(self, rows: np.ndarray) -> PositionSide:
        """The side of the given rows (fancy indexing of every array)."""
        return PositionSide(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


def _list_items(values: pd.Series) -> pd.Series:
    """Items of a ``;``-separated list column, one per row, indexed by the row position."""
    items = values.reset_index(drop=True).astype("object").str.split(";").explode().str.strip()
    return items[items.notna() & (items != "")]


def _bad_item(where: str, values: pd.Series, items: pd.Series, bad: np.ndarray, why: str) -> None:
    if bad.any():
        first = int(np.argmax(bad))
        row = values.index[int(items.index[first])]
        raise FeatureInputError(f"{where} at row {row}: {items.iloc[first]!r} {why}")


def field_matrix(
    values: pd.Series, where: str = "positions.education_fields"
) -> tuple[np.ndarray, np.ndarray]:
    """(K, fields + 1) matrix of listed education fields, and whether each row lists none."""
    items = _list_items(values)
    code = lookup_codes(items, EDUCATION_FIELDS)
    _bad_item(where, values, items, code < 0, "is not an education field")
    ok = np.zeros((len(values), len(EDUCATION_FIELDS) + 1), dtype=bool)
    ok[items.index.to_numpy(np.int64), code] = True
    return ok, np.asarray(~ok.any(axis=1))


def requirement_matrix(
    values: pd.Series, where: str = "positions.competency_requirements"
) -> np.ndarray:
    """(K, competency codes) matrix of required levels (0 = not required)."""
    items = _list_items(values)
    out = np.zeros((len(values), len(COMPETENCY_CODES)))
    if items.empty:  # the column is optional: an export may list no requirement at all
        return out
    parts = items.str.partition(":")
    code = lookup_codes(parts[0].str.strip(), COMPETENCY_CODES)
    level = pd.to_numeric(parts[2].str.strip(), errors="coerce").to_numpy(np.float64)
    bad = (code < 0) | ~np.isin(level, list(COMPETENCY_LEVELS))
    _bad_item(where, values, items, bad, "is not code:level (level 1..5)")
    out[items.index.to_numpy(np.int64), code] = level
    return out


def _pns_rank(codes: pd.Series, column: str) -> np.ndarray:
    """PNS rank of a min_golongan column; a PPPK grade as a minimum is an error."""
    known = codes.dropna().astype("object")
    bad = ~known.isin(list(PNS_GOLONGAN_RANK))
    if bad.any():
        first = int(np.argmax(bad.to_numpy()))
        raise FeatureInputError(
            f"{column}: {known.iloc[first]!r} at row {known.index[first]} is not a PNS golongan"
        )
    return codes.astype("object").map(PNS_GOLONGAN_RANK).to_numpy(np.float64, na_value=np.nan)


class PositionTable:
    """Every position of a dataset as a :class:`PositionSide`, plus inline posts on request."""

    def __init__(self, dataset: Dataset, history: EmployeeHistory) -> None:
        pos = dataset.positions.reset_index(drop=True)
        self.history = history
        self.ids = history.positions
        unit = history.position_unit
        abk = pos["abk_need"].to_numpy(np.float64)
        self.need_of_unit = np.bincount(unit, weights=abk, minlength=len(history.units))
        jabatan = history.position_jabatan
        min_level = category_codes(
            pos["min_education_level"],
            EDUCATION_LEVELS,
            table="positions",
            column="min_education_level",
        )
        field_ok, any_field = field_matrix(pos["education_fields"])
        self.side = PositionSide(
            position=np.arange(len(pos)),
            unit=unit,
            sector=history.unit_sector[unit],
            region=history.unit_region[unit],
            jabatan=jabatan,
            bup=_bup(jabatan),
            min_golongan_rank=_pns_rank(pos["min_golongan"], "positions.min_golongan"),
            min_education_rank=take(LEVEL_RANK, min_level, np.nan),
            any_field=any_field,
            field_ok=field_ok,
            requirement=requirement_matrix(pos["competency_requirements"]),
            abk_need=abk,
            unit_need=self.need_of_unit[unit],
        )

    def codes(self, position_ids: pd.Series, *, table: str = "input") -> np.ndarray:
        """Codes of position ids; unknown ids are an error naming the row."""
        return id_codes(position_ids, self.ids, table=table, column="position_id")

    def single(self, position: str | Mapping[str, Any]) -> PositionSide:
        """One position: an id in the dataset or an inline post (see :meth:`inline`)."""
        if isinstance(position, str):
            # A dict lookup, not a pandas join: serving asks for one position per ranking.
            code = self._code_of.get(position)
            if code is None:
                code = int(self.codes(pd.Series([position], dtype="object"))[0])  # its error
            return self.side.take(np.array([code]))
        return self.inline(position)

    @cached_property
    def _code_of(self) -> dict[str, int]:
        return {str(position_id): i for i, position_id in enumerate(self.ids)}

    def inline(self, post: Mapping[str, Any]) -> PositionSide:
        """A post that is not in the dataset, from a mapping of contract position fields.

        Needs ``unit_id`` (in the dataset) and ``jabatan_type``; optional ``min_golongan``,
        ``min_education_level``, ``education_fields`` (list or ``;`` string),
        ``competency_requirements`` (mapping or ``code:level;...`` string), ``abk_need``.
        """
        problem = _inline_problem(post, self.history)
        if problem:
            raise FeatureInputError(f"inline position: {problem}")
        unit = int(self.history.units.get_indexer(pd.Index([post["unit_id"]]))[0])
        jabatan = np.array([JABATAN_TYPES.index(post["jabatan_type"])])
        listed = _as_list_text(post.get("education_fields"))
        required = post.get("competency_requirements")
        if isinstance(required, Mapping):
            required = ";".join(f"{k}:{v}" for k, v in required.items())
        field_ok, any_field = field_matrix(
            pd.Series([listed], dtype="object"), "inline position: education_fields"
        )
        abk = float(post.get("abk_need", INLINE_ABK_NEED))
        min_level, golongan = post.get("min_education_level"), post.get("min_golongan")
        return PositionSide(
            position=np.array([-1]),
            unit=np.array([unit]),
            sector=self.history.unit_sector[[unit]],
            region=self.history.unit_region[[unit]],
            jabatan=jabatan,
            bup=_bup(jabatan),
            min_golongan_rank=np.array([PNS_GOLONGAN_RANK.get(str(golongan), np.nan)]),
            min_education_rank=np.array([EDUCATION_RANK.get(str(min_level), np.nan)]),
            any_field=any_field,
            field_ok=field_ok,
            requirement=requirement_matrix(
                pd.Series([required], dtype="object"), "inline position: competency_requirements"
            ),
            abk_need=np.array([abk]),
            unit_need=np.array([self.need_of_unit[unit] + abk]),
        )


def _inline_problem(post: Mapping[str, Any], history: EmployeeHistory) -> str | None:
    """What is wrong with an inline post, or None."""
    unit, jabatan = post.get("unit_id"), post.get("jabatan_type")
    if unit not in history.units:
        return f"unit_id {unit!r} is not a unit of the dataset"
    if jabatan not in JABATAN_TYPES:
        return f"jabatan_type {jabatan!r} is not a contract jabatan type"
    golongan, level = post.get("min_golongan"), post.get("min_education_level")
    if golongan is not None and golongan not in PNS_GOLONGAN_RANK:
        return f"min_golongan {golongan!r} is not a PNS golongan"
    if level is not None and level not in EDUCATION_RANK:
        return f"min_education_level {level!r} is not a contract education level"
    abk = post.get("abk_need", INLINE_ABK_NEED)
    if not isinstance(abk, int | np.integer) or isinstance(abk, bool) or abk < 0:
        return f"abk_need must be an integer >= 0, got {abk!r}"
    return None


def _as_list_text(value: Any) -> str | None:
    """A list value of an inline post as the contract's ``;`` text."""
    if value is None or isinstance(value, str):
        return value
    return ";".join(str(v) for v in value)


def _bup(jabatan: np.ndarray) -> np.ndarray:
    table = np.array([BUP_BY_JABATAN.get(j, DEFAULT_BUP) for j in JABATAN_TYPES])
    bup: np.ndarray = table[jabatan]
    return bup
