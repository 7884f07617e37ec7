"""Checks against the generator's oracle, where the truth is known (``_oracle/`` beside the
tables of a synthetic export; real exports have none and skip this).

For each move, the oracle gives the noise-free latent index of the person in the new post as
of 1 July of the outcome year (the generator rates the year on that state). The person is
*truly at risk* when that index lies below the threshold of ``baik``: the structural model
then makes ``butuh_perbaikan`` or worse more likely than not, whatever the year's noise did.
The mentoring list's precision is the share of its people who are truly at risk; its recall
the share of truly-at-risk rated movers it lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from serving.schemas.monitoring import Truth
from training.evaluate import load_oracle

BAIK_THRESHOLD = 2  # index into StructuralModel.thresholds: the lower edge of baik


@dataclass(frozen=True)
class MoveTruth:
    """Truth per move (index = the moves' index); NaN where the oracle does not know a pair."""

    expected: pd.Series
    at_risk: pd.Series
    pick_expected: pd.Series


def _mid_year(outcome_year: pd.Series) -> pd.Series:
    return pd.to_datetime(outcome_year.astype(int).astype(str) + "-07-01")


def _known(oracle: Any, nips: pd.Series, positions: pd.Series) -> np.ndarray:
    known: np.ndarray = np.asarray(
        oracle.nips.get_indexer(pd.Index(nips.astype(str))) >= 0, dtype=bool
    ) & np.asarray(oracle.positions.get_indexer(pd.Index(positions.astype(str))) >= 0, dtype=bool)
    return known


def _index_of(oracle: Any, nips: pd.Series, positions: pd.Series, days: pd.Series) -> np.ndarray:
    out = np.full(len(nips), np.nan)
    known = _known(oracle, nips, positions)
    if known.any():
        out[known] = oracle.truth_index(
            nips[known].astype(str).to_numpy(),
            positions[known].astype(str).to_numpy(),
            days[known].to_numpy(),
        )
    return out


def move_truth(data_dir: Path, moves: pd.DataFrame) -> MoveTruth | None:
    """The oracle's view of each move and of the model's pick for overridden ones."""
    oracle = load_oracle(data_dir)
    if oracle is None:
        return None
    days = _mid_year(moves["outcome_year"])
    index = _index_of(oracle, moves["nip"], moves["position_id"], days)
    model = oracle.model
    expected = np.where(np.isnan(index), np.nan, model.expected_rating(np.nan_to_num(index)))
    at_risk = pd.Series(index < model.thresholds[BAIK_THRESHOLD], index=moves.index)
    picks = moves["model_pick_nip"].notna() & (moves["model_pick_nip"] != moves["nip"])
    pick_index = np.full(len(moves), np.nan)
    if picks.any():
        rows = moves.loc[picks]
        pick_index[picks.to_numpy()] = _index_of(
            oracle, rows["model_pick_nip"], rows["position_id"], days[picks]
        )
    pick_expected = np.where(
        np.isnan(pick_index), np.nan, model.expected_rating(np.nan_to_num(pick_index))
    )
    return MoveTruth(
        expected=pd.Series(expected, index=moves.index),
        at_risk=at_risk.where(~np.isnan(index)),
        pick_expected=pd.Series(pick_expected, index=moves.index),
    )


def _share(mask: pd.Series) -> float | None:
    known = mask.dropna()
    return round(float(known.astype(bool).mean()), 4) if len(known) else None


def truth_summary(
    moves: pd.DataFrame, truth: MoveTruth | None, listed: pd.Index, early: pd.Index
) -> Truth:
    """Model error against the truth and the mentoring list's precision and recall.

    ``listed`` / ``early``: the move indices the list holds for a realised outcome / early.
    """
    if truth is None:
        return Truth(available=False)
    has = truth.expected.notna()
    rated = (moves["status"] == "rated") & has
    at_risk = truth.at_risk.where(has)
    risky_rated = moves.index[rated & at_risk.fillna(False).astype(bool)]
    error = (moves["model_prediction"] - truth.expected).abs().where(has).dropna()
    recall = None
    if len(risky_rated):
        recall = round(float(risky_rated.isin(listed).mean()), 4)
    return Truth(
        available=True,
        n_moves=int(has.sum()),
        mae_vs_truth=round(float(error.mean()), 4) if len(error) else None,
        n_at_risk=len(risky_rated),
        mentoring_precision=_share(at_risk.reindex(listed)),
        mentoring_recall=recall,
        early_precision=_share(at_risk.reindex(early)),
        n_listed=len(listed),
        n_early=len(early),
    )
