"""Reference histograms and the drift comparison on hand-made samples with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitoring.drift import (
    CurrentSample,
    DriftThresholds,
    compare,
    drift_report,
    homogeneity_p_value,
    psi,
)
from tests.factories import make_dataset
from training.reference_profile import (
    ATTRIBUTES,
    PROFILE_VERSION,
    Histogram,
    ReferenceProfile,
    build_profile,
    histogram,
    snapshot_attributes,
)

RNG = np.random.default_rng(3)


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift() -> None:
    same = np.array([100, 200, 300])
    assert psi(same, same * 2) == pytest.approx(0.0, abs=1e-3)
    small, large = psi(same, np.array([120, 200, 280])), psi(same, np.array([300, 200, 100]))
    assert 0 < small < 0.05 < large
    # By hand: shares (1/6, 1/3, 1/2) vs (1/2, 1/3, 1/6), smoothing negligible at these counts.
    expected = 2 * (1 / 2 - 1 / 6) * np.log(3)
    assert large == pytest.approx(expected, rel=0.01)


def test_an_empty_bin_does_not_make_psi_infinite() -> None:
    assert np.isfinite(psi(np.array([50, 50, 0]), np.array([0, 50, 50])))


def test_the_homogeneity_test_separates_chance_from_a_shift() -> None:
    assert homogeneity_p_value(np.array([500, 500]), np.array([510, 490])) > 0.5
    assert homogeneity_p_value(np.array([500, 500]), np.array([700, 300])) < 1e-6
    assert homogeneity_p_value(np.array([5, 0]), np.array([7, 0])) == 1.0


def test_numeric_columns_bin_by_decile_and_discrete_ones_by_value() -> None:
    continuous = histogram(pd.Series(RNG.normal(size=1000)))
    assert continuous.kind == "quantile"
    assert len(continuous.edges) == 9
    assert continuous.counts[:-1] == [100] * 10
    flags = histogram(pd.Series([0.0, 1.0, 1.0, np.nan]))
    assert (flags.kind, flags.values, flags.counts) == ("discrete", [0.0, 1.0], [1, 2, 1])
    # A count that grows past the reference's largest value lands in the top bin, not apart.
    assert flags.count(pd.Series([2.0, 7.0])).tolist() == [0, 2, 0]
    codes = histogram(pd.Series(["S1", "S2", "S1", None]), categorical=True)
    assert codes.labels == ["S1", "S2", "other", "missing"]
    assert codes.count(pd.Series(["S3", "S1", None])).tolist() == [1, 0, 1, 1]


def test_compare_names_the_bins_that_moved_and_judges_only_enough_rows() -> None:
    reference = histogram(pd.Series(["a"] * 500 + ["b"] * 500), categorical=True)
    thresholds = DriftThresholds(psi=0.2, p_value=0.01, min_rows=30)
    moved = compare("col", "attribute", reference, pd.Series(["a"] * 80 + ["b"] * 20), thresholds)
    assert moved.shifted
    assert {(b.label, b.reference, b.current) for b in moved.bins[:2]} == {
        ("a", 0.5, 0.8),
        ("b", 0.5, 0.2),
    }
    few = compare("col", "attribute", reference, pd.Series(["a"] * 20), thresholds)
    assert few.psi is not None
    assert not few.judged
    assert not few.shifted
    calm = compare("col", "attribute", reference, pd.Series(["a"] * 52 + ["b"] * 48), thresholds)
    assert not calm.shifted


def _profile() -> ReferenceProfile:
    n = 400
    features = pd.DataFrame({"used": RNG.normal(size=n), "unused": RNG.normal(size=n)})
    moves = pd.Series(pd.date_range("2022-01-01", periods=n, freq="D"))
    return build_profile(
        features,
        RNG.normal(4, 0.3, size=n),
        RNG.choice([3.0, 4.0, 5.0], size=n),
        moves,
        make_dataset(),
        ["used", "unused", "retired"],
        {"retired": "no longer recorded"},
    )


def test_a_profile_round_trips_through_json_and_skips_retired_features() -> None:
    profile = _profile()
    again = ReferenceProfile.from_json(profile.to_json())
    assert again == profile
    assert set(profile.features) == {"used", "unused"}
    assert profile.notes == ["retired features not profiled: retired"]
    assert profile.label.values == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert set(profile.attributes) == set(ATTRIBUTES)
    assert profile.period == {"from": "2022-01-01", "to": "2023-02-04"}


def test_a_profile_of_another_version_or_shape_is_refused() -> None:
    raw = _profile().to_json()
    with pytest.raises(ValueError, match="version"):
        ReferenceProfile.from_json(raw.replace(f'"version": {PROFILE_VERSION}', '"version": 99'))
    with pytest.raises(ValueError, match="malformed"):
        ReferenceProfile.from_json('{"version": 1, "features": {}}')


def test_snapshot_attributes_read_the_export() -> None:
    attributes = snapshot_attributes(make_dataset())
    assert list(attributes.columns) == list(ATTRIBUTES)
    assert len(attributes) == 6
    assert attributes["sector"].tolist() == [
        "kesehatan", "pendidikan", "kesehatan", "umum", "umum", "pendidikan",
    ]  # fmt: skip
    # The tiny dataset's latest rated year is 2024; everyone is rated then.
    assert attributes["rating_latest_year"].notna().all()


def test_a_shift_in_an_unused_feature_is_named_apart() -> None:
    profile = _profile()
    n = 200
    current = CurrentSample(
        features=pd.DataFrame({"used": RNG.normal(size=n), "unused": RNG.normal(3, size=n)}),
        predictions=RNG.normal(4, 0.3, size=n),
        labels=RNG.choice([3.0, 4.0, 5.0], size=n),
        attributes=snapshot_attributes(make_dataset()),
    )
    report = drift_report(profile, current, DriftThresholds(), {"used": 0.9, "unused": 0.001})
    assert report.shifted() == []
    assert report.shifted_unused() == ["unused"]
    shifted = drift_report(profile, current, DriftThresholds(), {"used": 0.5, "unused": 0.5})
    assert shifted.shifted("feature") == ["unused"]


def test_histogram_counts_are_integers_of_every_bin() -> None:
    hist = Histogram("quantile", [0.0, 1.0], [], [1, 2, 3, 0])
    assert hist.n == 6
    assert hist.labels == ["<= 0", "(0, 1]", "> 1", "missing"]
    assert hist.count(np.array([-1.0, 0.5, 5.0, np.nan])).tolist() == [1, 1, 1, 1]
