"""Each fit feature on the hand-made dataset, with answers worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from features.catalogue import load_catalogue
from features.codes import FeatureInputError
from features.contract import OPTIONAL_TABLES
from features.fit import FitFeatureBuilder
from tests.factories import E1, E2, E3, E4, E5, E6, PREFERENCES, make_dataset


def years(later: str, earlier: str) -> float:
    return (pd.Timestamp(later) - pd.Timestamp(earlier)).days / 365.25


@pytest.fixture(scope="module")
def builder() -> FitFeatureBuilder:
    return FitFeatureBuilder().fit(make_dataset())


def features(
    nip: str, position: str, as_of: str, builder: FitFeatureBuilder | None = None
) -> pd.Series:
    builder = builder or FitFeatureBuilder().fit(make_dataset())
    triples = pd.DataFrame(
        {"nip": [nip], "position_id": [position], "as_of": [pd.Timestamp(as_of)]}
    )
    return builder.transform(triples).iloc[0]


def test_a_worked_example(builder: FitFeatureBuilder) -> None:
    """E1 (S2 kesehatan masyarakat, III/d, in P1 since 2021-07) against P1 on 2022-01-01."""
    f = features(E1, "P1", "2022-01-01", builder)
    expected = {
        "field_sector_fit": 1.0,  # kesehatan_masyarakat is core for kesehatan
        "field_position_fit": 1.0,  # and P1 lists it
        "education_level_gap": 1.0,  # S2 (7) vs S1 (6)
        "overqualification": 0.0,
        "current_field_sector_fit": 1.0,  # she already works in kesehatan (P1)
        "golongan_gap": 0.0,  # III/d vs III/d
        "years_in_grade": years("2022-01-01", "2019-04-01"),
        "competency_shortfall_manajerial": 1.0,  # required 3, assessed 2 (2019; the 3 is 2023)
        "competency_shortfall_sosiokultural": 0.0,  # not required
        "competency_shortfall_teknis": 0.0,  # teknis_kesehatan required 3, assessed 4
        "competency_shortfall_sum": 1.0,
        "competency_coverage": 1.0,
        "years_of_service": years("2022-01-01", "2005-03-01"),
        "years_in_position": years("2022-01-01", "2021-07-01"),
        # P2 (kesehatan) 2005-03-01..2012-01-01, then P1 (kesehatan) since 2021-07-01
        "years_in_target_sector": years("2012-01-01", "2005-03-01")
        + years("2022-01-01", "2021-07-01"),
        "n_past_moves": 2.0,
        "years_since_last_move": years("2022-01-01", "2021-07-01"),
        "skp_last_rating": 4.0,  # 2021 baik
        "skp_last_score": 82.0,
        "skp_mean_3y": (4 + 5 + 4) / 3,  # 2019..2021
        "skp_trend": 0.0,
        "skp_years_rated": 3.0,  # 2019..2021, the whole record
        "skp_mean_all": (4 + 5 + 4) / 3,
        "skp_share_sangat_baik": 1 / 3,  # 2020
        "skp_share_below_baik": 0.0,
        "skp_mean_score": (80 + 90 + 82) / 3,
        "skp_last_known_score": 82.0,
        "same_region_as_current": 1.0,
        "target_in_home_region": 1.0,
        "current_away_from_home": 0.0,  # U1 is in 7571, her home region
        "asked_for_unit": 1.0,  # U1, 2020-10-01, priority 1
        "preference_priority": 1.0,
        "target_position_shortage": 0.0,  # abk 1, held by E1
        "target_unit_shortage": 3.0,  # need 1 + 3, only E1 in U1 (E3 starts 2022-02)
        "source_unit_shortage_after": 3.0,  # target is her own unit: no change
        "years_to_retirement": 58 - years("2022-01-01", "1980-05-12"),
    }
    assert set(expected) == set(load_catalogue().names)
    for name, value in expected.items():
        assert f[name] == pytest.approx(value), name


def test_field_fit_from_taxonomy_and_list(builder: FitFeatureBuilder) -> None:
    teacher = features(E2, "P1", "2022-01-01", builder)  # pendidikan_guru -> kesehatan: none
    assert (teacher["field_sector_fit"], teacher["field_position_fit"]) == (0.0, 0.0)
    admin = features(E4, "P1", "2022-01-01", builder)  # administrasi_publik: general elsewhere
    assert (admin["field_sector_fit"], admin["field_position_fit"]) == (0.3, 0.3)
    listed = features(E4, "P6", "2022-01-01", builder)  # P6 lists administrasi_publik; umum core
    assert (listed["field_sector_fit"], listed["field_position_fit"]) == (1.0, 1.0)
    any_field = features(E2, "P3", "2022-01-01", builder)  # P3 lists no field: any field fits
    assert any_field["field_position_fit"] == 1.0
    assert any_field["field_sector_fit"] == 1.0  # pendidikan_guru is core for pendidikan


def test_education_gap_and_overqualification(builder: FitFeatureBuilder) -> None:
    below = features(E5, "P1", "2022-01-01", builder)  # SMA (2) vs S1 (6)
    assert (below["education_level_gap"], below["overqualification"]) == (-4.0, 0.0)
    above = features(E1, "P5", "2022-01-01", builder)  # S2 (7) vs SMA (2)
    assert (above["education_level_gap"], above["overqualification"]) == (5.0, 4.0)
    no_minimum = features(E1, "P7", "2022-01-01", builder)
    assert np.isnan(no_minimum["education_level_gap"])
    assert np.isnan(no_minimum["golongan_gap"])


def test_golongan_gap_in_pns_steps_and_nan_for_pppk(builder: FitFeatureBuilder) -> None:
    assert features(E2, "P1", "2022-01-01", builder)["golongan_gap"] == -1.0  # III/c vs III/d
    assert features(E4, "P5", "2022-01-01", builder)["golongan_gap"] == 11.0  # IV/d vs II/a
    assert np.isnan(features(E3, "P1", "2024-01-01", builder)["golongan_gap"])


def test_competency_missing_is_nan_never_zero(builder: FitFeatureBuilder) -> None:
    f = features(E4, "P1", "2022-01-01", builder)  # manajerial 4 >= 3; teknis_kesehatan never
    assert f["competency_shortfall_manajerial"] == 0.0
    assert np.isnan(f["competency_shortfall_teknis"])
    assert np.isnan(f["competency_shortfall_sum"])
    assert f["competency_coverage"] == 0.5
    none = features(E2, "P1", "2022-01-01", builder)
    assert none["competency_coverage"] == 0.0
    assert np.isnan(none["competency_shortfall_manajerial"])


def test_competency_nothing_required(builder: FitFeatureBuilder) -> None:
    f = features(E2, "P5", "2022-01-01", builder)
    shortfalls = [n for n in load_catalogue().names if n.startswith("competency_shortfall")]
    assert list(f[shortfalls]) == [0.0] * len(shortfalls)
    assert f["competency_coverage"] == 1.0


def test_competency_uses_the_latest_assessment_before_the_date(builder: FitFeatureBuilder) -> None:
    assert features(E1, "P1", "2023-06-01", builder)["competency_shortfall_manajerial"] == 1.0
    assert features(E1, "P1", "2023-06-02", builder)["competency_shortfall_manajerial"] == 0.0


def test_technical_competency_of_the_target_sector(builder: FitFeatureBuilder) -> None:
    f = features(E6, "P3", "2024-01-01", builder)  # manajerial 3 < 4, sosiokultural 2 < 3
    assert (f["competency_shortfall_manajerial"], f["competency_shortfall_sosiokultural"]) == (1, 1)
    assert f["competency_shortfall_teknis"] == 0.0  # P3 requires no teknis
    assert f["competency_shortfall_sum"] == 2.0
    teacher = features(E6, "P4", "2019-01-01", builder)  # teknis_pendidikan 3 (2018) vs 3
    assert teacher["competency_shortfall_teknis"] == 0.0
    assert np.isnan(features(E1, "P4", "2024-01-01", builder)["competency_shortfall_teknis"])


def test_years_in_target_sector_over_all_intervals(builder: FitFeatureBuilder) -> None:
    f = features(E6, "P3", "2025-01-01", builder)  # P7 (umum) does not count, P4 and P3 do
    assert f["years_in_target_sector"] == pytest.approx(years("2025-01-01", "2016-06-01"))
    umum = features(E6, "P5", "2025-01-01", builder)
    assert umum["years_in_target_sector"] == pytest.approx(years("2016-06-01", "2010-04-01"))
    assert features(E5, "P1", "2025-01-01", builder)["years_in_target_sector"] == 0.0


def test_never_moved_has_no_years_since_last_move(builder: FitFeatureBuilder) -> None:
    f = features(E5, "P1", "2025-01-01", builder)
    assert f["n_past_moves"] == 0.0
    assert np.isnan(f["years_since_last_move"])


def test_skp_only_of_finished_years(builder: FitFeatureBuilder) -> None:
    late_2022 = features(E1, "P1", "2022-12-31", builder)
    assert (late_2022["skp_last_rating"], late_2022["skp_last_score"]) == (4.0, 82.0)  # 2021
    early_2023 = features(E1, "P1", "2023-01-01", builder)  # 2022 baik, no score since 2022
    assert early_2023["skp_last_rating"] == 4.0
    assert np.isnan(early_2023["skp_last_score"])
    assert early_2023["skp_mean_3y"] == pytest.approx((5 + 4 + 4) / 3)  # 2020..2022
    assert early_2023["skp_trend"] == pytest.approx(-0.5)


def test_skp_mean_and_trend(builder: FitFeatureBuilder) -> None:
    f = features(E5, "P1", "2025-01-01", builder)  # 2022 kurang (2), 2023 baik, 2024 baik
    assert f["skp_mean_3y"] == pytest.approx(10 / 3)
    assert f["skp_trend"] == pytest.approx(1.0)
    one_year = features(E3, "P1", "2023-06-01", builder)  # only 2022
    assert one_year["skp_mean_3y"] == 4.0
    assert np.isnan(one_year["skp_trend"])
    nothing = features(E3, "P1", "2022-06-01", builder)
    assert np.isnan(nothing["skp_last_rating"])
    assert np.isnan(nothing["skp_mean_3y"])


def test_skp_record_outlives_the_score(builder: FitFeatureBuilder) -> None:
    f = features(E1, "P1", "2025-01-01", builder)  # 2019..2024: 4 5 4 | 4 5 4, scores to 2021
    assert f["skp_years_rated"] == 6.0
    assert f["skp_mean_all"] == pytest.approx(26 / 6)
    assert f["skp_share_sangat_baik"] == pytest.approx(2 / 6)
    assert f["skp_share_below_baik"] == 0.0
    assert f["skp_mean_score"] == pytest.approx((80 + 90 + 82) / 3)  # 2022 on have no score
    assert f["skp_last_known_score"] == 82.0  # the 2021 score, while the last SKP has none
    assert np.isnan(f["skp_last_score"])


def test_skp_record_shares_and_only_finished_years(builder: FitFeatureBuilder) -> None:
    f = features(E5, "P1", "2025-01-01", builder)  # 2021 baik 76, 2022 kurang, 2023-24 baik
    assert f["skp_years_rated"] == 4.0
    assert f["skp_mean_all"] == pytest.approx((4 + 2 + 4 + 4) / 4)
    assert f["skp_share_below_baik"] == pytest.approx(1 / 4)
    assert f["skp_share_sangat_baik"] == 0.0
    assert (f["skp_mean_score"], f["skp_last_known_score"]) == (76.0, 76.0)
    # On 2024-12-31 the 2024 SKP is not known yet.
    assert features(E5, "P1", "2024-12-31", builder)["skp_years_rated"] == 3.0
    late = features(E1, "P1", "2031-06-01", builder)  # long after the last year on record
    assert late["skp_years_rated"] == 6.0


def test_skp_record_without_scores_or_ratings(builder: FitFeatureBuilder) -> None:
    pppk = features(E3, "P1", "2025-06-01", builder)  # 2022 baik, 2023 baik, 2024 sangat baik
    assert pppk["skp_years_rated"] == 3.0
    assert pppk["skp_mean_all"] == pytest.approx(13 / 3)
    # Hired in 2022, never scored: the middle of each predikat's band (baik 76-90, sb 91-100).
    assert pppk["skp_mean_score"] == pytest.approx((83 + 83 + 95.5) / 3)
    assert pppk["skp_last_known_score"] == 95.5
    first_year = features(E3, "P1", "2023-03-01", builder)  # only 2022 baik
    assert (first_year["skp_mean_score"], first_year["skp_last_known_score"]) == (83.0, 83.0)
    record = ["skp_mean_all", "skp_share_sangat_baik", "skp_share_below_baik",
              "skp_mean_score", "skp_last_known_score"]  # fmt: skip
    # E3's first year is not finished yet; 2012 is before anyone's first year on record.
    for nip, as_of in ((E3, "2022-06-01"), (E1, "2012-01-01")):
        f = features(nip, "P1", as_of, builder)
        assert f["skp_years_rated"] == 0.0
        assert f[record].isna().all(), as_of


def test_current_post_setting(builder: FitFeatureBuilder) -> None:
    """Fit of the degree to the CURRENT unit's sector and being away from home, as of the date."""
    before = features(E2, "P1", "2015-06-01", builder)  # guru in P5 (umum, 7571), home 7501
    assert (before["current_field_sector_fit"], before["current_away_from_home"]) == (0.0, 1.0)
    after = features(E2, "P1", "2016-01-02", builder)  # now P4 (pendidikan, 7501)
    assert (after["current_field_sector_fit"], after["current_away_from_home"]) == (1.0, 0.0)
    manager = features(E6, "P1", "2015-06-01", builder)  # manajemen in P7 (umum): related
    assert manager["current_field_sector_fit"] == 0.6
    assert features(E6, "P1", "2017-01-01", builder)["current_field_sector_fit"] == 0.3
    # The same employee and date give the same value whatever the target post.
    assert features(E6, "P5", "2017-01-01", builder)["current_field_sector_fit"] == 0.3


def test_regions(builder: FitFeatureBuilder) -> None:
    e2 = features(E2, "P5", "2022-01-01", builder)  # U2 (7501), home 7501 -> U3 (7571)
    assert (e2["same_region_as_current"], e2["target_in_home_region"]) == (0.0, 0.0)
    e5 = features(E5, "P4", "2022-01-01", builder)  # U3 (7571), home 7501 -> U2 (7501)
    assert (e5["same_region_as_current"], e5["target_in_home_region"]) == (0.0, 1.0)


def test_preferences_before_the_date_latest_wins() -> None:
    assert features(E1, "P3", "2024-03-01")["asked_for_unit"] == 0.0  # submitted that day
    f = features(E1, "P3", "2024-03-02")
    assert (f["asked_for_unit"], f["preference_priority"]) == (1.0, 2.0)
    later = FitFeatureBuilder().fit(
        make_dataset(preferences=[*PREFERENCES, (E1, "2025-01-01", "U2", 3)])
    )
    assert features(E1, "P4", "2025-06-01", later)["preference_priority"] == 3.0
    assert np.isnan(features(E2, "P1", "2025-06-01", later)["preference_priority"])


def test_staffing_from_headcounts_as_of(builder: FitFeatureBuilder) -> None:
    f = features(E2, "P2", "2022-03-01", builder)  # E3 holds P2 since 2022-02-01
    assert f["target_position_shortage"] == 2.0
    assert f["target_unit_shortage"] == 2.0  # U1: need 4, E1 and E3
    assert f["source_unit_shortage_after"] == 2.0  # U2: need 3, E2 and E6, minus E2
    early = features(E2, "P2", "2022-01-01", builder)
    assert early["target_position_shortage"] == 3.0


def test_years_to_retirement_by_target_jabatan(builder: FitFeatureBuilder) -> None:
    age = years("2022-01-01", "1966-08-17")
    assert features(E4, "P6", "2022-01-01", builder)["years_to_retirement"] == pytest.approx(
        65 - age
    )
    assert features(E4, "P3", "2022-01-01", builder)["years_to_retirement"] == pytest.approx(
        60 - age
    )
    assert features(E4, "P5", "2022-01-01", builder)["years_to_retirement"] == pytest.approx(
        58 - age
    )


def test_frame_shape_dtype_and_index(builder: FitFeatureBuilder) -> None:
    triples = pd.DataFrame(
        {"nip": [E1, E2, E6], "position_id": ["P1", "P2", "P4"], "as_of": ["2020-01-01"] * 3},
        index=["a", "b", "c"],
    )
    out = builder.transform(triples)
    assert list(out.index) == ["a", "b", "c"]
    assert list(out.columns) == load_catalogue().names
    assert (out.dtypes == np.float64).all()
    small_chunks = clone(builder).set_params(chunk_size=1).fit(make_dataset())
    pd.testing.assert_frame_equal(small_chunks.transform(triples), out)


def test_protected_side_car(builder: FitFeatureBuilder) -> None:
    triples = pd.DataFrame(
        {"nip": [E1, E4], "position_id": ["P1", "P2"], "as_of": ["2020-01-01", "2020-01-01"]},
        index=[7, 8],
    )
    side = builder.protected(triples)
    assert list(side.columns) == ["nip", "gender", "age_band"]
    assert list(side.index) == [7, 8]
    assert list(side["gender"]) == ["P", "L"]
    assert list(side["age_band"].astype(str)) == ["30-39", "50+"]


@pytest.mark.parametrize(
    ("triples", "message"),
    [
        ({"nip": [E1], "as_of": ["2020-01-01"]}, "missing columns"),
        ({"nip": ["999"], "position_id": ["P1"], "as_of": ["2020-01-01"]}, "triples.nip"),
        ({"nip": [E1], "position_id": ["P9"], "as_of": ["2020-01-01"]}, "triples.position_id"),
        ({"nip": [E1], "position_id": ["P1"], "as_of": [None]}, "triples.as_of"),
        ({"nip": [E1], "position_id": ["P1"], "as_of": ["someday"]}, "not a date"),
    ],
)
def test_bad_triples_are_clear_errors(
    builder: FitFeatureBuilder, triples: dict[str, Any], message: str
) -> None:
    with pytest.raises(FeatureInputError, match=message):
        builder.transform(pd.DataFrame(triples))


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        FitFeatureBuilder().transform(
            pd.DataFrame({"nip": [E1], "position_id": ["P1"], "as_of": ["2020-01-01"]})
        )


def test_inline_post_matches_the_same_existing_post(builder: FitFeatureBuilder) -> None:
    snapshot = builder.snapshot("2023-01-01")
    existing = snapshot.pair_features("P2")
    inline = snapshot.pair_features(
        {
            "unit_id": "U1",
            "jabatan_type": "fungsional_ahli_pertama",
            "min_golongan": "III/a",
            "min_education_level": "S1",
            "education_fields": ["keperawatan_kebidanan"],
            "competency_requirements": {"teknis_kesehatan": 2},
            "abk_need": 3,
        }
    )
    staffing = ["target_position_shortage", "target_unit_shortage"]
    pd.testing.assert_frame_equal(inline.drop(columns=staffing), existing.drop(columns=staffing))
    assert (inline["target_position_shortage"] == 3.0).all()  # nobody holds a new post
    assert (inline["target_unit_shortage"] == existing["target_unit_shortage"] + 3.0).all()


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"unit_id": "U9", "jabatan_type": "pelaksana"}, "unit_id 'U9'"),
        ({"unit_id": "U1", "jabatan_type": "boss"}, "jabatan_type 'boss'"),
        ({"unit_id": "U1", "jabatan_type": "pelaksana", "min_golongan": "IX"}, "min_golongan"),
        ({"unit_id": "U1", "jabatan_type": "pelaksana", "education_fields": ["x"]}, "'x'"),
        (
            {
                "unit_id": "U1",
                "jabatan_type": "pelaksana",
                "competency_requirements": {"manajerial": 9},
            },
            "level",
        ),
        ({"unit_id": "U1", "jabatan_type": "pelaksana", "abk_need": -1}, "abk_need"),
    ],
)
def test_bad_inline_post_is_a_clear_error(
    builder: FitFeatureBuilder, post: dict[str, Any], message: str
) -> None:
    with pytest.raises(FeatureInputError, match=message):
        builder.snapshot("2023-01-01").pair_features(post)


@pytest.mark.parametrize("table", [t.value for t in OPTIONAL_TABLES])
def test_missing_optional_table_degrades_only_its_features(table: str) -> None:
    triples = pd.DataFrame(
        [(n, p, d) for n in (E1, E2, E4, E5, E6) for p in ("P1", "P3", "P4", "P6")
         for d in ("2019-06-01", "2023-01-01", "2025-06-01")],
        columns=["nip", "position_id", "as_of"],
    )  # fmt: skip
    full = FitFeatureBuilder().fit(make_dataset()).transform(triples)
    degraded_builder = FitFeatureBuilder().fit(make_dataset(**{table: None}))
    degraded = degraded_builder.transform(triples)
    report = degraded_builder.degradation_
    catalogue = load_catalogue()
    assert report.missing_tables == (table,)
    assert list(report.nan_features) == catalogue.needing([table])
    assert degraded[list(report.nan_features)].isna().all().all()
    untouched = [
        n for n in catalogue.names if n not in report.nan_features + report.snapshot_features
    ]
    pd.testing.assert_frame_equal(degraded[untouched], full[untouched])
    # The state and the serving path still work without the table.
    assert len(degraded_builder.snapshot("2023-01-01").pair_features("P1")) == 6


def test_no_position_lists_requirements() -> None:
    """Both list columns are optional: an export may leave them empty for every post."""
    base = make_dataset()
    positions = base.positions.assign(
        competency_requirements=pd.Series(pd.NA, index=base.positions.index, dtype="str"),
        education_fields=pd.Series(pd.NA, index=base.positions.index, dtype="str"),
    )
    built = FitFeatureBuilder().fit(make_dataset(positions=positions))
    f = features(E2, "P5", "2022-01-01", built)
    assert f["competency_coverage"] == 1.0
    assert f["competency_shortfall_sum"] == 0.0
