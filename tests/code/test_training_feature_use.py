"""Retiring features that are no longer recorded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.catalogue import load_catalogue
from training.feature_use import blank, retired_features


def test_only_features_never_seen_today_are_retired() -> None:
    catalogue = load_catalogue()
    names = catalogue.names
    train = pd.DataFrame(1.0, index=range(10), columns=names)
    train["years_since_last_move"] = np.nan  # never observed in training: nothing to retire
    now = pd.Series(0.5, index=names)
    now["skp_last_score"] = 0.0  # recorded in the past, in no candidate pair today
    now["preference_priority"] = 0.001  # rare today, but still observed
    now["years_since_last_move"] = 0.0
    retired = retired_features(catalogue, train, now)
    assert list(retired) == ["skp_last_score"]
    assert "no longer recorded" in retired["skp_last_score"]


def test_blank_sets_columns_missing_on_a_copy() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    out = blank(frame, ["a"])
    assert out["a"].isna().all()
    assert out["b"].tolist() == [3.0, 4.0]
    assert frame["a"].tolist() == [1.0, 2.0]
    assert blank(frame, []) is frame
