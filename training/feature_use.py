"""Which catalogue features the model may learn from: all of them, except features that history
had but that can no longer be observed when the model is used.

The case that motivates it: the SKP score (nilai) stopped being recorded with PermenPANRB 6/2022,
so ``skp_last_score`` has values for moves before 2023 and is missing for everyone from then on.
A model trained on it learns "score missing" from the only past rows without a score (new
employees with no SKP yet) and applies that to every current candidate: a train/serve skew.
Whether a feature is still observable is measured, not listed: its share of non-missing values
over everyone in service at the dataset's export date (the date serving ranks at), against a
sample of active posts.

A retired feature is *blanked* (set missing) in the training rows rather than dropped: a
LightGBM tree cannot split on a column that is always missing, so the model ignores it, while
its input layout stays the catalogue's, the layout serving builds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from features.catalogue import FeatureCatalogue
from features.contract import Dataset

PROBE_POSITIONS = 20
# A feature seen in at least MIN_TRAIN_SHARE of training rows but in none of today's candidate
# pairs is retired. "None", not "few": pair features such as preference_priority are rare on
# arbitrary pairs and common on real moves, and that is information, not a retired field.
MIN_TRAIN_SHARE = 0.10


class SnapshotBuilder(Protocol):
    """The part of ``features.fit.FitFeatureBuilder`` the probe needs."""

    def snapshot(self, as_of: Any) -> Any:
        """Employee sides at one date, with ``pair_features(position)``."""
        ...


def availability_now(
    builder: SnapshotBuilder, dataset: Dataset, as_of: pd.Timestamp, seed: int = 0
) -> pd.Series:
    """Share of non-missing values per feature over everyone in service at ``as_of``."""
    positions = dataset.positions
    active = positions["position_id"]
    if "is_active" in positions.columns:
        active = active[positions["is_active"].fillna(True).astype(bool)]
    ids = active.to_numpy(dtype=object)
    if ids.size > PROBE_POSITIONS:
        ids = np.random.default_rng(seed).choice(ids, PROBE_POSITIONS, replace=False)
    snapshot = builder.snapshot(as_of)
    frames = [snapshot.pair_features(str(p)) for p in ids]
    share: pd.Series = pd.concat(frames).notna().mean()
    return share


def retired_features(
    catalogue: FeatureCatalogue, train_features: pd.DataFrame, now: pd.Series
) -> dict[str, str]:
    """Features observed in training but in no candidate pair today, with the reason."""
    in_train = train_features.notna().mean()
    return {
        name: (
            f"observed in {in_train[name]:.0%} of training rows but in no candidate pair at the "
            "export date: no longer recorded"
        )
        for name in catalogue.names
        if in_train[name] >= MIN_TRAIN_SHARE and now.get(name, 0.0) == 0.0
    }


def blank(features: pd.DataFrame, names: Iterable[str]) -> pd.DataFrame:
    """A copy with the named columns set missing."""
    names = list(names)
    return features.assign(**dict.fromkeys(names, np.nan)) if names else features
