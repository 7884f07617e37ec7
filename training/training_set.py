"""The training set: one row per past move with a known outcome, features as of the move's date,
and a time-based train / validation / test split.

Outcome of a move = the SKP rating (1..5) of the first full calendar year in the new position
(a move in 2021-03 -> 2022; a move on 1 January 2021 -> 2021). Moves are dropped when
- that year is not rated (yet): no outcome;
- the employee moved again before that year ended: the rating then belongs partly to the next
  post, and two moves would share one label (possibly across splits).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from features.contract import RATING_VALUE, Dataset

SplitName = Literal["train", "valid", "test"]
SPLITS: tuple[SplitName, ...] = ("train", "valid", "test")
DEFAULT_FRACTIONS: tuple[float, float, float] = (0.70, 0.15, 0.15)
FEATURE_CHUNK = 2_000

Progress = Callable[[int, int], None]


class FeatureBuilder(Protocol):
    """The part of ``features.fit.FitFeatureBuilder`` training uses."""

    def transform(self, triples: pd.DataFrame) -> pd.DataFrame:
        """Features of (nip, position_id, as_of) triples, catalogue column order."""
        ...


@dataclass(frozen=True)
class OutcomeCounts:
    """How many moves made it into the training set and why the others did not."""

    n_moves: int
    n_unrated: int
    n_superseded: int
    n_used: int

    def as_dict(self) -> dict[str, int]:
        """For logging as MLflow params/metrics."""
        return {
            "moves_total": self.n_moves,
            "moves_excluded_unrated": self.n_unrated,
            "moves_excluded_superseded": self.n_superseded,
            "moves_used": self.n_used,
        }


def outcome_year(effective_date: pd.Series) -> pd.Series:
    """First full calendar year spent in the new position."""
    starts_year = (effective_date.dt.month == 1) & (effective_date.dt.day == 1)
    year: pd.Series = (effective_date.dt.year + (~starts_year).astype(int)).astype("int64")
    return year


def label_moves(dataset: Dataset) -> pd.DataFrame:
    """Every move with its outcome year, its rating (NaN when that year is not rated) and
    whether a later move superseded it before the outcome year ended; sorted by date.

    Columns: the transfers' columns plus outcome_year, rating (float 1..5), superseded.
    """
    moves = dataset.transfers.sort_values(["effective_date", "transfer_id"]).reset_index(drop=True)
    moves = moves.assign(outcome_year=outcome_year(moves["effective_date"]))
    next_move = moves.groupby("nip", sort=False)["effective_date"].shift(-1)
    outcome_end = pd.to_datetime(moves["outcome_year"].astype(str) + "-12-31")
    perf = dataset.performance[["nip", "year", "rating"]].rename(columns={"year": "outcome_year"})
    perf = perf.assign(rating=perf["rating"].astype(str).map(RATING_VALUE).astype(float))
    rated = moves.merge(perf, on=["nip", "outcome_year"], how="left", validate="many_to_one")
    return rated.assign(superseded=(next_move <= outcome_end).to_numpy())


def moves_with_outcomes(dataset: Dataset) -> tuple[pd.DataFrame, OutcomeCounts]:
    """Moves with their outcome year and rating, sorted by date (then transfer_id).

    Columns: transfer_id, nip, position_id (the target post), as_of (= effective_date),
    kind, outcome_year, rating (float 1..5).
    """
    rated = label_moves(dataset)
    superseded = rated["superseded"].to_numpy(dtype=bool)
    has_rating = rated["rating"].notna().to_numpy()

    keep = has_rating & ~superseded
    counts = OutcomeCounts(
        n_moves=len(rated),
        n_unrated=int((~has_rating).sum()),
        n_superseded=int((has_rating & superseded).sum()),
        n_used=int(keep.sum()),
    )
    out = rated.loc[keep, ["transfer_id", "nip", "to_position_id", "effective_date", "kind"]]
    out = out.rename(columns={"to_position_id": "position_id", "effective_date": "as_of"})
    out = out.assign(outcome_year=rated.loc[keep, "outcome_year"], rating=rated.loc[keep, "rating"])
    return out.reset_index(drop=True), counts


def build_features(
    builder: FeatureBuilder,
    triples: pd.DataFrame,
    progress: Progress | None = None,
    chunk_size: int = FEATURE_CHUNK,
) -> pd.DataFrame:
    """``builder.transform`` in chunks, so that long builds can report progress."""
    parts: list[pd.DataFrame] = []
    for start in range(0, len(triples), chunk_size):
        part = triples.iloc[start : start + chunk_size]
        parts.append(builder.transform(part.reset_index(drop=True)))
        if progress is not None:
            progress(min(start + chunk_size, len(triples)), len(triples))
    if not parts:
        return builder.transform(triples.iloc[:0].reset_index(drop=True))
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class TimeSplit:
    """Date cutoffs: train < valid_start <= valid < test_start <= test (by effective date)."""

    valid_start: pd.Timestamp
    test_start: pd.Timestamp

    @classmethod
    def from_fractions(
        cls, dates: pd.Series, fractions: Sequence[float] = DEFAULT_FRACTIONS
    ) -> TimeSplit:
        """Cutoffs at the date quantiles of ``fractions`` (e.g. 70/15/15).

        Moves on one date stay in one split, so shares are approximate when dates repeat.
        """
        if len(fractions) != 3 or not np.isclose(sum(fractions), 1.0) or min(fractions) <= 0:
            raise ValueError(
                f"split fractions must be three positive shares summing to 1: {fractions}"
            )
        ordered = np.sort(pd.to_datetime(dates).to_numpy())
        distinct = np.unique(ordered)
        if distinct.size < 3:
            raise ValueError(
                f"a time split needs moves on at least 3 distinct dates, found {distinct.size}"
            )
        n = ordered.size
        valid_start = ordered[min(int(n * fractions[0]), n - 1)]
        test_start = ordered[min(int(n * (fractions[0] + fractions[1])), n - 1)]
        # Every split must be non-empty: nudge a cutoff onto the next distinct date if needed.
        valid_start = max(valid_start, distinct[1])
        if test_start <= valid_start:
            later = distinct[distinct > valid_start]
            if later.size == 0:
                valid_start, later = distinct[-2], distinct[-1:]
            test_start = later[0]
        return cls(pd.Timestamp(valid_start), pd.Timestamp(test_start))

    def assign(self, dates: pd.Series) -> np.ndarray:
        """The split name of each date."""
        d = pd.to_datetime(dates).to_numpy()
        return np.where(
            d < self.valid_start.to_datetime64(),
            "train",
            np.where(d < self.test_start.to_datetime64(), "valid", "test"),
        )

    def as_dict(self) -> dict[str, str]:
        """ISO cutoffs (logged and stored in the bundle as the split definition)."""
        return {
            "valid_start": self.valid_start.date().isoformat(),
            "test_start": self.test_start.date().isoformat(),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TimeSplit:
        """Inverse of :meth:`as_dict`."""
        return cls(pd.Timestamp(raw["valid_start"]), pd.Timestamp(raw["test_start"]))


@dataclass
class Part:
    """One split: the moves, their feature rows (same order) and the outcome."""

    moves: pd.DataFrame
    features: pd.DataFrame
    y: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.moves)


@dataclass
class TrainingSet:
    """All usable moves with features and outcome, plus the exclusion counts."""

    moves: pd.DataFrame
    features: pd.DataFrame
    counts: OutcomeCounts

    @property
    def y(self) -> np.ndarray:
        """The outcome rating (1..5) per move."""
        return self.moves["rating"].to_numpy(dtype=float)

    def part(self, mask: np.ndarray) -> Part:
        """The rows selected by a boolean mask."""
        return Part(
            self.moves.loc[mask].reset_index(drop=True),
            self.features.loc[mask].reset_index(drop=True),
            self.y[mask],
        )

    def split(self, time_split: TimeSplit) -> dict[SplitName, Part]:
        """Train / valid / test parts; raises if any is empty or the dates would overlap."""
        names = time_split.assign(self.moves["as_of"])
        parts: dict[SplitName, Part] = {s: self.part(names == s) for s in SPLITS}
        empty = [s for s, p in parts.items() if len(p) == 0]
        if empty:
            raise ValueError(f"time split {time_split.as_dict()} leaves {empty} empty")
        check_chronological(parts)
        return parts


def check_chronological(parts: dict[SplitName, Part]) -> None:
    """Guard against leakage: every train date < every valid date < every test date."""
    for earlier, later in (("train", "valid"), ("valid", "test")):
        if parts[earlier].moves["as_of"].max() >= parts[later].moves["as_of"].min():  # type: ignore[index]
            raise AssertionError(f"split overlap: latest {earlier} move is not before {later}")


def build_training_set(
    dataset: Dataset, builder: FeatureBuilder, progress: Progress | None = None
) -> TrainingSet:
    """Moves with outcomes and their features as of each move's effective date."""
    moves, counts = moves_with_outcomes(dataset)
    if moves.empty:
        raise ValueError(
            "no move has a rated outcome year: transfers need SKP ratings (performance) for the "
            "first full calendar year after their effective_date"
        )
    features = build_features(builder, moves[["nip", "position_id", "as_of"]], progress)
    if len(features) != len(moves):
        raise ValueError(f"feature builder returned {len(features)} rows for {len(moves)} moves")
    return TrainingSet(moves, features.reset_index(drop=True), counts)


def build_split_part(
    dataset: Dataset,
    builder: FeatureBuilder,
    time_split: TimeSplit,
    name: SplitName,
    progress: Progress | None = None,
) -> Part:
    """One split of the dataset's moves, building features for that split only."""
    moves, _ = moves_with_outcomes(dataset)
    moves = moves.loc[time_split.assign(moves["as_of"]) == name].reset_index(drop=True)
    if moves.empty:
        raise ValueError(
            f"no move with a rated outcome falls in the {name} split {time_split.as_dict()}"
        )
    features = build_features(builder, moves[["nip", "position_id", "as_of"]], progress)
    return Part(moves, features, moves["rating"].to_numpy(dtype=float))
