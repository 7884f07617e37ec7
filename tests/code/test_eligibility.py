"""Eligibility rules: each rule passes and fails where the law says, messages cite the rule set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from features.contract import (
    DISCIPLINE_LEVELS,
    EDUCATION_FIELDS,
    EDUCATION_LEVELS,
    EMPLOYMENT_TYPES,
    GENDERS,
    GOLONGAN,
    JABATAN_TYPES,
    SECTORS,
    STATUSES,
)
from features.eligibility import (
    PositionTarget,
    RuleSet,
    RuleSetError,
    evaluate_eligibility,
    evaluate_targets,
    load_rule_set,
    rule_set_from_settings,
    rule_table_markdown,
)
from features.eligibility_checks import JUDGED_TARGET_FIELDS
from mutasi.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
NAN = np.nan
SIX_MONTHS = {"min_years_in_position": 0.5}  # the minimum BKN announced in 2025
MIN_YEARS = ("min_years_in_position",)
ONE_YEAR_JPT = {"jpt_protection_years": 1.0}
PPPK = {"employment_type": "PPPK", "golongan": "IX", "golongan_rank": NAN}
AS_OF = pd.Timestamp("2025-06-30")
TARGET = PositionTarget(
    unit_id="U-DINKES",
    region_code="7501",
    sector="kesehatan",
    jabatan_type="administrator",
    position_id="P-NEW",
    min_golongan="III/a",
    min_education_level="S1",
)
# A PNS who passes every rule for TARGET; each test changes what it is about.
BASELINE: dict[str, Any] = {
    "nip": "199001012015031001",
    "as_of": AS_OF,
    "employment_type": "PNS",
    "gender": "L",
    "birth_date": pd.Timestamp("1990-01-01"),
    "age_years": 35.5,
    "status": "aktif",
    "discipline_level": "none",
    "discipline_until": pd.NaT,
    "golongan": "III/b",
    "golongan_rank": 9.0,
    "education_level": "S1",
    "education_rank": 6.0,
    "education_field": "administrasi_publik",
    "position_id": "P-OLD",
    "position_start_date": pd.Timestamp("2022-01-01"),
    "unit_id": "U-SETDA",
    "sector": "umum",
    "region_code": "7571",
    "jabatan_type": "pelaksana",
    "years_in_position": 3.5,
    "years_of_service": 10.0,
    "home_region_code": "7571",
}
CODES = {
    "employment_type": EMPLOYMENT_TYPES,
    "gender": GENDERS,
    "status": STATUSES,
    "discipline_level": DISCIPLINE_LEVELS,
    "golongan": GOLONGAN,
    "education_level": EDUCATION_LEVELS,
    "education_field": EDUCATION_FIELDS,
    "sector": SECTORS,
    "jabatan_type": JABATAN_TYPES,
}


def state(*changes: dict[str, Any], categorical: bool = True) -> pd.DataFrame:
    """Employee state rows: the baseline with each row's changes, nips numbered in order."""
    rows = [{**BASELINE, "nip": f"{i:018d}", **c} for i, c in enumerate(changes)]
    frame = pd.DataFrame(rows)
    frame["discipline_until"] = pd.to_datetime(frame["discipline_until"])
    if categorical:
        frame = frame.astype({c: pd.CategoricalDtype(list(codes)) for c, codes in CODES.items()})
    return frame


def failed(
    changes: dict[str, Any],
    overrides: dict[str, Any] | None = None,
    target: PositionTarget = TARGET,
    freeze_periods: pd.DataFrame | None = None,
) -> tuple[str, ...]:
    """Rule ids one candidate fails."""
    result = evaluate_eligibility(
        state(changes), target, AS_OF, load_rule_set(overrides=overrides), freeze_periods
    )
    ids: tuple[str, ...] = result.to_frame()["failed_rules"].iloc[0]
    assert result.eligible[0] == (not ids)
    return ids


def test_the_baseline_candidate_is_eligible() -> None:
    result = evaluate_eligibility(state({}), TARGET, AS_OF, load_rule_set())
    assert result.eligible.tolist() == [True]
    assert result.failures.empty
    assert (result.counts_by_rule() == 0).all()


@pytest.mark.parametrize(
    ("rule_id", "changes", "overrides"),
    [
        ("pppk_excluded", PPPK, None),
        ("status_not_active", {"status": "cuti"}, None),
        ("status_not_active", {"status": "tugas_belajar"}, None),
        ("status_not_active", {"status": "diberhentikan_sementara"}, None),
        ("discipline_in_force", {"discipline_level": "sedang"}, None),  # no end date: in force
        ("discipline_in_force", {"discipline_level": "berat", "discipline_until": "2026-01"}, None),
        ("discipline_in_force", {"discipline_level": "sedang", "discipline_until": AS_OF}, None),
        ("min_years_in_position", {"years_in_position": 1.9}, None),
        ("min_years_in_position", {"years_in_position": 0.4}, SIX_MONTHS),
        ("min_years_in_position", {"years_in_position": np.nan}, None),  # unknown: fail closed
        ("jpt_protection", {"jabatan_type": "jpt_pratama", "years_in_position": 1.5}, SIX_MONTHS),
        ("jpt_protection", {"jabatan_type": "jpt_madya", "years_in_position": 0.6}, SIX_MONTHS),
        ("retirement_age", {"age_years": 58.2}, None),  # past the BUP of an administrator post
        ("retirement_age", {"age_years": 57.5}, None),  # within min_years_before_bup of it
        ("min_golongan", {"golongan": "II/d", "golongan_rank": 7.0}, None),
        ("min_education_level", {"education_level": "D3", "education_rank": 5.0}, None),
        ("same_position", {"position_id": "P-NEW"}, None),
    ],
)  # fmt: skip
def test_each_rule_fails_the_candidate_it_is_about(
    rule_id: str, changes: dict[str, Any], overrides: dict[str, Any] | None
) -> None:
    assert failed(changes, overrides) == (rule_id,)


@pytest.mark.parametrize(
    ("changes", "overrides"),
    [
        ({"discipline_level": "ringan"}, None),  # a light sanction does not block
        ({"discipline_level": "berat", "discipline_until": "2025-06-29"}, None),  # expired
        ({"years_in_position": 2.0}, None),
        ({"years_in_position": 0.5}, SIX_MONTHS),
        ({"jabatan_type": "jpt_pratama", "years_in_position": 2.5}, None),
        ({"jabatan_type": "jpt_madya", "years_in_position": 1.0}, {**SIX_MONTHS, **ONE_YEAR_JPT}),
        ({"age_years": 56.9}, None),
        ({"age_years": 57.5}, {"min_years_before_bup": 0.0}),
        ({"age_years": 57.5}, {"bup": {"administrator": 60}}),
        ({"golongan": "III/a", "golongan_rank": 8.0}, None),  # exactly the minimum
        ({"education_level": "D4", "education_rank": 6.0}, None),  # D4 = S1
        ({"position_id": "P-OTHER", "unit_id": "U-DINKES"}, None),  # same unit, other post
    ],
)  # fmt: skip
def test_passing_candidates_pass(changes: dict[str, Any], overrides: dict[str, Any] | None) -> None:
    assert failed(changes, overrides) == ()


@pytest.mark.parametrize(
    ("age", "jabatan_type", "fails"),
    [
        (58.5, "jpt_pratama", False),  # BUP 60 for JPT
        (59.2, "jpt_pratama", True),
        (58.5, "fungsional_ahli_madya", False),
        (63.5, "fungsional_ahli_utama", False),  # BUP 65
        (64.0, "fungsional_ahli_utama", True),
        (57.5, "fungsional_ahli_muda", True),  # default BUP 58
    ],
)
def test_retirement_age_is_that_of_the_target_post(
    age: float, jabatan_type: str, fails: bool
) -> None:
    target = PositionTarget("U-DINKES", "7501", "kesehatan", jabatan_type)
    assert ("retirement_age" in failed({"age_years": age}, target=target)) == fails


def freezes(*rows: tuple[str, str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["region_code", "start_date", "end_date"])
    return frame.assign(
        start_date=pd.to_datetime(frame["start_date"]),
        end_date=pd.to_datetime(frame["end_date"]),
        reason="pilkada",
    )


def test_one_candidate_against_many_posts_equals_each_post_alone() -> None:
    """Recommendations judge an employee against every vacancy in one evaluation: verdicts and
    messages must be those of judging each post on its own, for posts differing in every field
    a rule reads (region frozen or not, jabatan type and so retirement age, minimum golongan and
    education or none, the candidate's own post)."""
    pool = state(
        {}, PPPK, {"status": "cuti"}, {"discipline_level": "sedang"}, {"years_in_position": 1.0},
        {"jabatan_type": "jpt_pratama", "years_in_position": 1.5}, {"age_years": 58.2},
        {"golongan": "II/d", "golongan_rank": 7.0},
        {"education_level": "D3", "education_rank": 5.0}, {"region_code": "7501"},
        {"age_years": 57.5, "education_rank": NAN}, {"years_in_position": 6.0},
        {"region_code": "7572"},
    )  # fmt: skip
    periods = freezes(("7571", "2025-01-01", "2025-12-31"), ("7572", "2025-01-01", "2025-12-31"))
    rules = load_rule_set()
    posts = [
        PositionTarget(unit, region, sector, jabatan, position_id, golongan, education)
        for unit, region, sector in (("U-DINKES", "7501", "kesehatan"), ("U-X", "7572", "umum"))
        for jabatan in ("administrator", "jpt_pratama", "fungsional_ahli_utama")
        for position_id in (None, "P-OLD")
        for golongan, education in ((None, None), ("IV/a", "S2"))
    ]
    exercised = np.zeros(len(rules.rules), dtype=bool)
    for i in range(len(pool)):
        candidate = pool.iloc[[i]]
        together = evaluate_targets(candidate, posts, AS_OF, rules, periods)
        alone = [evaluate_eligibility(candidate, post, AS_OF, rules, periods) for post in posts]
        np.testing.assert_array_equal(together.hits, np.vstack([r.hits for r in alone]))
        messages = pd.concat([r.failures.assign(post=k) for k, r in enumerate(alone)])
        expected = messages.drop(columns="post").reset_index(drop=True)
        pd.testing.assert_frame_equal(together.failures, expected, check_dtype=False)
        assert together.counts_by_rule().to_dict() == {
            rule: sum(int(r.counts_by_rule()[rule]) for r in alone)
            for rule in together.counts_by_rule().index
        }
        exercised |= together.hits.any(axis=0)
    assert exercised.all(), [r.id for r, hit in zip(rules.rules, exercised, strict=True) if not hit]


def test_judging_many_posts_needs_one_candidate() -> None:
    with pytest.raises(ValueError, match="one employee state row"):
        evaluate_targets(state({}, {}), [TARGET], AS_OF, load_rule_set())
    assert evaluate_targets(state({}), [], AS_OF, load_rule_set()).hits.shape == (0, 11)


def test_rules_judge_a_post_only_by_the_fields_they_declare() -> None:
    # The batch job judges posts alike in JUDGED_TARGET_FIELDS once; that is only right while
    # no check reads anything else of the target (apart from position_id).
    pool = state(
        {}, PPPK, {"status": "cuti"}, {"discipline_level": "sedang"}, {"years_in_position": 1.0},
        {"jabatan_type": "jpt_pratama", "years_in_position": 1.5}, {"age_years": 58.2},
        {"golongan": "II/d", "golongan_rank": 7.0},
        {"education_level": "D3", "education_rank": 5.0}, {"region_code": "7501"},
        {"unit_id": "U-DINKES", "sector": "kesehatan"},
        {"home_region_code": "7501"}, {"years_in_position": 6.0},
    )  # fmt: skip
    periods = freezes(("7571", "2025-01-01", "2025-12-31"))
    rules = load_rule_set()
    base = evaluate_eligibility(pool, TARGET, AS_OF, rules, periods)
    assert base.hits.any(axis=0).sum() >= len(rules.rules) - 1  # nearly every rule is exercised
    judged = {name: getattr(TARGET, name) for name in JUDGED_TARGET_FIELDS}
    for sector in SECTORS:
        for unit_id in ("U-DINKES", "U-SETDA", "U-OTHER"):
            other = PositionTarget(unit_id=unit_id, sector=sector, position_id="P-NEW", **judged)
            result = evaluate_eligibility(pool, other, AS_OF, rules, periods)
            np.testing.assert_array_equal(result.hits, base.hits, err_msg=f"{unit_id} {sector}")


def test_a_frozen_target_region_bars_everybody() -> None:
    periods = freezes(("7501", "2025-01-01", "2025-12-31"))
    result = evaluate_eligibility(
        state({}, {"region_code": "7502"}), TARGET, AS_OF, load_rule_set(), periods
    )
    assert not result.eligible.any()
    assert result.counts_by_rule()["freeze_period"] == 2
    assert result.failures["message_id"].iloc[0] == (
        "Wilayah 7501 dalam masa larangan mutasi (pilkada) sampai 2025-12-31"
    )


def test_a_frozen_current_region_bars_its_employees_only() -> None:
    periods = freezes(("7571", "2025-06-01", "2025-06-30"), ("7502", "2024-01-01", "2025-06-29"))
    result = evaluate_eligibility(
        state({"region_code": "7571"}, {"region_code": "7502"}, {"region_code": "7503"}),
        TARGET,
        AS_OF,
        load_rule_set(),
        periods,
    )
    # 7571: the end date is inclusive; 7502: ended the day before; 7503: never frozen
    assert result.eligible.tolist() == [False, True, True]
    assert result.reasons(f"{0:018d}")["rule_id"].tolist() == ["freeze_period"]


def test_outside_a_freeze_period_or_without_the_table_moves_are_allowed() -> None:
    periods = freezes(("7501", "2025-07-01", "2025-12-31"), ("7571", "2020-01-01", "2020-12-31"))
    assert failed({}, freeze_periods=periods) == ()
    assert failed({}, freeze_periods=None) == ()


def test_several_failures_are_all_reported_in_rule_set_order() -> None:
    bad = {"employment_type": "PPPK", "status": "cuti", "years_in_position": 0.3, "golongan": "V"}
    result = evaluate_eligibility(
        state({}, {**bad, "education_level": "D3", "education_rank": 5.0, "golongan_rank": np.nan}),
        TARGET,
        AS_OF,
        load_rule_set(),
    )
    reasons = result.reasons(f"{1:018d}")
    assert reasons["rule_id"].tolist() == [
        "pppk_excluded",
        "status_not_active",
        "min_years_in_position",
        "min_education_level",
    ]
    assert reasons["message_id"].str.len().gt(0).all()
    assert reasons["source"].str.len().gt(0).all()
    assert result.reasons(f"{0:018d}").empty
    with pytest.raises(KeyError, match="not among"):
        result.reasons("999")


def test_every_candidate_comes_back_in_input_order() -> None:
    frame = state({}, {"status": "cuti"}, {}, {"years_in_position": 1.0})
    frame.index = pd.Index([40, 10, 30, 20])  # an arbitrary index: alignment is positional
    result = evaluate_eligibility(frame, TARGET, AS_OF, load_rule_set())
    out = result.to_frame()
    assert out["nip"].tolist() == frame["nip"].tolist()
    assert result.eligible.tolist() == [True, False, True, False]
    assert out["failed_rules"].tolist() == [(), ("status_not_active",), (), MIN_YEARS]
    assert out.attrs["rule_set_version"] == result.rule_set_version == "2025.2"


def test_an_empty_candidate_frame_gives_an_empty_result() -> None:
    result = evaluate_eligibility(state({}).iloc[:0], TARGET, AS_OF, load_rule_set())
    assert result.eligible.size == 0
    assert result.failures.empty
    assert result.to_frame().empty


def test_plain_string_columns_give_the_same_answer_as_categoricals() -> None:
    changes = [{}, {"status": "cuti"}, {"discipline_level": "berat"}, {"employment_type": "PPPK"}]
    rules = load_rule_set()
    coded = evaluate_eligibility(state(*changes), TARGET, AS_OF, rules)
    plain = evaluate_eligibility(state(*changes, categorical=False), TARGET, AS_OF, rules)
    pd.testing.assert_frame_equal(coded.to_frame(), plain.to_frame())
    pd.testing.assert_frame_equal(coded.failures, plain.failures)


def test_messages_are_filled_in_both_languages() -> None:
    result = evaluate_eligibility(
        state({"years_in_position": 1.46}, {"discipline_level": "sedang"}),
        TARGET,
        AS_OF,
        load_rule_set(),
    )
    first, second = result.failures.to_dict("records")
    assert first["message_id"] == "Masa jabatan saat ini 1.5 tahun, minimal 2 tahun"
    assert first["message_en"] == "1.5 years in the current position, minimum 2"
    assert first["source"].startswith("PP 11/2017 Pasal 190")
    assert "(berlaku sampai ?)" in second["message_id"]  # no end date on record


def test_more_than_five_years_is_a_flag_not_a_bar() -> None:
    result = evaluate_eligibility(
        state({"years_in_position": 6.2}, {}), TARGET, AS_OF, load_rule_set()
    )
    assert result.eligible.tolist() == [True, True]
    assert result.overdue.tolist() == [True, False]
    assert result.to_frame()["flags"].tolist() == [("overdue",), ()]
    assert result.flags["message_id"].iloc[0].startswith("Masa jabatan 6.2 tahun melebihi 5 tahun")
    assert "overdue" not in result.counts_by_rule().index


def test_overrides_change_parameters_and_the_cited_version() -> None:
    rules = load_rule_set(overrides={"min_years_in_position": 0.5})
    assert rules.params["min_years_in_position"] == 0.5
    assert rules.version == "2025.2+min_years_in_position=0.5"
    merged = load_rule_set(overrides={"bup": {"pelaksana": 60}}).params["bup"]
    assert (merged["pelaksana"], merged["jpt_madya"], merged["default"]) == (60, 60, 58)
    assert failed({"years_in_position": 0.7}) == ("min_years_in_position",)
    assert failed({"years_in_position": 0.7}, {"min_years_in_position": 0.5}) == ()


def test_settings_select_the_minimum_years() -> None:
    settings = Settings(min_years_in_position=0.5, _env_file=None)
    assert rule_set_from_settings(settings).params["min_years_in_position"] == 0.5
    default = Settings(_env_file=None)
    assert rule_set_from_settings(default).version == "2025.2"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"min_year_in_position": 0.5}, "unknown rule parameter.*min_year_in_position"),
        ({"min_years_in_position": -1}, "min_years_in_position.*-1"),
        ({"min_years_in_position": "6 bulan"}, "min_years_in_position.*6 bulan"),
        ({"min_years_in_position": 6.0}, "above max_years_in_position"),
        ({"blocking_discipline": ["berat", "parah"]}, "blocking_discipline"),
        ({"bup": {"direktur": 60}}, "unknown jabatan types.*direktur"),
    ],
)
def test_bad_overrides_get_a_clear_error(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleSetError, match=message):
        load_rule_set(overrides=overrides)


@pytest.fixture
def raw_rules() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (ROOT / "features" / "rules.yaml").read_text(encoding="utf-8")
    )
    return loaded


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["rules"][0].update(id="no_such_rule"), "no_such_rule.*no implementation"),
        (lambda r: r["rules"][3].update(params={}), "parameters must be.*min_years_in_position"),
        (lambda r: r["rules"][0].update(message_en="{salary}"), "unknown values.*salary"),
        (lambda r: r["rules"][0].update(message_en="{} x"), "named"),
        (lambda r: r["rules"][0].pop("source"), "missing keys.*source"),
        (lambda r: r["rules"][1].update(kind="warning"), "bar or flag"),
        (lambda r: r["rules"].append(r["rules"][0]), "unique"),
    ],
)
def test_a_bad_rules_file_names_the_file_and_the_rule(
    raw_rules: dict[str, Any], tmp_path: Path, edit: Any, message: str
) -> None:
    edit(raw_rules)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw_rules), encoding="utf-8")
    with pytest.raises(RuleSetError, match=f"rules.yaml: .*{message}"):
        load_rule_set(path)


def test_a_rules_file_may_drop_a_rule_and_carries_its_version(
    raw_rules: dict[str, Any], tmp_path: Path
) -> None:
    raw_rules["version"] = "local-1"
    raw_rules["rules"] = [r for r in raw_rules["rules"] if r["id"] != "freeze_period"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw_rules), encoding="utf-8")
    rules = load_rule_set(path)
    assert rules.version == "local-1"
    periods = freezes(("7501", "2025-01-01", "2025-12-31"))
    result = evaluate_eligibility(state({}), TARGET, AS_OF, rules, periods)
    assert result.eligible.tolist() == [True]


def test_missing_state_columns_and_a_stale_state_are_refused() -> None:
    with pytest.raises(ValueError, match=r"missing employee state columns \['age_years'\]"):
        evaluate_eligibility(state({}).drop(columns="age_years"), TARGET, AS_OF, load_rule_set())
    with pytest.raises(ValueError, match="as of the evaluation date"):
        evaluate_eligibility(state({}), TARGET, AS_OF + pd.Timedelta(days=30), load_rule_set())


def test_position_target_from_a_position_row() -> None:
    units = pd.DataFrame(
        {"unit_id": ["U-DINKES"], "sector": ["kesehatan"], "region_code": ["7501"]}
    )
    row = pd.Series(
        {
            "position_id": "P-NEW",
            "unit_id": "U-DINKES",
            "jabatan_type": "administrator",
            "min_golongan": "III/a",
            "min_education_level": "S1",
            "is_active": True,
        }
    )
    assert PositionTarget.from_position(row, units) == TARGET
    loose = PositionTarget.from_position(row.drop(["min_golongan"]).replace("S1", np.nan), units)
    assert (loose.min_golongan, loose.min_education_level) == (None, None)
    with pytest.raises(ValueError, match="unknown unit 'U-X'"):
        PositionTarget.from_position({**row, "unit_id": "U-X"}, units)
    with pytest.raises(ValueError, match="inactive"):
        PositionTarget.from_position({**row, "is_active": False}, units)
    with pytest.raises(ValueError, match="min_golongan 'IX'"):
        PositionTarget.from_position({**row, "min_golongan": "IX"}, units)


def test_describe_lists_every_rule() -> None:
    rules = load_rule_set()
    described = rules.describe()
    assert described["rule_id"].tolist() == [r.id for r in rules.rules]
    assert described["source"].str.len().gt(0).all()
    assert isinstance(rules, RuleSet)


def test_documentation_shows_the_current_rule_table() -> None:
    doc = (ROOT / "docs" / "eligibility.md").read_text(encoding="utf-8")
    expected = rule_table_markdown(load_rule_set())
    assert expected in doc, f"docs/eligibility.md is out of date; its table should be:\n{expected}"
