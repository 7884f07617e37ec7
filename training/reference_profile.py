"""The reference profile of a model version: the distributions drift is later measured against.

Every training run stores one in its bundle (``reference_profile.json``), so that monitoring
(``mutasi monitor``) can compare a newer HR export with the data *this* version learnt from,
without the old export at hand:

- ``features``: each model input over the most recent moves of the training set (the
  validation and test splits: the population closest in time to serving; older moves reflect
  older HR practice and the 2022 end of the SKP score). Retired features are left out: the
  model never sees them.
- ``prediction``: the model's expected rating on those moves; ``label``: their realised rating.
- ``attributes``: categorical attributes of everyone in the training export (education level
  and field, golongan, employment type, status, gender, age band, jabatan type and sector of
  the current post, the rating of the export's latest SKP year).

A numeric column with at most :data:`MAX_DISTINCT` values (flags, counts, levels) is binned by
value, cut half-way between neighbouring values so that a value the reference never had falls
into the nearest bin (a count that grows past the reference's largest value lands in the top
bin); any other numeric column by the reference deciles; a categorical one by label, with a bin
for labels the reference never had. Every histogram ends with a bin for missing values.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from features.asof import age_band
from features.contract import RATINGS, Dataset

PROFILE_VERSION = 1
PROFILE_FILE = "reference_profile.json"
MAX_DISTINCT = 12
QUANTILES = tuple(np.round(np.linspace(0.1, 0.9, 9), 2))
MISSING, OTHER = "missing", "other"
# Snapshot attributes profiled, in report order.
ATTRIBUTES: tuple[str, ...] = (
    "education_level", "education_field", "golongan", "employment_type", "status", "gender",
    "age_band", "jabatan_type", "sector", "rating_latest_year",
)  # fmt: skip

RATING_ATTRIBUTE = "rating_latest_year"
RATING_SCALE: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0, 5.0)

Kind = Literal["quantile", "discrete", "values"]


@dataclass(frozen=True)
class Histogram:
    """Counts of one column over fixed bins.

    ``quantile``: bins ``(-inf, e0], (e0, e1], ..., (e_last, inf)`` over ``edges``;
    ``discrete``: the same cuts, half-way between the reference ``values`` (one bin each);
    ``values``: one bin per reference label then ``other``.
    Both end with a ``missing`` bin; ``counts`` has one entry per bin.
    """

    kind: Kind
    edges: list[float]
    values: list[Any]
    counts: list[int]

    @property
    def n(self) -> int:
        """Rows counted."""
        return int(sum(self.counts))

    @property
    def labels(self) -> list[str]:
        """A readable label per bin, e.g. ``<= 0.5``, ``(0.5, 0.8]``, ``S1``, ``missing``."""
        if self.kind == "quantile":
            e = [_short(v) for v in self.edges]
            middle = [f"({a}, {b}]" for a, b in itertools.pairwise(e)]
            return [f"<= {e[0]}", *middle, f"> {e[-1]}", MISSING]
        labels = [_short(v) for v in self.values]
        if self.kind == "discrete":
            if len(labels) > 1:
                labels[0], labels[-1] = f"<= {labels[0]}", f">= {labels[-1]}"
            return [*labels, MISSING]
        return [*labels, OTHER, MISSING]

    def count(self, column: pd.Series | np.ndarray) -> np.ndarray:
        """Counts of another sample of the column over this histogram's bins."""
        return np.bincount(self._bins(column), minlength=len(self.counts)).astype(np.int64)

    def _bins(self, column: pd.Series | np.ndarray) -> np.ndarray:
        series = pd.Series(column)
        missing = series.isna().to_numpy().copy()
        if self.kind in ("quantile", "discrete"):
            x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            missing |= np.isnan(x)
            inner = np.searchsorted(np.asarray(self.edges, dtype=float), np.nan_to_num(x))
            return np.where(missing, len(self.counts) - 1, inner)
        other = len(self.values)
        keys = pd.Index(series.astype(object).where(~missing, "").astype(str))
        inner = pd.Index([str(v) for v in self.values], dtype=object).get_indexer(keys)
        inner = np.where(inner < 0, other, inner)
        return np.where(missing, other + 1, inner).astype(np.int64)


def _short(value: Any) -> str:
    if isinstance(value, float | int | np.floating | np.integer):
        return f"{float(value):.4g}"
    return str(value)


def histogram(
    column: pd.Series | np.ndarray, *, categorical: bool = False, values: Sequence[Any] = ()
) -> Histogram:
    """The reference histogram of a column (see the module docstring for the binning);
    ``values`` fixes the bins of a column whose possible values are known (ratings)."""
    series = pd.Series(column)
    if values and all(isinstance(v, str) for v in values):
        empty = Histogram("values", [], list(values), [0] * (len(values) + 2))
        return Histogram("values", [], list(values), empty.count(series).tolist())
    if values:
        fixed = np.asarray(values, dtype=float)
        cuts = ((fixed[1:] + fixed[:-1]) / 2).tolist()
        empty = Histogram("discrete", cuts, fixed.tolist(), [0] * (fixed.size + 1))
        return Histogram("discrete", cuts, fixed.tolist(), empty.count(series).tolist())
    present = series.dropna()
    if categorical or not pd.api.types.is_numeric_dtype(series.dtype):
        order = present.astype(str).value_counts().sort_index().index.tolist()
        labels: list[Any] = [str(v) for v in order]
        empty = Histogram("values", [], labels, [0] * (len(labels) + 2))
        return Histogram("values", [], labels, empty.count(series).tolist())
    x = present.to_numpy(dtype=float)
    distinct = np.unique(x)
    if distinct.size <= MAX_DISTINCT:
        cuts = ((distinct[1:] + distinct[:-1]) / 2).tolist()
        empty = Histogram("discrete", cuts, distinct.tolist(), [0] * (distinct.size + 1))
        return Histogram("discrete", cuts, distinct.tolist(), empty.count(series).tolist())
    edges = np.unique(np.quantile(x, QUANTILES)).tolist()
    empty = Histogram("quantile", edges, [], [0] * (len(edges) + 2))
    return Histogram("quantile", edges, [], empty.count(series).tolist())


@dataclass(frozen=True)
class ReferenceProfile:
    """Histograms of a model version's reference data (see the module docstring)."""

    features: dict[str, Histogram]
    prediction: Histogram
    label: Histogram
    attributes: dict[str, Histogram]
    period: dict[str, str]
    n_moves: int
    attributes_as_of: str
    snapshot_id: str
    version: int = PROFILE_VERSION
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """The profile file's text."""
        return json.dumps(asdict(self), indent=1, sort_keys=True, default=_plain)

    @classmethod
    def from_json(cls, text: str) -> ReferenceProfile:
        """Parse a profile file; ``ValueError`` naming what is wrong."""
        raw = json.loads(text)
        if raw.get("version") != PROFILE_VERSION:
            raise ValueError(
                f"{PROFILE_FILE}: version {raw.get('version')!r}, expected {PROFILE_VERSION}"
            )
        try:
            return cls(
                features={k: Histogram(**v) for k, v in raw["features"].items()},
                prediction=Histogram(**raw["prediction"]),
                label=Histogram(**raw["label"]),
                attributes={k: Histogram(**v) for k, v in raw["attributes"].items()},
                period=dict(raw["period"]),
                n_moves=int(raw["n_moves"]),
                attributes_as_of=str(raw["attributes_as_of"]),
                snapshot_id=str(raw["snapshot_id"]),
                notes=list(raw.get("notes", [])),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{PROFILE_FILE}: malformed ({type(exc).__name__}: {exc})") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_EMPLOYEE_COLUMNS = ATTRIBUTES[:6]  # read straight off the employees table


def snapshot_attributes(dataset: Dataset) -> pd.DataFrame:
    """The profiled :data:`ATTRIBUTES` of everyone in an export, one row per employee."""
    employees = dataset.employees
    positions = dataset.positions.set_index("position_id")
    sector_of_unit = dataset.units.set_index("unit_id")["sector"].astype(str)
    position_ids = employees["position_id"].astype(str)
    unit_ids = position_ids.map(positions["unit_id"].astype(str))
    as_of = dataset.export_date or employees["position_start_date"].max()
    age = (pd.Timestamp(as_of) - employees["birth_date"]).dt.days.to_numpy(dtype=float) / 365.25
    perf = dataset.performance
    latest_year = perf["year"].max() if len(perf) else None
    latest = perf.loc[perf["year"] == latest_year].set_index("nip")["rating"].astype(str)
    frame = pd.DataFrame(
        {
            **{c: employees[c].astype(str).where(employees[c].notna()) for c in _EMPLOYEE_COLUMNS},
            "age_band": pd.Series(age_band(age)).astype(str).to_numpy(),
            "jabatan_type": position_ids.map(positions["jabatan_type"].astype(str)).to_numpy(),
            "sector": unit_ids.map(sector_of_unit).to_numpy(),
            "rating_latest_year": employees["nip"].astype(str).map(latest).to_numpy(),
        }
    )
    return frame.reset_index(drop=True)


def attribute_histograms(attributes: pd.DataFrame) -> dict[str, Histogram]:
    """Reference histograms of snapshot attributes (ratings: the contract's five, in order)."""
    return {
        name: histogram(
            attributes[name], categorical=True, values=RATINGS if name == RATING_ATTRIBUTE else ()
        )
        for name in ATTRIBUTES
    }


def build_profile(
    features: pd.DataFrame,
    predictions: np.ndarray,
    labels: np.ndarray,
    dates: pd.Series,
    dataset: Dataset,
    feature_names: Sequence[str],
    retired: Mapping[str, str],
) -> ReferenceProfile:
    """The profile of reference moves (their features, predictions and labels) and of the
    export the model was trained on."""
    kept = [n for n in feature_names if n not in retired]
    notes = [f"retired features not profiled: {', '.join(retired)}"] if retired else []
    export = dataset.export_date
    return ReferenceProfile(
        features={name: histogram(features[name]) for name in kept},
        prediction=histogram(np.asarray(predictions, dtype=float)),
        label=histogram(np.asarray(labels, dtype=float), values=RATING_SCALE),
        attributes=attribute_histograms(snapshot_attributes(dataset)),
        period={
            "from": str(pd.Timestamp(dates.min()).date()),
            "to": str(pd.Timestamp(dates.max()).date()),
        },
        n_moves=len(features),
        attributes_as_of="unknown" if export is None else str(pd.Timestamp(export).date()),
        snapshot_id=dataset.snapshot_id,
        notes=notes,
    )
