"""Fairness report on hand-made shortlists whose rates, ratios and exposure are worked out by hand.

Two vacancies of 10 candidates, ranked 1..10 with score 10 - rank, top-3 shortlists (k=3):

- vacancy A: L at ranks 1, 2, 4, 5; P at 3, 6..10
- vacancy B: L at ranks 1, 3, 5, 7, 9; P at 2, 4, 6, 8, 10 (B's ranks 1 and 3 are A's ranks 1 and 2)

L: 9 rows, 7 people; 4 in a top-3 (A1 A2 B1 B3); 7 above the vacancy median (ranks 1..5).
P: 11 rows, 11 people; 2 in a top-3 (A3 B2); 3 above the median (A3 B2 B4).
Exposure 1/log2(1+rank): L gets e1+e2 (A) + e1+e3 (B), P gets e3 (A) + e2 (B).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.asof import age_band
from training.fairness import (
    FairnessInputError,
    FairnessReport,
    fairness_report,
    new_flags,
)

E1, E2, E3 = 1.0, 1 / np.log2(3), 0.5
L_RANKS = {"A": {1, 2, 4, 5}, "B": {1, 3, 5, 7, 9}}


def hand_case(**columns: Any) -> pd.DataFrame:
    """The module docstring's two vacancies, plus any extra attribute columns (20 values each)."""
    rows = []
    for vacancy, l_ranks in L_RANKS.items():
        for rank in range(1, 11):
            nip = f"{vacancy}{rank:02d}"
            if vacancy == "B" and rank in (1, 3):
                nip = f"A{(rank + 1) // 2:02d}"  # the same two people apply to both posts
            gender = "L" if rank in l_ranks else "P"
            rows.append((vacancy, nip, 10.0 - rank, rank, gender))
    frame = pd.DataFrame(rows, columns=["vacancy_id", "nip", "score", "rank", "gender"])
    return frame.assign(**columns)


def report_of(frame: pd.DataFrame, **kwargs: object) -> FairnessReport:
    options: dict[str, object] = {"k": 3, "attributes": ("gender",), "intersections": ()}
    options.update(kwargs)
    return fairness_report(frame, **options)  # type: ignore[arg-type]


def group_row(report: FairnessReport, attribute: str, group: str) -> pd.Series:
    groups = report.groups
    match = groups.loc[(groups["attribute"] == attribute) & (groups["group"] == group)]
    assert len(match) == 1, f"no single row for {attribute}={group}"
    return match.iloc[0]


def test_rates_ratios_and_exposure_match_the_hand_computation() -> None:
    report = report_of(hand_case())
    men, women = group_row(report, "gender", "L"), group_row(report, "gender", "P")
    assert (men["n_rows"], men["n_people"], women["n_rows"], women["n_people"]) == (9, 7, 11, 11)
    assert men["share"] == pytest.approx(9 / 20)
    assert men["selection_rate"] == pytest.approx(4 / 9)
    assert women["selection_rate"] == pytest.approx(2 / 11)
    assert men["selection_impact_ratio"] == pytest.approx(1.0)
    assert women["selection_impact_ratio"] == pytest.approx((2 / 11) / (4 / 9))
    assert women["above_median_rate"] == pytest.approx(3 / 11)
    assert women["above_median_impact_ratio"] == pytest.approx((3 / 11) / (7 / 9))
    total = 2 * (E1 + E2 + E3)
    assert men["exposure_share"] == pytest.approx((2 * E1 + E2 + E3) / total)
    assert women["exposure_share"] == pytest.approx((E2 + E3) / total)
    assert men["pool_share"] == pytest.approx((4 / 10 + 5 / 10) / 2)
    assert women["pool_share"] == pytest.approx((6 / 10 + 5 / 10) / 2)
    assert report.flags() == {
        ("gender", "P", "selection_rate"),
        ("gender", "P", "above_median_rate"),
    }
    assert (report.k, report.n_vacancies, report.n_rows) == (3, 2, 20)


def test_pool_share_is_the_expected_exposure_share_of_a_random_ranking() -> None:
    # Pools of different sizes: L is 1 of 2 in vacancy X and 1 of 4 in vacancy Y. A random
    # top-k ordering gives L half of X's exposure and a quarter of Y's.
    frame = pd.DataFrame(
        {
            "vacancy_id": ["X", "X", "Y", "Y", "Y", "Y"],
            "nip": ["1", "2", "3", "4", "5", "6"],
            "score": [2.0, 1.0, 4.0, 3.0, 2.0, 1.0],
            "rank": [1, 2, 1, 2, 3, 4],
            "gender": ["L", "P", "L", "P", "P", "P"],
        }
    )
    report = report_of(frame, k=2)
    x_total = y_total = E1 + E2
    expected = (x_total / 2 + y_total / 4) / (x_total + y_total)
    assert group_row(report, "gender", "L")["pool_share"] == pytest.approx(expected)
    assert group_row(report, "gender", "L")["exposure_share"] == pytest.approx(E1 / (E1 + E2))


def test_above_median_is_strictly_above() -> None:
    # X's median is its middle score 2.0 (only rank 1 is above); Y's scores are all tied.
    frame = pd.DataFrame(
        {
            "vacancy_id": ["X", "X", "X", "Y", "Y"],
            "nip": ["1", "2", "3", "4", "5"],
            "score": [3.0, 2.0, 1.0, 5.0, 5.0],
            "rank": [1, 2, 3, 1, 2],
            "gender": ["L", "P", "P", "L", "P"],
        }
    )
    report = report_of(frame, k=1)
    assert group_row(report, "gender", "L")["above_median_rate"] == pytest.approx(1 / 2)
    assert group_row(report, "gender", "P")["above_median_rate"] == pytest.approx(0.0)


def test_small_groups_are_reported_but_never_compared() -> None:
    # The one S3 candidate is ranked first: the highest rate, but 1 row of 20 (5%) is too few.
    education = ["S3"] + ["S1"] * 9 + ["S2"] * 10
    report = report_of(
        hand_case(education_level=education),
        attributes=("education_level",),
        min_group_share=0.1,
    )
    s1, s2, s3 = (group_row(report, "education_level", g) for g in ("S1", "S2", "S3"))
    assert s3["excluded"]
    assert s3["selection_rate"] == pytest.approx(1.0)
    assert np.isnan(s3["selection_impact_ratio"])
    assert not s3["four_fifths_selection"]
    # Ratios are relative to the best compared group (S2: 3 of 10), not to S3.
    assert s1["selection_rate"] == pytest.approx(2 / 9)
    assert s2["selection_rate"] == pytest.approx(3 / 10)
    assert s1["selection_impact_ratio"] == pytest.approx((2 / 9) / (3 / 10))
    assert s2["selection_impact_ratio"] == pytest.approx(1.0)
    excluded = report.excluded
    assert excluded[["attribute", "group", "n_rows"]].values.tolist() == [
        ["education_level", "S3", 1]
    ]
    assert excluded["share"].tolist() == pytest.approx([0.05])
    assert "S3 (not compared)" in report.to_markdown()


def test_missing_values_are_counted_not_dropped_silently() -> None:
    ages = [25.0, np.nan] + [35.0] * 8 + [45.0, np.nan] + [55.0] * 8
    frame = hand_case(age_band=age_band(np.array(ages)), region_of_origin=None)
    frame.loc[3, "gender"] = None
    report = report_of(frame, attributes=("gender", "age_band", "region_of_origin"))
    assert report.missing == {"gender": 1, "age_band": 2, "region_of_origin": 20}
    for attribute, missing in report.missing.items():
        rows = report.groups.loc[report.groups["attribute"] == attribute, "n_rows"]
        assert rows.sum() + missing == 20
    markdown = report.to_markdown()
    assert "Attribute missing on 2 rows" in markdown
    assert "### region_of_origin" in markdown
    assert report.metrics()["fairness.region_of_origin.missing_rows"] == 20


def test_age_bands_keep_their_declared_order() -> None:
    ages = np.array([62.0, 45.0, 33.0, 24.0] * 5)
    report = report_of(hand_case(age_band=age_band(ages)), attributes=("age_band",))
    assert report.groups["group"].tolist() == ["<30", "30-39", "40-49", "50+"]


def test_intersections_cross_two_attributes() -> None:
    ages = np.array([25.0, 45.0] * 10)
    frame = hand_case(age_band=age_band(ages))
    frame.loc[0, "age_band"] = None
    report = report_of(frame, intersections=(("gender", "age_band"),))
    crossed = report.groups.loc[report.groups["attribute"] == "gender_x_age_band"]
    assert report.missing["gender_x_age_band"] == 1
    assert "age_band" not in report.missing  # only crossed, not reported on its own
    known = frame.dropna(subset=["age_band"])
    label = known["gender"] + " / " + known["age_band"].astype("str")
    expected = (known["rank"] <= 3).groupby(label).agg(["size", "mean"])
    observed = crossed.set_index("group")
    assert sorted(observed.index) == sorted(expected.index)
    for group, row in expected.iterrows():
        assert observed.loc[group, "n_rows"] == row["size"]
        assert observed.loc[group, "selection_rate"] == pytest.approx(row["mean"])


def test_bootstrap_interval_contains_the_estimate_and_is_deterministic() -> None:
    rng = np.random.default_rng(3)
    frames = []
    for vacancy in range(30):
        score = rng.normal(size=40)
        frames.append(
            pd.DataFrame(
                {
                    "vacancy_id": f"V{vacancy}",
                    "nip": [f"{i}" for i in range(40)],
                    "score": score,
                    "rank": pd.Series(-score).rank(method="first").astype(int),
                    "gender": rng.choice(["L", "P"], size=40),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    first, again = (
        report_of(frame, n_bootstrap=200, seed=5),
        report_of(frame, n_bootstrap=200, seed=5),
    )
    groups = first.groups
    for stat in ("selection_rate", "above_median_rate", "selection_impact_ratio"):
        assert (groups[f"{stat}_lo"] <= groups[stat] + 1e-12).all()
        assert (groups[stat] <= groups[f"{stat}_hi"] + 1e-12).all()
    pd.testing.assert_frame_equal(groups, again.groups)
    other = report_of(frame, n_bootstrap=200, seed=6).groups
    assert not np.allclose(groups["selection_rate_lo"], other["selection_rate_lo"])
    no_intervals = report_of(frame, n_bootstrap=0).groups
    assert no_intervals["selection_rate_lo"].isna().all()
    assert no_intervals["selection_rate"].tolist() == pytest.approx(groups["selection_rate"])


def test_bootstrap_resamples_whole_vacancies() -> None:
    # Identical vacancies: any resample of vacancies gives the same rates (resampling rows would
    # not), so the intervals collapse onto the estimate.
    case = hand_case()
    vacancy = case.loc[case["vacancy_id"] == "A"]
    copies = [vacancy.assign(vacancy_id=f"A{copy}") for copy in range(8)]
    frame = pd.concat(copies, ignore_index=True)
    groups = report_of(frame, n_bootstrap=100).groups
    assert groups["selection_rate_lo"].tolist() == pytest.approx(groups["selection_rate"])
    assert groups["selection_rate_hi"].tolist() == pytest.approx(groups["selection_rate"])


def test_to_dict_round_trips_through_json() -> None:
    education = ["S3"] + ["S1"] * 19
    report = report_of(
        hand_case(education_level=education),
        attributes=("gender", "education_level"),
        min_group_share=0.1,
        n_bootstrap=50,
    )
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    restored = FairnessReport.from_dict(data)
    pd.testing.assert_frame_equal(restored.groups, report.groups)
    assert restored.to_dict() == report.to_dict()
    assert restored.flags() == report.flags()
    with pytest.raises(FairnessInputError, match="not a fairness report"):
        FairnessReport.from_dict({"groups": []})


def test_new_flags_are_the_challengers_flags_the_champion_did_not_raise() -> None:
    biased = report_of(hand_case())
    # L at A's odd ranks and B's even ranks: 3 of 10 shortlisted and 5 of 10 above the median each.
    fair = report_of(hand_case(gender=["L", "P"] * 5 + ["P", "L"] * 5))
    assert fair.flags() == set()
    assert new_flags(biased, fair) == biased.flags()
    assert new_flags(fair, biased) == set()
    assert new_flags(biased, biased) == set()
    assert new_flags(biased, None) == biased.flags()


def test_confident_flags_need_the_whole_interval_under_four_fifths() -> None:
    report = report_of(hand_case(), n_bootstrap=50)
    confident = report.flags(confident=True)
    assert confident <= report.flags()
    groups = report.groups.set_index("group")
    for _, group, metric in confident:
        ratio = (
            "selection_impact_ratio" if metric == "selection_rate" else "above_median_impact_ratio"
        )
        assert groups.loc[group, f"{ratio}_hi"] < 0.8
    assert new_flags(report, report, confident=True) == set()


def test_metrics_are_flat_finite_and_name_the_worst_ratio() -> None:
    report = report_of(hand_case())
    metrics = report.metrics()
    assert metrics["fairness.gender.min_selection_impact_ratio"] == pytest.approx(
        (2 / 11) / (4 / 9)
    )
    assert metrics["fairness.four_fifths_flags"] == 2.0
    assert all(isinstance(v, float) and np.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="rank"), "missing column.*rank"),
        (lambda f: f.assign(score=f["score"].where(f.index != 4)), "shortlists.score.*row 4"),
        (lambda f: f.assign(rank=f["rank"] - 1), "shortlists.rank: below 1"),
        (lambda f: pd.concat([f, f.iloc[[2]]]), "duplicate \\(vacancy_id, nip\\)"),
        (lambda f: f.iloc[0:0], "no rows"),
    ],
)
def test_bad_shortlists_get_an_error_naming_the_column(change: object, message: str) -> None:
    with pytest.raises(FairnessInputError, match=message):
        report_of(change(hand_case()))  # type: ignore[operator]
